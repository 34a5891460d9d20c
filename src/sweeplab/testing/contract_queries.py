"""Store contract: what ``list_runs`` returns for each :class:`RunQuery` feature."""

from __future__ import annotations

import math
from typing import Any

import pytest

from sweeplab.domain import RunRecord, RunState
from sweeplab.errors import QueryError
from sweeplab.store.base import NewRun, RunChanges, RunQuery, Store


def _names(runs: list[RunRecord]) -> list[str]:
    return [run.name for run in runs]


def _populate(store: Store) -> None:
    """Five runs in creation order r0..r4 (created at t=10, 20, ...), with varied fields."""
    specs: list[tuple[str, str | None, tuple[str, ...], dict[str, Any], dict[str, Any], RunState]]
    specs = [
        ("p", "g1", ("a",), {"lr": 0.1, "opt": "adam"}, {"loss": 0.5}, RunState.FINISHED),
        ("p", "g1", ("a", "b"), {"lr": 0.2, "opt": "sgd"}, {"loss": 0.1}, RunState.RUNNING),
        ("p", "g2", ("b",), {"lr": 0.1, "opt": "sgd"}, {"loss": math.nan}, RunState.FAILED),
        ("q", None, (), {"lr": 1, "flag": True}, {"loss": "n/a"}, RunState.RUNNING),
        ("p", None, (), {"lr": 0.3, "flag": 1}, {}, RunState.CRASHED),
    ]
    for index, (project, group, tags, config, summary, state) in enumerate(specs):
        run = store.create_run(
            NewRun(project=project, name=f"r{index}", group=group, tags=tags, config=config),
            now=10.0 * (index + 1),
        )
        store.update_run(run.run_id, RunChanges(summary=summary), now=100.0 - index)
        if state is not RunState.RUNNING:
            store.update_run(run.run_id, RunChanges(state=state), now=100.0 - index)


class QueryContract:
    def test_default_lists_all_in_creation_order(self, store: Store) -> None:
        _populate(store)
        assert _names(store.list_runs(RunQuery())) == ["r0", "r1", "r2", "r3", "r4"]

    def test_filters(self, store: Store) -> None:
        _populate(store)
        assert _names(store.list_runs(RunQuery(project="q"))) == ["r3"]
        assert _names(store.list_runs(RunQuery(group="g1"))) == ["r0", "r1"]
        states = (RunState.RUNNING, RunState.CRASHED)
        assert _names(store.list_runs(RunQuery(states=states))) == ["r1", "r3", "r4"]
        assert _names(store.list_runs(RunQuery(tags=("b",)))) == ["r1", "r2"]
        assert _names(store.list_runs(RunQuery(tags=("a", "b")))) == ["r1"]
        assert _names(store.list_runs(RunQuery(project="p", group="g1", tags=("b",)))) == ["r1"]

    def test_config_and_summary_equality_filters(self, store: Store) -> None:
        _populate(store)
        assert _names(store.list_runs(RunQuery(config_equals={"lr": 0.1}))) == ["r0", "r2"]
        both = RunQuery(config_equals={"lr": 0.1, "opt": "sgd"})
        assert _names(store.list_runs(both)) == ["r2"]
        # 1 equals 1.0, but booleans never equal numbers.
        assert _names(store.list_runs(RunQuery(config_equals={"lr": 1.0}))) == ["r3"]
        assert _names(store.list_runs(RunQuery(config_equals={"flag": True}))) == ["r3"]
        assert _names(store.list_runs(RunQuery(config_equals={"flag": 1}))) == ["r4"]
        assert _names(store.list_runs(RunQuery(summary_equals={"loss": 0.1}))) == ["r1"]
        assert _names(store.list_runs(RunQuery(config_equals={"missing": None}))) == []

    def test_order_by_fields(self, store: Store) -> None:
        _populate(store)
        assert _names(store.list_runs(RunQuery(order="-created_at"))) == [
            "r4",
            "r3",
            "r2",
            "r1",
            "r0",
        ]
        # updated_at was set to 100 - index, so it runs backwards.
        assert _names(store.list_runs(RunQuery(order="updated_at"))) == [
            "r4",
            "r3",
            "r2",
            "r1",
            "r0",
        ]
        assert _names(store.list_runs(RunQuery(order="-name"))) == ["r4", "r3", "r2", "r1", "r0"]
        by_state = _names(store.list_runs(RunQuery(order="state")))
        assert by_state == ["r4", "r2", "r0", "r1", "r3"]  # crashed, failed, finished, running

    def test_ties_keep_creation_order(self, store: Store) -> None:
        for index in range(3):
            store.create_run(NewRun(project="p", name=f"t{index}"), now=5.0)
        assert _names(store.list_runs(RunQuery(order="created_at"))) == ["t0", "t1", "t2"]
        assert _names(store.list_runs(RunQuery(order="-created_at"))) == ["t2", "t1", "t0"]
        assert _names(store.list_runs(RunQuery(order="-created_at", limit=2))) == ["t2", "t1"]

    def test_order_by_summary_puts_missing_and_non_numbers_last(self, store: Store) -> None:
        _populate(store)
        ascending = _names(store.list_runs(RunQuery(order="summary.loss")))
        assert ascending == ["r1", "r0", "r2", "r3", "r4"]
        descending = _names(store.list_runs(RunQuery(order="-summary.loss")))
        assert descending == ["r0", "r1", "r2", "r3", "r4"]

    def test_limit_and_offset(self, store: Store) -> None:
        _populate(store)
        assert _names(store.list_runs(RunQuery(limit=2))) == ["r0", "r1"]
        assert _names(store.list_runs(RunQuery(offset=3))) == ["r3", "r4"]
        assert _names(store.list_runs(RunQuery(offset=1, limit=2))) == ["r1", "r2"]
        assert _names(store.list_runs(RunQuery(limit=0))) == []
        paged = RunQuery(project="p", order="-summary.loss", offset=1, limit=2)
        assert _names(store.list_runs(paged)) == ["r1", "r2"]

    def test_bad_order_or_paging_raises(self, store: Store) -> None:
        with pytest.raises(QueryError, match="'colour'"):
            store.list_runs(RunQuery(order="colour"))
        with pytest.raises(QueryError, match=r"summary\.<key>"):
            store.list_runs(RunQuery(order="summary."))
        with pytest.raises(QueryError, match="negative"):
            store.list_runs(RunQuery(limit=-1))
        with pytest.raises(QueryError, match="negative"):
            store.list_runs(RunQuery(offset=-1))
