"""Api(): runs with filters and order, run paths, history, sweeps and best_run."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import math
import sys
import types
from typing import Any

import pytest

import sweeplab.sdk as wandb
from sweeplab.domain import RunState
from sweeplab.errors import NotFoundError, QueryError, UsageError
from sweeplab.sdk.api import Api
from sweeplab.sdk.settings import Settings
from sweeplab.store.base import MetricRow, NewRun, RunChanges
from sweeplab.store.memory import MemoryStore


@pytest.fixture
def api(store: MemoryStore, settings: Settings) -> Api:
    """Three finished runs in "p" and one failed run in "q"."""
    for index, (lr, acc) in enumerate([(0.1, 0.7), (0.01, 0.9), (0.001, 0.8)]):
        with wandb.init(
            project="p",
            id=f"run{index}",
            config={"lr": lr, "opt": {"name": "adam" if index else "sgd"}},
            tags=["best"] if acc == 0.9 else [],
            group="g",
            settings=settings,
        ) as run:
            for step in range(10):
                run.log({"acc": acc * (step + 1) / 10, "loss": 1.0 - acc})
    wandb.init(project="q", id="other", settings=settings).finish(exit_code=2)
    return Api(store=store)


def _ids(runs: list[Any]) -> list[str]:
    return [run.id for run in runs]


def test_runs_filters(api: Api) -> None:
    assert sorted(_ids(api.runs("p"))) == ["run0", "run1", "run2"]
    assert _ids(api.runs("entity/q")) == ["other"]
    assert len(api.runs()) == 4
    assert _ids(api.runs("p", filters={"config.lr": 0.01})) == ["run1"]
    assert _ids(api.runs("p", filters={"config.opt.name": "sgd"})) == ["run0"]
    assert _ids(api.runs("p", filters={"config.opt.name.value": "sgd"})) == ["run0"]
    assert sorted(_ids(api.runs(filters={"state": "finished"}))) == ["run0", "run1", "run2"]
    assert _ids(api.runs(filters={"state": {"$in": ["failed", "crashed"]}})) == ["other"]
    assert sorted(_ids(api.runs("p", filters={"summary.acc": {"$gt": 0.75}}))) == ["run1", "run2"]
    assert _ids(api.runs("p", filters={"summary_metrics.acc": {"$gte": 0.9, "$lt": 1}})) == ["run1"]
    assert _ids(api.runs("p", filters={"tags": "best"})) == ["run1"]
    assert _ids(api.runs("p", filters={"tags": {"$in": ["best", "x"]}})) == ["run1"]
    assert sorted(_ids(api.runs("p", filters={"tags": {"$nin": ["best"]}}))) == ["run0", "run2"]
    either = {"$or": [{"config.lr": 0.1}, {"config.lr": 0.001}]}
    assert sorted(_ids(api.runs("p", filters=either))) == ["run0", "run2"]
    both = {"$and": [{"group": "g"}, {"config.lr": {"$ne": 0.1}}], "$nor": [{"id": "run2"}]}
    assert _ids(api.runs("p", filters=both)) == ["run1"]
    assert _ids(api.runs(filters={"display_name": {"$regex": "^oth"}})) == ["other"]
    assert _ids(api.runs(filters={"config.missing": {"$exists": True}})) == []
    assert len(api.runs(filters={"config.missing": {"$exists": False}})) == 4
    assert _ids(api.runs("p", filters={"config.lr": {"$lte": 0.001}})) == ["run2"]
    assert _ids(api.runs("p", filters={"config.opt.name": {"$gt": 1}})) == []  # str vs number
    assert len(api.runs("p", filters={"created_at": {"$gt": 0}})) == 3


def test_filter_errors(api: Api) -> None:
    with pytest.raises(QueryError, match="unknown run field 'colour'"):
        api.runs(filters={"colour": "red"})
    with pytest.raises(QueryError, match="unknown operator '\\$near'"):
        api.runs(filters={"config.lr": {"$near": 1}})
    with pytest.raises(QueryError, match="\\$in takes a list"):
        api.runs(filters={"config.lr": {"$in": 1}})
    with pytest.raises(QueryError, match="\\$or takes a list of filter dicts"):
        api.runs(filters={"$or": {"a": 1}})
    with pytest.raises(QueryError, match="unknown logical operator '\\$xor'"):
        api.runs(filters={"$xor": []})
    with pytest.raises(UsageError, match="cannot read project path"):
        api.runs("a/b/c")


def test_runs_order(api: Api) -> None:
    assert _ids(api.runs("p", order="-summary.acc")) == ["run1", "run2", "run0"]
    assert _ids(api.runs("p", order="+summary_metrics.acc")) == ["run0", "run2", "run1"]
    assert _ids(api.runs("p", order="config.lr")) == ["run2", "run1", "run0"]
    assert _ids(api.runs("p", order="config.opt.name")) == ["run1", "run2", "run0"]
    assert _ids(api.runs(order="created_at"))[-1] == "other"
    assert _ids(api.runs("p", order="config.nothing")) == ["run0", "run1", "run2"]


def test_run_paths_config_summary_history(api: Api, store: MemoryStore) -> None:
    for path in ("run1", "p/run1", "entity/p/run1", "entity/p/runs/run1"):
        assert api.run(path).id == "run1"
    run = api.run("p/run1")
    assert run.config == {"lr": 0.01, "opt": {"name": "adam"}}
    assert run.summary["acc"] == pytest.approx(0.9)
    assert run.state == "finished" and run.tags == ["best"] and run.path == ["p", "run1"]
    rows = run.history(pandas=False)
    assert len(rows) == 10 and rows[0] == {
        "_step": 0,
        "acc": pytest.approx(0.09),
        "loss": pytest.approx(0.1),
    }
    assert run.history(keys=["acc"], samples=3, pandas=False) == [
        {"_step": 0, "acc": pytest.approx(0.09)},
        {"_step": 4, "acc": pytest.approx(0.45)},
        {"_step": 9, "acc": pytest.approx(0.9)},
    ]
    assert run.history(samples=1, pandas=False)[0]["_step"] == 9
    assert run.history(x_axis="acc", pandas=False)[0]["_step"] == 0
    assert len(list(run.scan_history(keys=["loss"]))) == 10
    with pytest.raises(NotFoundError, match="is in project 'p', not 'q'"):
        api.run("q/run1")
    with pytest.raises(NotFoundError):
        api.run("p/nope")
    with pytest.raises(UsageError, match="cannot read run path"):
        api.run("a/b/c/d/e")
    run.summary["note"] = "edited"
    run.tags.append("checked")
    with pytest.raises(Exception, match="finished"):  # a finished run's summary is frozen
        run.update()
    assert repr(run) == "<Run p/run1 (finished)>"


def test_history_as_dataframe_when_pandas_is_installed(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    if importlib.util.find_spec("pandas") is None:
        assert isinstance(api.run("run1").history(), list)  # the fallback
        # Stand in for pandas, to check what the DataFrame would be built from.
        fake = types.ModuleType("pandas")
        fake.__spec__ = importlib.machinery.ModuleSpec("pandas", None)
        fake.DataFrame = lambda rows, columns: ("frame", rows, columns)  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, "pandas", fake)
        kind, rows, columns = api.run("run1").history(keys=["acc"])
        assert kind == "frame" and columns == ["_step", "acc"] and len(rows) == 10
        assert api.run("run1").history()[2] == ["_step", "acc", "loss"]
        return
    frame = api.run("run1").history(keys=["acc"])
    assert list(frame.columns) == ["_step", "acc"] and len(frame) == 10


def test_update_saves_edits_of_a_running_run(store: MemoryStore) -> None:
    store.create_run(NewRun(project="p", run_id="live"))
    api = Api(store=store, overrides={"project": "p"})
    run = api.run("live")
    run.summary["acc"] = 0.5
    run.summary.update()  # W&B's way of saving a summary edit
    assert store.get_run("live").summary == {"acc": 0.5}
    run.config["lr"] = 0.1
    run.name = "renamed"
    run.update()
    stored = store.get_run("live")
    assert (stored.summary, stored.config, stored.name) == ({"acc": 0.5}, {"lr": 0.1}, "renamed")
    assert [r.id for r in api.runs()] == ["live"]


def test_sweeps_and_best_run(store: MemoryStore) -> None:
    config = {
        "method": "grid",
        "metric": {"name": "val_loss", "goal": "minimize"},
        "parameters": {"lr": {"values": [1, 2, 3, 4]}},
    }
    sweep = store.create_sweep("sp", config, seed=0)
    values: list[Any] = [0.5, 0.2, math.nan, {"min": 0.1}]
    for index, value in enumerate(values):
        run = store.create_run(
            NewRun(project="sp", run_id=f"s{index}", sweep_id=sweep.sweep_id, config={"lr": index})
        )
        store.update_run(run.run_id, RunChanges(summary={"val_loss": value, "acc": index}))
    store.create_run(NewRun(project="sp", run_id="none", sweep_id=sweep.sweep_id))
    store.log_metrics("none", [MetricRow(0, "val_loss", 9.0)])
    api = Api(store=store)
    for path in (
        sweep.sweep_id,
        f"sp/{sweep.sweep_id}",
        f"e/sp/{sweep.sweep_id}",
        f"e/sp/sweeps/{sweep.sweep_id}",
    ):
        assert api.sweep(path).id == sweep.sweep_id
    found = api.sweep(f"sp/{sweep.sweep_id}")
    assert found.state == "running" and found.config["metric"]["name"] == "val_loss"
    assert [run.id for run in found.runs] == ["s0", "s1", "s2", "s3", "none"]
    best = found.best_run()
    assert best is not None and best.id == "s3"  # a dict summary (define_metric min) counts
    by_order = found.best_run(order="-summary.acc")
    assert by_order is not None and by_order.id == "s3"
    assert [s.id for s in api.sweeps("sp")] == [sweep.sweep_id] and len(api.sweeps()) == 1
    with pytest.raises(NotFoundError, match="is in project 'sp', not 'other'"):
        api.sweep(f"other/{sweep.sweep_id}")
    assert "Sweep sp/" in repr(found)

    maximize = store.create_sweep(
        "sp", {**config, "metric": {"name": "acc", "goal": "maximize"}}, seed=0
    )
    store.create_run(NewRun(project="sp", run_id="m1", sweep_id=maximize.sweep_id))
    store.update_run("m1", RunChanges(summary={"acc": 0.3}))
    store.create_run(NewRun(project="sp", run_id="m2", sweep_id=maximize.sweep_id))
    store.update_run("m2", RunChanges(summary={"acc": 0.6}))
    assert api.sweep(maximize.sweep_id).best_run().id == "m2"  # type: ignore[union-attr]
    no_metric = store.create_sweep(
        "sp", {"method": "random", "parameters": {"a": {"values": [1]}}}, seed=0
    )
    assert api.sweep(no_metric.sweep_id).best_run() is None
    empty = store.create_sweep("sp", config, seed=0)
    assert api.sweep(empty.sweep_id).best_run() is None
    assert api.sweep(empty.sweep_id).best_run(order="summary.acc") is None
    store.finish_run("m1", RunState.FINISHED)


def test_api_opens_the_default_store(tmp_path: Any) -> None:
    wandb.init(project="d", id="dflt").finish()
    assert Api().run("d/dflt").state == "finished"
