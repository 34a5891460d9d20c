"""SQLite across processes: parallel claims on one file, parallel first opens, forked stores."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

from sqlalchemy.pool import QueuePool

from sweeplab.store.base import RunQuery
from sweeplab.store.sql import SqlStore
from sweeplab.testing.planners import GridPlanner, claim_in_process, create_run_in_process

PROCESSES = 4
CLAIMS_PER_PROCESS = 25


def _url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'shared' / 'sweeplab.db'}"


def test_sqlite_settings(tmp_path: Path) -> None:
    store = SqlStore(_url(tmp_path))
    store.close()
    with sqlite3.connect(tmp_path / "shared" / "sweeplab.db") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_processes_claiming_on_one_file_never_share_a_point(tmp_path: Path) -> None:
    url = _url(tmp_path)
    store = SqlStore(url)
    grid_size = PROCESSES * CLAIMS_PER_PROCESS
    sweep = store.create_sweep("proj", {"method": "grid"}, seed=1)
    context = multiprocessing.get_context("spawn")
    with context.Pool(PROCESSES) as pool:
        # Any "database is locked" error in a child would re-raise here.
        claimed = pool.starmap(
            claim_in_process, [(url, sweep.sweep_id, grid_size, CLAIMS_PER_PROCESS)] * PROCESSES
        )
    assert [len(ids) for ids in claimed] == [CLAIMS_PER_PROCESS] * PROCESSES
    runs = store.sweep_runs(sweep.sweep_id)
    assert sorted(int(run.point_key or "-1") for run in runs) == list(range(grid_size))
    assert sorted(run_id for ids in claimed for run_id in ids) == sorted(r.run_id for r in runs)
    # The grid is used up: the next claim finishes the sweep.
    assert store.claim_run(sweep.sweep_id, GridPlanner(grid_size), 60.0).run is None
    store.close()


def test_processes_opening_a_fresh_file_together_migrate_once(tmp_path: Path) -> None:
    url = _url(tmp_path)
    context = multiprocessing.get_context("spawn")
    with context.Pool(PROCESSES) as pool:
        run_ids = pool.starmap(create_run_in_process, [(url, "proj")] * PROCESSES)
    store = SqlStore(url)
    assert sorted(run.run_id for run in store.list_runs(RunQuery())) == sorted(run_ids)
    store.close()


def test_forked_children_can_use_the_parents_store(tmp_path: Path) -> None:
    store = SqlStore(_url(tmp_path))
    sweep = store.create_sweep("proj", {"method": "grid"}, seed=1)
    # Use the parent's pool first, so the children inherit open connections.
    store.claim_run(sweep.sweep_id, GridPlanner(40), 60.0)
    context = multiprocessing.get_context("fork")
    processes = [
        context.Process(target=_claim_with_inherited_store, args=(store, sweep.sweep_id))
        for _ in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=30)
    assert [process.exitcode for process in processes] == [0] * PROCESSES
    runs = store.sweep_runs(sweep.sweep_id)
    assert sorted(int(run.point_key or "-1") for run in runs) == list(range(1 + 4 * PROCESSES))
    store.close()


def _claim_with_inherited_store(store: SqlStore, sweep_id: str) -> None:
    # SQLite forbids using a connection opened before fork: the child starts with none.
    pool = store._database.engine.pool
    assert isinstance(pool, QueuePool)
    assert pool.checkedin() == 0
    for _ in range(4):
        assert store.claim_run(sweep_id, GridPlanner(40), 60.0).run is not None


def test_a_child_forked_while_a_thread_writes_gets_its_own_write_lock(tmp_path: Path) -> None:
    """The store's in-process write lock, held by a parent thread at fork time, must not be
    inherited held: the child would wait forever."""
    store = SqlStore(_url(tmp_path))
    sweep = store.create_sweep("proj", {"method": "grid"}, seed=1)
    write_lock = store._database._write_turns
    assert write_lock is not None
    with write_lock:  # as if another thread were mid-transaction when the fork happened
        child = multiprocessing.get_context("fork").Process(
            target=_claim_with_inherited_store, args=(store, sweep.sweep_id)
        )
        child.start()
        child.join(timeout=30)
    assert child.exitcode == 0
    assert len(store.sweep_runs(sweep.sweep_id)) == 4
    store.close()
