from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from sweeplab.domain import RunState, SweepState
from sweeplab.engine import CANCEL_REASON, Controller
from sweeplab.errors import ConfigError, NotFoundError, StateTransitionError
from sweeplab.store.base import Claim, MetricRow, RunChanges
from sweeplab.store.memory import MemoryStore
from tests.engine.conftest import FakeClock

GRID: dict[str, Any] = {
    "method": "grid",
    "parameters": {"a": {"values": [1, 2, 3]}},
}


def test_create_sweep_validates_every_violation(controller: Controller) -> None:
    with pytest.raises(ConfigError) as caught:
        controller.create_sweep({"method": "nope", "parameters": {"x": {"min": 2, "max": 1}}}, "p")
    paths = {violation.path for violation in caught.value.violations}
    assert {"method", "parameters.x"} <= paths


def test_create_sweep_stores_config_as_written_and_seed(controller: Controller) -> None:
    sweep = controller.create_sweep({**GRID, "seed": 11}, "p")
    assert sweep.seed == 11
    assert sweep.project == "p"
    assert dict(controller.store.get_sweep(sweep.sweep_id).config) == {**GRID, "seed": 11}
    assert controller.create_sweep(GRID, "p", seed=5).seed == 5
    picked = controller.create_sweep(GRID, "p")
    assert 0 <= picked.seed < 2**31


def test_create_sweep_from_yaml_path(controller: Controller, tmp_path: Any) -> None:
    path = tmp_path / "sweep.yaml"
    path.write_text("method: random\nparameters:\n  lr: {min: 1e-5, max: 1e-1}\n")
    sweep = controller.create_sweep(path, "p")
    assert sweep.config["parameters"] == {"lr": {"min": 1e-5, "max": 1e-1}}


def test_claims_walk_the_grid_then_finish(controller: Controller) -> None:
    sweep = controller.create_sweep(GRID, "p")
    configs = []
    for _ in range(3):
        claim = controller.claim_next_run(sweep.sweep_id, lease_seconds=60)
        assert claim.run is not None
        assert claim.run.state is RunState.RUNNING
        configs.append(dict(claim.run.config))
    assert configs == [{"a": 1}, {"a": 2}, {"a": 3}]
    done = controller.claim_next_run(sweep.sweep_id, lease_seconds=60)
    assert done.run is None
    assert done.sweep is not None and done.sweep.state is SweepState.FINISHED
    assert done.reason == "grid exhausted: all 3 points have a run"
    # Asking again: the sweep stays finished, with its reason.
    again = controller.claim_next_run(sweep.sweep_id, lease_seconds=60)
    assert again.run is None and "finished" in again.reason


def test_claim_on_unknown_sweep(controller: Controller) -> None:
    with pytest.raises(NotFoundError):
        controller.claim_next_run("nosuch", 60)


def test_sweep_config_is_parsed_from_the_store(clock: FakeClock, controller: Controller) -> None:
    sweep = controller.create_sweep(GRID, "p")
    fresh = Controller(controller.store, clock=clock)  # another process, say
    assert fresh.sweep_config(sweep.sweep_id).method.value == "grid"
    assert fresh.sweep_config(sweep) is fresh.sweep_config(sweep.sweep_id)


def test_reap_crashes_runs_whose_lease_expired(clock: FakeClock, controller: Controller) -> None:
    sweep = controller.create_sweep(GRID, "p")
    first = controller.claim_next_run(sweep.sweep_id, 10).run
    second = controller.claim_next_run(sweep.sweep_id, 10).run
    assert first is not None and second is not None
    clock.advance(8)
    controller.heartbeat(second.run_id, 10)
    clock.advance(5)
    assert controller.reap() == [first.run_id]
    assert controller.store.get_run(first.run_id).state is RunState.CRASHED
    # The crashed run keeps its grid point: the sweep goes on with the third one.
    third = controller.claim_next_run(sweep.sweep_id, 10).run
    assert third is not None and dict(third.config) == {"a": 3}
    # A crashed run whose agent comes back may still finish properly.
    finished = controller.finish_run(first.run_id, RunState.FINISHED, exit_code=0)
    assert finished.state is RunState.FINISHED


def test_finish_run_keeps_an_outcome_the_run_recorded(controller: Controller) -> None:
    sweep = controller.create_sweep(GRID, "p")
    run = controller.claim_next_run(sweep.sweep_id, 10).run
    assert run is not None
    controller.store.finish_run(run.run_id, RunState.FAILED, exit_code=1, reason="boom")
    kept = controller.finish_run(run.run_id, RunState.FINISHED, exit_code=0)
    assert (kept.state, kept.end_reason) == (RunState.FAILED, "boom")


def test_finish_run_records_the_outcome(controller: Controller) -> None:
    sweep = controller.create_sweep(GRID, "p")
    run = controller.claim_next_run(sweep.sweep_id, 10).run
    assert run is not None
    done = controller.finish_run(run.run_id, RunState.STOPPED, reason="why")
    assert (done.state, done.end_reason) == (RunState.STOPPED, "why")


def test_pause_resume_stop(controller: Controller) -> None:
    sweep = controller.create_sweep(GRID, "p")
    assert controller.pause(sweep.sweep_id).state is SweepState.PAUSED
    assert controller.pause(sweep.sweep_id).state is SweepState.PAUSED  # twice is fine
    paused = controller.claim_next_run(sweep.sweep_id, 10)
    assert paused.run is None and "paused" in paused.reason
    assert controller.resume(sweep.sweep_id).state is SweepState.RUNNING
    run = controller.claim_next_run(sweep.sweep_id, 10).run
    assert run is not None
    stopped = controller.stop(sweep.sweep_id)
    assert (stopped.state, stopped.state_reason) == (SweepState.STOPPED, "stopped by user")
    # Stop lets running runs finish: nothing asked them to stop.
    assert controller.store.get_run(run.run_id).stop_requested == ""
    with pytest.raises(StateTransitionError, match="from 'stopped' to 'running'"):
        controller.resume(sweep.sweep_id)


def test_cancel_asks_running_runs_to_stop(controller: Controller) -> None:
    sweep = controller.create_sweep(GRID, "p")
    running = controller.claim_next_run(sweep.sweep_id, 10).run
    ended = controller.claim_next_run(sweep.sweep_id, 10).run
    assert running is not None and ended is not None
    controller.finish_run(ended.run_id, RunState.FINISHED)
    canceled = controller.cancel(sweep.sweep_id)
    assert canceled.state is SweepState.CANCELED
    assert controller.store.get_run(running.run_id).stop_requested == CANCEL_REASON
    assert controller.store.get_run(ended.run_id).stop_requested == ""
    with pytest.raises(StateTransitionError):
        controller.pause(sweep.sweep_id)


def test_finished_sweep_cannot_resume(controller: Controller) -> None:
    sweep = controller.create_sweep({**GRID, "run_cap": 1}, "p")
    controller.claim_next_run(sweep.sweep_id, 10)
    done = controller.claim_next_run(sweep.sweep_id, 10)
    assert done.reason == "run_cap of 1 reached"
    with pytest.raises(StateTransitionError, match="from 'finished' to 'running'"):
        controller.resume(sweep.sweep_id)


HYPERBAND: dict[str, Any] = {
    "method": "grid",
    "metric": {"name": "loss", "goal": "minimize"},
    "parameters": {"a": {"values": [1, 2, 3, 4]}},
    "early_terminate": {"type": "hyperband", "min_iter": 2, "eta": 3},
}


def _log(controller: Controller, run_id: str, values: list[float]) -> None:
    rows = [MetricRow(step=i, key="loss", value=v) for i, v in enumerate(values)]
    controller.store.log_metrics(run_id, rows)


def test_evaluate_stopping_requests_stop_once(controller: Controller) -> None:
    sweep = controller.create_sweep(HYPERBAND, "p")
    runs = [controller.claim_next_run(sweep.sweep_id, 60).run for _ in range(3)]
    assert all(run is not None for run in runs)
    good, bad, young = (run.run_id for run in runs if run is not None)
    _log(controller, good, [1.0, 0.5])
    _log(controller, bad, [1.0, 0.9])
    _log(controller, young, [1.0])
    decisions = controller.evaluate_stopping(sweep.sweep_id)
    verdicts = {d.run_id: d.should_stop for d in decisions}
    assert verdicts == {good: False, bad: True}
    reason = controller.store.get_run(bad).stop_requested
    assert reason.startswith("early termination (hyperband): stopped at band 1")
    assert controller.store.get_run(good).stop_requested == ""
    # Judged again after more data: the first reason stays.
    _log(controller, bad, [1.0, 0.9, 0.8])
    controller.evaluate_stopping(sweep.sweep_id)
    assert controller.store.get_run(bad).stop_requested == reason
    # The read-only view gives the same verdicts and changes nothing.
    assert {d.run_id for d in controller.stop_decisions(sweep.sweep_id)} == {good, bad}


def test_evaluate_stopping_without_rule_or_running_runs(controller: Controller) -> None:
    plain = controller.create_sweep(GRID, "p")
    controller.claim_next_run(plain.sweep_id, 60)
    assert controller.evaluate_stopping(plain.sweep_id) == []
    sweep = controller.create_sweep(HYPERBAND, "p")
    run = controller.claim_next_run(sweep.sweep_id, 60).run
    assert run is not None
    controller.finish_run(run.run_id, RunState.FINISHED)
    assert controller.evaluate_stopping(sweep.sweep_id) == []


def test_request_stop_skips_runs_that_ended_meanwhile(controller: Controller) -> None:
    from sweeplab.engine import request_stop

    sweep = controller.create_sweep(GRID, "p")
    run = controller.claim_next_run(sweep.sweep_id, 60).run
    assert run is not None
    assert request_stop(controller.store, run.run_id, "why", 0.0) is True
    assert request_stop(controller.store, run.run_id, "again", 0.0) is False
    controller.store.update_run(run.run_id, RunChanges(state=RunState.FINISHED))
    assert request_stop(controller.store, run.run_id, "late", 0.0) is False


class _OverlapCountingStore(MemoryStore):
    """Counts how many claims are inside ``claim_run`` at once (and the most ever)."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = self.most_inside = 0
        self._count_lock = threading.Lock()
        self.barrier: threading.Barrier | None = None

    def claim_run(self, *args: Any, **kwargs: Any) -> Claim:
        with self._count_lock:
            self.inside += 1
            self.most_inside = max(self.most_inside, self.inside)
        try:
            if self.barrier is not None:
                self.barrier.wait()  # passes only when two claims are inside at once
            time.sleep(0.005)  # a store that takes a moment, so overlaps would show
            return super().claim_run(*args, **kwargs)
        finally:
            with self._count_lock:
                self.inside -= 1


def test_claims_of_one_sweep_from_this_process_take_turns() -> None:
    store = _OverlapCountingStore()
    controller = Controller(store)
    first = controller.create_sweep(GRID, "p")
    second = controller.create_sweep(GRID, "p")
    with ThreadPoolExecutor(8) as pool:
        claims = list(pool.map(lambda _: controller.claim_next_run(first.sweep_id, 60), range(8)))
    assert store.most_inside == 1
    assert len({claim.run.run_id for claim in claims if claim.run is not None}) == len(
        [claim for claim in claims if claim.run is not None]
    )
    # Different sweeps do not wait for each other: both claims meet inside the store.
    store.barrier = threading.Barrier(2, timeout=10)
    with ThreadPoolExecutor(2) as pool:
        third = controller.create_sweep(GRID, "p")
        done = list(pool.map(lambda sweep: controller.claim_next_run(sweep, 60),
                             [second.sweep_id, third.sweep_id]))
    assert all(claim.run is not None for claim in done)
