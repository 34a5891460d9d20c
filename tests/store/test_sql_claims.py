"""Claims on SQL stores plan on a snapshot, outside the sweep lock, from runs kept decoded
between claims: a slow planner does not hold up other claims (nor, on SQLite, every other
write), and every change still reaches the next planner."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from sweeplab.domain import RunRecord, RunState, SweepRecord
from sweeplab.store.base import MetricRow, NewRun, PlannedRun, RunChanges
from sweeplab.store.sql import SqlStore
from sweeplab.testing.planners import BlockingPlanner, next_point


@pytest.fixture(params=["sqlite", "postgresql"])
def sql_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'sweeplab.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    store = SqlStore(url)
    yield store
    store.close()


def test_other_claims_and_writes_go_on_while_a_planner_thinks(sql_store: SqlStore) -> None:
    sweep = sql_store.create_sweep("proj", {"method": "grid"}, seed=1)
    other = sql_store.create_run(NewRun(project="proj"))
    slow = BlockingPlanner()
    first = threading.Thread(target=sql_store.claim_run, args=(sweep.sweep_id, slow, 60.0))
    first.start()
    try:
        assert slow.planning.wait(10)
        # Neither waits for the slow planner: it holds no lock while it plans.
        claimed = sql_store.claim_run(sweep.sweep_id, next_point, 60.0).run
        assert claimed is not None and claimed.point_key == "0"
        assert sql_store.log_metrics(other.run_id, [MetricRow(0, "loss", 1.0)]) == 1
    finally:
        slow.release.set()
        first.join(10)
    assert slow.seen == [0, 1]  # its snapshot decision was overtaken, so it planned again
    keys = sorted(run.point_key or "" for run in sql_store.sweep_runs(sweep.sweep_id))
    assert keys == ["0", "1"]


def test_planners_see_changes_made_since_the_last_claim(sql_store: SqlStore) -> None:
    """Claims keep runs decoded between calls; a change made through another store object
    (another process, say) still reaches the next planner, through ``runs.version``."""
    sweep = sql_store.create_sweep("proj", {"method": "grid"}, seed=1)
    shown: list[list[RunRecord]] = []

    def planner(locked: SweepRecord, runs: Sequence[RunRecord]) -> PlannedRun:
        shown.append(list(runs))
        return PlannedRun(config={"x": len(runs)}, point_key=str(len(runs)))

    first = sql_store.claim_run(sweep.sweep_id, planner, 60.0).run
    second = sql_store.claim_run(sweep.sweep_id, planner, 60.0).run
    assert first is not None and second is not None
    other_process = SqlStore(sql_store.url)
    try:
        other_process.update_run(first.run_id, RunChanges(summary={"loss": 0.5}))
        sql_store.claim_run(sweep.sweep_id, planner, 60.0)
        seen = {run.run_id: run for run in shown[-1]}
        assert seen[first.run_id].summary == {"loss": 0.5}
        other_process.reap_expired(now=10**12)  # every lease long expired
        sql_store.claim_run(sweep.sweep_id, planner, 60.0)
        seen = {run.run_id: run for run in shown[-1]}
        assert seen[first.run_id].state is RunState.CRASHED
        assert seen[second.run_id].state is RunState.CRASHED
    finally:
        other_process.close()
