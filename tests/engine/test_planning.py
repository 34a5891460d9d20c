from __future__ import annotations

from typing import Any

from sweeplab.domain import RunRecord, RunState, SweepState
from sweeplab.engine import plan_next_run, target_reached
from sweeplab.store.base import PlannedRun, SweepDone
from sweeplab.sweep_config import load_sweep_config

GRID = {"method": "grid", "parameters": {"a": {"values": [1, 2]}, "b": {"values": ["x", "y"]}}}


def _run(index: int, config: dict[str, Any], summary: dict[str, Any] | None = None,
         state: RunState = RunState.FINISHED) -> RunRecord:
    return RunRecord(run_id=f"r{index}", state=state, config=config, summary=summary or {},
                     created_at=float(index))


def test_grid_plans_points_in_order_with_point_keys() -> None:
    config = load_sweep_config(GRID)
    first = plan_next_run(config, 0, [])
    assert isinstance(first, PlannedRun)
    assert first.config == {"a": 1, "b": "x"}
    assert first.point_key == "0"
    assert first.suggestion_info["method"] == "grid"
    # A crashed run still occupies its point.
    second = plan_next_run(config, 0, [_run(0, {"a": 1, "b": "x"}, state=RunState.CRASHED)])
    assert isinstance(second, PlannedRun)
    assert (second.config, second.point_key) == ({"a": 1, "b": "y"}, "1")


def test_grid_exhausted_finishes_the_sweep() -> None:
    config = load_sweep_config(GRID)
    runs = [_run(i, {"a": a, "b": b}) for i, (a, b) in enumerate(
        [(1, "x"), (1, "y"), (2, "x"), (2, "y")])]
    done = plan_next_run(config, 0, runs)
    assert done == SweepDone(SweepState.FINISHED, "grid exhausted: all 4 points have a run")


def test_run_cap_counts_runs_in_every_state() -> None:
    config = load_sweep_config({**GRID, "run_cap": 2})
    runs = [_run(0, {"a": 1, "b": "x"}, state=RunState.FAILED),
            _run(1, {"a": 1, "b": "y"}, state=RunState.RUNNING)]
    assert plan_next_run(config, 0, runs) == SweepDone(SweepState.FINISHED, "run_cap of 2 reached")
    assert isinstance(plan_next_run(config, 0, runs[:1]), PlannedRun)


def test_random_has_no_point_key_and_is_seeded() -> None:
    config = load_sweep_config({"method": "random", "parameters": {"lr": {"min": 0.0, "max": 1.0}}})
    one, two = plan_next_run(config, 7, []), plan_next_run(config, 7, [])
    assert isinstance(one, PlannedRun) and isinstance(two, PlannedRun)
    assert one.point_key is None
    assert one.config == two.config
    assert one.suggestion_info["seed"] == 7


def test_history_is_given_in_creation_order() -> None:
    config = load_sweep_config(GRID)
    # Runs handed over out of order: the grid must still see both points as taken.
    runs = [_run(2, {"a": 1, "b": "y"}), _run(1, {"a": 1, "b": "x"})]
    planned = plan_next_run(config, 0, runs)
    assert isinstance(planned, PlannedRun) and planned.point_key == "2"


def test_target_minimize_and_maximize() -> None:
    low = load_sweep_config({**GRID, "metric": {"name": "loss", "goal": "minimize", "target": 0.1}})
    high = load_sweep_config({**GRID, "metric": {"name": "acc", "goal": "maximize", "target": 0.9}})
    assert target_reached(low.metric, [_run(0, {}, {"loss": 0.2})]) is None
    reason = target_reached(low.metric, [_run(0, {}, {"loss": 0.2}), _run(1, {}, {"loss": 0.1})])
    assert reason == "metric target reached: run r1 has loss=0.1 (target 0.1, goal minimize)"
    assert target_reached(high.metric, [_run(0, {}, {"acc": 0.95})]) is not None
    assert target_reached(high.metric, [_run(0, {}, {"acc": float("nan")})]) is None
    assert target_reached(high.metric, [_run(0, {}, {})]) is None
    no_target = load_sweep_config({**GRID, "metric": {"name": "acc"}})
    assert target_reached(no_target.metric, [_run(0, {}, {"acc": 1e9})]) is None
    assert target_reached(None, []) is None


def test_target_finishes_before_run_cap_and_search() -> None:
    config = load_sweep_config(
        {**GRID, "run_cap": 1, "metric": {"name": "loss", "target": 0.5}}
    )
    done = plan_next_run(config, 0, [_run(0, {"a": 1, "b": "x"}, {"loss": 0.4})])
    assert isinstance(done, SweepDone)
    assert done.reason.startswith("metric target reached")
