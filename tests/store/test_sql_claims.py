"""Claims on SQL stores plan on a snapshot, outside the sweep lock: a slow planner does not
hold up other claims (nor, on SQLite, every other write)."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from sweeplab.domain import RunRecord, SweepRecord
from sweeplab.store.base import MetricRow, NewRun, PlannedRun
from sweeplab.store.sql import SqlStore


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
    planning, release = threading.Event(), threading.Event()
    seen: list[int] = []

    def slow(locked: SweepRecord, runs: Sequence[RunRecord]) -> PlannedRun:
        seen.append(len(runs))
        planning.set()
        release.wait(10)
        return PlannedRun(config={"x": len(runs)}, point_key=str(len(runs)))

    def fast(locked: SweepRecord, runs: Sequence[RunRecord]) -> PlannedRun:
        return PlannedRun(config={"x": len(runs)}, point_key=str(len(runs)))

    first = threading.Thread(target=sql_store.claim_run, args=(sweep.sweep_id, slow, 60.0))
    first.start()
    try:
        assert planning.wait(10)
        # Neither waits for the slow planner: it holds no lock while it plans.
        claimed = sql_store.claim_run(sweep.sweep_id, fast, 60.0).run
        assert claimed is not None and claimed.point_key == "0"
        assert sql_store.log_metrics(other.run_id, [MetricRow(0, "loss", 1.0)]) == 1
    finally:
        release.set()
        first.join(10)
    assert seen == [0, 1]  # its snapshot decision was overtaken, so it planned again
    keys = sorted(run.point_key or "" for run in sql_store.sweep_runs(sweep.sweep_id))
    assert keys == ["0", "1"]
