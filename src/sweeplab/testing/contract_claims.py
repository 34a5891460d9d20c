"""Store contract: claims, heartbeats and leases, and claims from many threads."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout

import pytest

from sweeplab.domain import RunRecord, RunState, SweepRecord, SweepState
from sweeplab.errors import ConflictError, NotFoundError
from sweeplab.store.base import NewRun, PlannedRun, RunChanges, Store, SweepDone
from sweeplab.testing.planners import (
    GRID_DONE_REASON,
    BlockingPlanner,
    CappedPlanner,
    GridPlanner,
    claim_until_done,
    next_point,
)

SWEEP_CONFIG = {"method": "grid", "parameters": {"x": {"values": [0, 1, 2]}}}


class _RecordingPlanner:
    """Remembers what it was shown and returns a fixed decision."""

    def __init__(self, decision: PlannedRun | SweepDone | None) -> None:
        self.decision = decision
        self.seen: list[tuple[SweepRecord, list[RunRecord]]] = []

    def __call__(
        self, sweep: SweepRecord, runs: Sequence[RunRecord]
    ) -> PlannedRun | SweepDone | None:
        self.seen.append((sweep, list(runs)))
        return self.decision


class ClaimContract:
    def test_claim_inserts_planned_run_with_lease(self, store: Store) -> None:
        sweep = store.create_sweep("proj", SWEEP_CONFIG, seed=1)
        planned = PlannedRun(
            config={"x": 1}, suggestion_info={"method": "grid", "grid_index": 1}, point_key="1"
        )
        claim = store.claim_run(sweep.sweep_id, _RecordingPlanner(planned), 30.0, now=1000.0)
        run = claim.run
        assert run is not None
        assert claim.sweep == sweep
        assert run.state is RunState.RUNNING
        assert (run.project, run.sweep_id, run.point_key) == ("proj", sweep.sweep_id, "1")
        assert dict(run.config) == {"x": 1}
        assert dict(run.suggestion_info) == {"method": "grid", "grid_index": 1}
        assert (run.created_at, run.heartbeat_at, run.lease_expires_at) == (1000.0, 1000.0, 1030.0)
        assert store.get_run(run.run_id) == run

    def test_planner_sees_sweep_and_runs_with_configs_states_summaries(self, store: Store) -> None:
        sweep = store.create_sweep("proj", SWEEP_CONFIG, seed=1)
        first = store.claim_run(sweep.sweep_id, GridPlanner(3), 30.0).run
        assert first is not None
        store.update_run(first.run_id, RunChanges(summary={"loss": 0.5}))
        store.finish_run(first.run_id, RunState.FINISHED)
        manual = store.create_run(NewRun(project="proj", sweep_id=sweep.sweep_id, config={"x": 9}))
        planner = _RecordingPlanner(None)
        store.claim_run(sweep.sweep_id, planner, 30.0)
        [(seen_sweep, seen_runs)] = planner.seen
        assert seen_sweep.sweep_id == sweep.sweep_id
        assert dict(seen_sweep.config) == SWEEP_CONFIG
        assert [run.run_id for run in seen_runs] == [first.run_id, manual.run_id]
        assert seen_runs[0].state is RunState.FINISHED
        assert dict(seen_runs[0].config) == {"x": 0}
        assert dict(seen_runs[0].summary) == {"loss": 0.5}
        assert dict(seen_runs[1].config) == {"x": 9}

    def test_planner_returning_none_changes_nothing(self, store: Store) -> None:
        sweep = store.create_sweep("proj", SWEEP_CONFIG, seed=1)
        claim = store.claim_run(sweep.sweep_id, _RecordingPlanner(None), 30.0)
        assert claim.run is None
        assert claim.sweep == sweep
        assert store.sweep_runs(sweep.sweep_id) == []
        assert store.get_sweep(sweep.sweep_id) == sweep

    def test_sweep_done_is_applied(self, store: Store) -> None:
        sweep = store.create_sweep("proj", SWEEP_CONFIG, seed=1)
        claims = [store.claim_run(sweep.sweep_id, GridPlanner(2), 30.0) for _ in range(3)]
        assert [claim.run is not None for claim in claims] == [True, True, False]
        done = claims[-1]
        assert done.sweep is not None
        assert done.sweep.state is SweepState.FINISHED
        assert done.reason == GRID_DONE_REASON
        stored = store.get_sweep(sweep.sweep_id)
        assert (stored.state, stored.state_reason) == (SweepState.FINISHED, GRID_DONE_REASON)

    def test_sweep_not_running_is_not_planned(self, store: Store) -> None:
        sweep = store.create_sweep("proj", SWEEP_CONFIG, seed=1)
        store.set_sweep_state(sweep.sweep_id, SweepState.PAUSED, "lunch")
        planner = _RecordingPlanner(PlannedRun(config={"x": 1}))
        claim = store.claim_run(sweep.sweep_id, planner, 30.0)
        assert claim.run is None
        assert claim.sweep is not None
        assert claim.sweep.state is SweepState.PAUSED
        assert "paused" in claim.reason
        assert "lunch" in claim.reason
        assert planner.seen == []

    def test_duplicate_point_key_is_rejected(self, store: Store) -> None:
        sweep = store.create_sweep("proj", SWEEP_CONFIG, seed=1)
        planner = _RecordingPlanner(PlannedRun(config={"x": 1}, point_key="1"))
        store.claim_run(sweep.sweep_id, planner, 30.0)
        with pytest.raises(ConflictError, match="grid point '1'"):
            store.claim_run(sweep.sweep_id, planner, 30.0)
        assert len(store.sweep_runs(sweep.sweep_id)) == 1

    def test_same_point_key_in_another_sweep_is_fine(self, store: Store) -> None:
        planner = _RecordingPlanner(PlannedRun(config={"x": 1}, point_key="1"))
        for _ in range(2):
            sweep = store.create_sweep("proj", SWEEP_CONFIG, seed=1)
            assert store.claim_run(sweep.sweep_id, planner, 30.0).run is not None

    def test_planner_error_leaves_nothing_behind(self, store: Store) -> None:
        sweep = store.create_sweep("proj", SWEEP_CONFIG, seed=1)

        def failing(sweep: SweepRecord, runs: Sequence[RunRecord]) -> PlannedRun:
            raise RuntimeError("planner broke")

        with pytest.raises(RuntimeError, match="planner broke"):
            store.claim_run(sweep.sweep_id, failing, 30.0)
        assert store.sweep_runs(sweep.sweep_id) == []

    def test_claim_on_unknown_sweep(self, store: Store) -> None:
        with pytest.raises(NotFoundError, match="nosuch"):
            store.claim_run("nosuch", GridPlanner(1), 30.0)


class LeaseContract:
    def _claimed(self, store: Store, now: float) -> RunRecord:
        sweep = store.create_sweep("proj", SWEEP_CONFIG, seed=1)
        run = store.claim_run(sweep.sweep_id, CappedPlanner(10), 30.0, now=now).run
        assert run is not None
        return run

    def test_a_decision_overtaken_by_another_claim_is_planned_again(self, store: Store) -> None:
        """A planner that decided while another claim committed is asked again (stores that
        plan on a snapshot) or was never overtaken (stores that plan under their lock):
        either way both runs get their own grid point."""
        sweep = store.create_sweep("proj", SWEEP_CONFIG, seed=1)
        slow = BlockingPlanner()
        with ThreadPoolExecutor(2) as pool:
            first = pool.submit(store.claim_run, sweep.sweep_id, slow, 60.0)
            assert slow.planning.wait(10)
            second = pool.submit(store.claim_run, sweep.sweep_id, next_point, 60.0)
            with contextlib.suppress(FuturesTimeout):  # a store planning under its lock waits
                second.result(timeout=0.5)
            slow.release.set()
            claims = [first.result(timeout=10), second.result(timeout=10)]
        assert all(claim.run is not None for claim in claims)
        slow_run = claims[0].run
        assert slow_run is not None and slow_run.point_key == str(slow.seen[-1])
        keys = sorted(run.point_key or "" for run in store.sweep_runs(sweep.sweep_id))
        assert keys == ["0", "1"]

    def test_heartbeat_extends_lease_and_reports_stop(self, store: Store) -> None:
        run = self._claimed(store, now=1000.0)
        beat = store.heartbeat(run.run_id, 60.0, now=1020.0)
        assert (beat.heartbeat_at, beat.lease_expires_at) == (1020.0, 1080.0)
        assert beat.stop_requested == ""
        store.update_run(run.run_id, RunChanges(stop_requested="hyperband: below band 1"))
        beat = store.heartbeat(run.run_id, 60.0, now=1030.0)
        assert beat.stop_requested == "hyperband: below band 1"
        assert beat.lease_expires_at == 1090.0

    def test_heartbeat_on_ended_run_changes_nothing(self, store: Store) -> None:
        run = self._claimed(store, now=1000.0)
        stopped = store.finish_run(run.run_id, RunState.STOPPED)
        assert repr(store.heartbeat(run.run_id, 60.0, now=2000.0)) == repr(stopped)

    def test_reap_marks_expired_runs_crashed(self, store: Store) -> None:
        old = self._claimed(store, now=1000.0)  # lease until 1030
        fresh = self._claimed(store, now=1020.0)  # lease until 1050
        unleased = store.create_run(NewRun(project="proj"), now=900.0)
        assert store.reap_expired(now=1040.0) == [old.run_id]
        crashed = store.get_run(old.run_id)
        assert crashed.state is RunState.CRASHED
        assert "lease expired" in crashed.end_reason
        assert crashed.lease_expires_at is None
        assert store.get_run(fresh.run_id).state is RunState.RUNNING
        assert store.get_run(unleased.run_id).state is RunState.RUNNING
        assert store.reap_expired(now=1040.0) == []
        store.heartbeat(fresh.run_id, 60.0, now=1045.0)
        assert store.reap_expired(now=1100.0) == []
        assert store.reap_expired(now=1106.0) == [fresh.run_id]


class ConcurrencyContract:
    THREADS = 8

    def test_threads_never_share_a_grid_point(self, store: Store) -> None:
        sweep = store.create_sweep("proj", SWEEP_CONFIG, seed=1)
        planner = GridPlanner(40)
        with ThreadPoolExecutor(self.THREADS) as pool:
            futures = [
                pool.submit(claim_until_done, store, sweep.sweep_id, planner)
                for _ in range(self.THREADS)
            ]
            claimed = [run_id for future in futures for run_id in future.result()]
        runs = store.sweep_runs(sweep.sweep_id)
        assert sorted(claimed) == sorted(run.run_id for run in runs)
        assert sorted(int(run.point_key or "-1") for run in runs) == list(range(40))
        assert store.get_sweep(sweep.sweep_id).state is SweepState.FINISHED

    def test_threads_respect_run_cap(self, store: Store) -> None:
        sweep = store.create_sweep("proj", SWEEP_CONFIG, seed=1)
        with ThreadPoolExecutor(self.THREADS) as pool:
            futures = [
                pool.submit(claim_until_done, store, sweep.sweep_id, CappedPlanner(13))
                for _ in range(self.THREADS)
            ]
            claimed = sum(len(future.result()) for future in futures)
        assert claimed == 13
        assert len(store.sweep_runs(sweep.sweep_id)) == 13

    def test_threads_write_metrics_and_updates_together(self, store: Store) -> None:
        runs = [store.create_run(NewRun(project="p")) for _ in range(self.THREADS)]

        def work(run: RunRecord) -> int:
            from sweeplab.store.base import MetricRow

            new = 0
            for step in range(20):
                new += store.log_metrics(run.run_id, [MetricRow(step, "loss", float(step))])
                store.update_run(run.run_id, RunChanges(summary={"loss": float(step)}))
            store.finish_run(run.run_id, RunState.FINISHED)
            return new

        with ThreadPoolExecutor(self.THREADS) as pool:
            assert list(pool.map(work, runs)) == [20] * self.THREADS
        for run in runs:
            stored = store.get_run(run.run_id, with_history=True)
            assert stored.state is RunState.FINISHED
            assert stored.summary == {"loss": 19.0}
            assert len(stored.history["loss"]) == 20
