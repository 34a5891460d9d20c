"""The runs table's query language: parsing, validation errors, store queries, grouping."""

from __future__ import annotations

import pytest

from sweeplab.domain import RunState
from sweeplab.errors import RequestError
from sweeplab.server.dashboard.runs_table import (
    cell_value,
    columns_for,
    flatten,
    group_runs,
    load_page,
)
from sweeplab.server.dashboard.table_request import (
    GROUP_FIELDS,
    MAX_COLUMNS,
    MAX_FILTERS,
    TableRequest,
    parse_table_request,
)
from sweeplab.store.base import NewRun, RunChanges, Store


def parse(*pairs: tuple[str, str]) -> TableRequest:
    return parse_table_request("p", list(pairs))


def test_defaults() -> None:
    request = parse()
    assert request.sort == "-created" and request.page == 1 and request.per_page == 50
    query = request.run_query(limit=51, offset=0)
    assert query.project == "p" and query.order == "-created_at" and query.limit == 51


def test_everything_maps_to_the_store_query() -> None:
    request = parse(
        ("sort", "summary.loss"),
        ("state", "running"),
        ("state", "finished"),
        ("sweep", "s1"),
        ("run_group", "g"),
        ("tag", "a"),
        ("tag", "b"),
        ("where", "config.lr=0.01"),
        ("where", "config.opt=adam"),
        ("where", "summary.ok=true"),
        ("page", "3"),
        ("per_page", "25"),
    )
    query = request.run_query(limit=26, offset=50)
    assert query.order == "summary.loss"
    assert query.states == (RunState.RUNNING, RunState.FINISHED)
    assert (query.sweep_id, query.group, query.tags) == ("s1", "g", ("a", "b"))
    assert query.config_equals == {"lr": 0.01, "opt": "adam"}
    assert query.summary_equals == {"ok": True}
    assert (request.page, request.per_page) == (3, 25)
    assert parse(("sort", "-name")).run_query(None, 0).order == "-name"
    assert parse(("sort", "updated")).run_query(None, 0).order == "updated_at"


def test_empty_form_fields_mean_no_filter() -> None:
    request = parse(("where", ""), ("tag", ""), ("sweep", ""), ("group_by", ""), ("cols", ""))
    assert request == parse()


def test_columns_from_cols_or_repeated_col() -> None:
    assert parse(("cols", "state, config.lr,summary.loss,state")).columns == (
        "state",
        "config.lr",
        "summary.loss",
    )
    assert parse(("col", "tags"), ("col", "config.lr")).columns == ("tags", "config.lr")


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        ((("sort", "config.lr"),), "sort: cannot sort by 'config.lr'"),
        ((("sort", "summary."),), "sort: a key must have 1 to 200 characters"),
        ((("state", "sleeping"),), "state: unknown run state 'sleeping'"),
        ((("where", "lr=1"),), "where: 'lr=1' is not 'config.<key>=<value>'"),
        ((("where", "config.lr"),), "is not 'config.<key>=<value>'"),
        (tuple(("where", f"config.k{i}=1") for i in range(MAX_FILTERS + 1)), "where: at most"),
        ((("page", "two"),), "page: expected a whole number, got 'two'"),
        ((("per_page", "5000"),), "per_page: must be between 10 and 500, got 5000"),
        ((("page", "0"),), "page: must be between 1 and"),
        ((("cols", "bogus"),), "cols: unknown column 'bogus'"),
        ((("cols", ",".join(f"config.k{i}" for i in range(MAX_COLUMNS + 1))),), "cols: at most"),
        ((("group_by", "summary.loss"),), "group_by: cannot group by 'summary.loss'"),
        ((("group_metric", "config.lr"),), "group_metric: expected summary.<key>"),
        ((("group_metric", "summary." + "k" * 201),), "group_metric: a key must have"),
        ((("tag", "t" * 201),), "tag: a key must have"),
    ],
)
def test_bad_parameters_are_refused_with_the_parameter_named(
    pairs: tuple[tuple[str, str], ...], message: str
) -> None:
    with pytest.raises(RequestError, match=message.replace("(", r"\(").replace("[", r"\[")):
        parse(*pairs)


def test_group_by_accepts_fields_and_config_keys() -> None:
    for field in GROUP_FIELDS:
        assert parse(("group_by", field)).group_by == field
    assert parse(("group_by", "config.lr")).group_by == "config.lr"


def test_flatten_and_cells() -> None:
    assert flatten({"opt": {"lr": 1, "beta": {"b1": 0.9}}, "x": {}}) == {
        "opt.lr": 1,
        "opt.beta.b1": 0.9,
        "x": {},
    }
    store_run = NewRun(project="p", config={"opt": {"lr": 0.1}, "a.b": 2})
    from sweeplab.store.memory import MemoryStore

    run = MemoryStore().create_run(store_run)
    assert cell_value(run, "config.opt.lr") == 0.1
    assert cell_value(run, "config.a.b") == 2
    assert cell_value(run, "state") == "running"
    assert cell_value(run, "summary.missing") is None


def _runs(store: Store, count: int) -> list[str]:
    ids = []
    for index in range(count):
        run = store.create_run(
            NewRun(project="p", name=f"run-{index:02d}", config={"opt": ["adam", "sgd"][index % 2]})
        )
        store.update_run(run.run_id, RunChanges(summary={"loss": float(index)}))
        if index % 3 == 0:
            store.finish_run(run.run_id, RunState.FINISHED)
        ids.append(run.run_id)
    return ids


def test_pages_read_one_extra_row_to_know_if_more_follow(store: Store) -> None:
    _runs(store, 25)
    first = load_page(store, parse(("per_page", "10"), ("sort", "name")))
    assert [run.name for run in first.runs] == [f"run-{i:02d}" for i in range(10)]
    assert first.has_next
    last = load_page(store, parse(("per_page", "10"), ("sort", "name"), ("page", "3")))
    assert len(last.runs) == 5 and not last.has_next
    assert first.config_keys == ["opt"] and first.summary_keys == ["loss"]
    keys = [column.key for column in first.columns]
    assert keys == ["state", "created", "runtime", "config.opt", "summary.loss"]
    assert [column.sort for column in first.columns][-1] == "summary.loss"


def test_summary_sort_descending(store: Store) -> None:
    _runs(store, 12)
    page = load_page(store, parse(("sort", "-summary.loss"), ("per_page", "10")))
    assert [run.summary["loss"] for run in page.runs][:3] == [11.0, 10.0, 9.0]


def test_columns_for_explicit_choice() -> None:
    columns = columns_for(parse(("cols", "tags,config.lr")), [], [])
    assert [(column.key, column.label, column.sort) for column in columns] == [
        ("tags", "Tags", None),
        ("config.lr", "lr", None),
    ]


def test_grouping_by_config_with_metric_aggregates(store: Store) -> None:
    _runs(store, 6)
    groups, total = group_runs(
        store, parse(("group_by", "config.opt"), ("group_metric", "summary.loss"))
    )
    assert total == 6
    by_label = {group.label: group for group in groups}
    assert by_label["adam"].count == 3 and by_label["adam"].mean == pytest.approx(2.0)
    assert (by_label["sgd"].minimum, by_label["sgd"].maximum) == (1.0, 5.0)
    assert by_label["adam"].filter_param == ("where", 'config.opt="adam"')
    states, _ = group_runs(store, parse(("group_by", "state")))
    assert {group.label: group.count for group in states} == {"running": 4, "finished": 2}
    assert states[0].filter_param == ("state", "running")
    sweeps, _ = group_runs(store, parse(("group_by", "sweep")))
    assert sweeps[0].label == "—" and sweeps[0].filter_param is None
