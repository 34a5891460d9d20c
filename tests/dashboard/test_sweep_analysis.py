"""The sweep page's data: columns, progress, best runs, decisions, bounded sizes, caching."""

from __future__ import annotations

from typing import Any

import pytest

from sweeplab.domain import RunRecord, RunState
from sweeplab.engine import Controller
from sweeplab.server.dashboard import sweep_analysis
from sweeplab.server.dashboard.sampling import evenly_spaced, round_float
from sweeplab.server.dashboard.sweep_analysis import SweepAnalyzer, sweep_progress
from sweeplab.server.dashboard.sweep_table import category_label, param_columns
from sweeplab.store.base import MetricRow, NewRun, RunChanges, Store
from sweeplab.sweep_config import load_sweep_config
from tests.dashboard.sweep_data import METRIC, SweepData


def _run(config: dict[str, Any], state: RunState = RunState.FINISHED) -> RunRecord:
    return RunRecord(run_id="r", state=state, config=config)


def test_param_columns_encode_numbers_categories_and_missing_values() -> None:
    config = load_sweep_config(
        {
            "method": "random",
            "parameters": {
                "lr": {"distribution": "log_uniform_values", "min": 1e-4, "max": 1e-1},
                "opt": {"values": ["adam", "sgd"]},
                "flag": {"values": [True, False]},
                "fixed": {"value": 3},
                "net": {"parameters": {"width": {"values": [64, 128]}}},
            },
        }
    )
    runs = [
        _run({"lr": 0.01, "opt": "sgd", "flag": False, "fixed": 3, "net": {"width": 128}}),
        _run({"lr": 0.001, "opt": "rmsprop", "flag": True, "fixed": 3}),
    ]
    columns = {column.name: column for column in param_columns(config, runs)}
    assert list(columns) == ["flag", "lr", "net.width", "opt"]  # W&B's order, constants left out
    assert columns["lr"].values == (0.01, 0.001) and columns["lr"].log_scale
    assert columns["opt"].categories == ("adam", "sgd", "rmsprop")  # config order, then seen
    assert columns["opt"].values == (1.0, 2.0)
    assert columns["flag"].categories == ("true", "false")  # booleans are categories
    assert columns["net.width"].categories is None
    assert columns["net.width"].values == (128.0, None)


def test_category_labels() -> None:
    assert category_label("adam") == "adam"
    assert category_label([1, 2]) == "[1, 2]"
    assert category_label({"b": 1, "a": 2}) == '{"a": 2, "b": 1}'


def test_sampling_helpers() -> None:
    assert evenly_spaced(list(range(5)), 10) == [0, 1, 2, 3, 4]
    assert evenly_spaced(list(range(101)), 5) == [0, 25, 50, 75, 100]
    assert evenly_spaced(list(range(10)), 1) == [0]
    assert round_float(0.123456789) == 0.123457
    assert round_float(float("nan")) is None and round_float(float("inf")) is None


def test_progress_counts_against_run_cap_or_grid_size() -> None:
    grid = load_sweep_config(
        {"method": "grid", "parameters": {"a": {"values": [1, 2, 3]}, "b": {"values": [1, 2]}}}
    )
    runs = [_run({}), _run({}, RunState.RUNNING), _run({}, RunState.CRASHED)]
    progress = sweep_progress(grid, runs)
    assert (progress.done, progress.total, progress.basis) == (3, 6, "grid size")
    assert progress.state_counts == {"running": 1, "finished": 1, "crashed": 1}
    capped = load_sweep_config({**dict(grid.source), "run_cap": 4})
    assert (sweep_progress(capped, runs).total, sweep_progress(capped, runs).basis) == (
        4,
        "run_cap",
    )
    unbounded = load_sweep_config(
        {"method": "random", "parameters": {"a": {"min": 0.0, "max": 1.0}}}
    )
    assert sweep_progress(unbounded, runs).total is None


def test_analysis_of_a_real_sweep(store: Store, data: SweepData) -> None:
    analysis = SweepAnalyzer(store).analysis(data.sweep_id)
    assert analysis["metric"] == {"name": METRIC, "goal": "minimize"}
    run_count = len(data.finished_ids) + len(data.stopped_ids) + 1
    assert analysis["progress"]["done"] == run_count
    assert analysis["progress"]["total"] == 40 and analysis["progress"]["basis"] == "run_cap"
    assert analysis["progress"]["states"]["running"] == 1
    parallel = analysis["parallel"]
    assert [dimension["name"] for dimension in parallel["dimensions"]] == [
        "batch_size",
        "dropout",
        "lr",
        "optimizer",
    ]
    assert parallel["shown"] == parallel["total"] == run_count
    assert len(parallel["metric"]) == run_count
    assert {row["name"] for row in analysis["importance"]["rows"]} == {
        "batch_size",
        "dropout",
        "lr",
        "optimizer",
    }
    # The loss model depends on lr most (a parabola in log10(lr)).
    assert analysis["importance"]["rows"][0]["name"] == "lr"
    top = analysis["top_runs"]
    values = [row["value"] for row in top]
    assert values == sorted(values)  # minimize: best first
    best = min(
        (store.get_run(run_id) for run_id in data.finished_ids), key=lambda r: r.summary[METRIC]
    )
    assert top[0]["run_id"] == best.run_id
    decisions = analysis["decisions"]
    assert decisions["enabled"]
    assert {row["run_id"] for row in decisions["stopped"]} == set(data.stopped_ids)
    assert all(
        row["reason"].startswith("early termination (hyperband)") for row in decisions["stopped"]
    )
    assert len(analysis["scatter"]["values"]) == run_count
    assert analysis["scatter"]["best_values"] == sorted(
        analysis["scatter"]["best_values"], reverse=True
    )


def test_current_decisions_for_running_runs(store: Store, data: SweepData) -> None:
    # Give the running run enough bad values to reach the first band (3 iterations).
    store.log_metrics(data.running_id, [MetricRow(step, METRIC, 50.0) for step in range(2, 5)])
    analysis = SweepAnalyzer(store).analysis(data.sweep_id)
    current = analysis["decisions"]["current"]
    assert [row["run_id"] for row in current] == [data.running_id]
    assert current[0]["should_stop"] is True
    assert "worse than the threshold" in current[0]["reason"]


def test_plots_are_bounded_for_big_sweeps(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sweep_analysis, "PARALLEL_MAX_RUNS", 10)
    monkeypatch.setattr(sweep_analysis, "SCATTER_MAX_RUNS", 20)
    controller = Controller(store)
    sweep = controller.create_sweep(
        {
            "method": "random",
            "metric": {"name": "m"},
            "parameters": {"x": {"min": 0.0, "max": 1.0}},
        },
        project="p",
    )
    for index in range(50):
        run = store.create_run(
            NewRun(project="p", sweep_id=sweep.sweep_id, config={"x": index / 50})
        )
        store.update_run(run.run_id, RunChanges(summary={"m": float(index)}))
    analysis = SweepAnalyzer(store).analysis(sweep.sweep_id)
    assert analysis["parallel"]["total"] == 50 and analysis["parallel"]["shown"] == 10
    assert len(analysis["parallel"]["dimensions"][0]["values"]) == 10
    assert len(analysis["scatter"]["values"]) == 20 and analysis["scatter"]["total"] == 50
    assert analysis["importance"]["run_count"] == 50  # importance uses every run


def test_analysis_is_cached_until_the_sweep_changes(store: Store, data: SweepData) -> None:
    analyzer = SweepAnalyzer(store)
    first = analyzer.analysis(data.sweep_id)
    assert analyzer.analysis(data.sweep_id) is first
    store.update_run(data.running_id, RunChanges(summary={METRIC: 0.001}))
    changed = analyzer.analysis(data.sweep_id)
    assert changed is not first
    assert changed["top_runs"][0]["run_id"] == data.running_id


def test_running_sweeps_are_recomputed_after_a_while(store: Store, data: SweepData) -> None:
    now = [0.0]
    analyzer = SweepAnalyzer(store, clock=lambda: now[0])
    first = analyzer.analysis(data.sweep_id)
    now[0] += sweep_analysis.LIVE_REFRESH_SECONDS + 1
    assert analyzer.analysis(data.sweep_id) is not first


def test_sweep_without_metric_or_early_termination(store: Store) -> None:
    sweep = Controller(store).create_sweep(
        {"method": "grid", "parameters": {"a": {"values": [1, 2]}}}, project="p"
    )
    store.create_run(NewRun(project="p", sweep_id=sweep.sweep_id, config={"a": 1}))
    analysis = SweepAnalyzer(store).analysis(sweep.sweep_id)
    assert analysis["metric"] is None
    assert analysis["top_runs"] == []
    assert analysis["decisions"] == {
        "enabled": False,
        "current": [],
        "stopped_total": 0,
        "stopped": [],
    }
    assert analysis["progress"]["total"] == 2
