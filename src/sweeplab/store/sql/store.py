"""The SQL :class:`~sweeplab.store.base.Store` for SQLite and PostgreSQL (SQLAlchemy 2 Core).

Writes that read first run in :meth:`Database.writing` (``BEGIN IMMEDIATE`` on SQLite) and
lock the rows they read with ``FOR UPDATE`` (PostgreSQL; SQLite ignores it and holds the
database lock instead). Update rules and query semantics come from the same modules the
memory store uses (:mod:`sweeplab.store.run_rules`, :mod:`sweeplab.store.run_query`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sweeplab import __version__
from sweeplab.domain import RunRecord, RunState, SweepRecord, SweepState
from sweeplab.errors import ConflictError, NotFoundError, RunFinishedError
from sweeplab.store.base import (
    ApiKeyRecord,
    Claim,
    ClaimPlanner,
    Ingested,
    MetricRow,
    NewRun,
    RunChanges,
    RunQuery,
    Store,
    SweepDone,
    new_id,
)
from sweeplab.store.json_values import json_copy
from sweeplab.store.memory import lease_expired_reason
from sweeplab.store.run_query import check_paging, needs_python, parse_order, select_runs
from sweeplab.store.run_rules import apply_run_changes, is_final, planned_run_record
from sweeplab.store.sql import api_keys as sql_api_keys
from sweeplab.store.sql import metric_rows
from sweeplab.store.sql.engine import Database
from sweeplab.store.sql.planning_cache import PlanningCache, RunSetMark
from sweeplab.store.sql.rows import run_from_row, run_to_row, sweep_from_row
from sweeplab.store.sql.schema import ensure_schema
from sweeplab.store.sql.tables import runs, sweeps


class SqlStore(Store):
    """A store in the SQL database at ``url`` (``sqlite:///...`` or ``postgresql+psycopg://...``).

    Opening migrates a fresh database and checks an existing one's schema version. One store
    may be shared by any number of threads; any number of processes may open the same database.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._database = Database(url)
        self._planning_cache = PlanningCache()
        try:
            ensure_schema(self._database)
        except BaseException:
            self._database.dispose()
            raise

    def close(self) -> None:
        self._database.dispose()

    def __repr__(self) -> str:
        return f"SqlStore({self._database.engine.url.render_as_string(hide_password=True)!r})"

    # --- sweeps --------------------------------------------------------------------------------

    def create_sweep(
        self, project: str, config: Mapping[str, Any], seed: int, sweep_id: str = ""
    ) -> SweepRecord:
        if not sweep_id:
            return self._create_sweep(project, config, seed, sweep_id)
        try:
            return self._create_sweep(project, config, seed, sweep_id)
        except sa.exc.IntegrityError:
            # A concurrent create of this id committed between our check and our insert
            # (PostgreSQL; SQLite's BEGIN IMMEDIATE serialises them): the retry sees it.
            return self._create_sweep(project, config, seed, sweep_id)

    def _create_sweep(
        self, project: str, config: Mapping[str, Any], seed: int, sweep_id: str
    ) -> SweepRecord:
        now = time.time()
        with self._database.writing() as connection:
            if sweep_id:
                if self._sweep_row(connection, sweep_id, required=False) is not None:
                    raise ConflictError(f"a sweep with id {sweep_id!r} already exists")
            else:
                sweep_id = _unused_id(connection, sweeps.c.sweep_id)
            record = SweepRecord(
                sweep_id=sweep_id,
                project=project,
                config=json_copy(dict(config)),
                state=SweepState.RUNNING,
                seed=seed,
                created_at=now,
                updated_at=now,
                engine_version=__version__,
            )
            connection.execute(
                sweeps.insert().values(
                    sweep_id=record.sweep_id,
                    project=record.project,
                    config=record.config,
                    state=record.state.value,
                    state_reason=record.state_reason,
                    seed=record.seed,
                    engine_version=record.engine_version,
                    created_at=record.created_at,
                    updated_at=record.updated_at,
                )
            )
        return record

    def get_sweep(self, sweep_id: str) -> SweepRecord:
        with self._database.reading() as connection:
            return self._sweep(connection, sweep_id)

    def list_sweeps(self, project: str | None = None) -> list[SweepRecord]:
        query = sa.select(sweeps).order_by(sweeps.c.created_at.desc(), sweeps.c.seq.desc())
        if project is not None:
            query = query.where(sweeps.c.project == project)
        with self._database.reading() as connection:
            return [sweep_from_row(row) for row in connection.execute(query).mappings()]

    def set_sweep_state(self, sweep_id: str, state: SweepState, reason: str = "") -> SweepRecord:
        with self._database.writing() as connection:
            return self._set_sweep_state(connection, sweep_id, state, reason)

    # --- runs ----------------------------------------------------------------------------------

    def create_run(self, new: NewRun, now: float | None = None) -> RunRecord:
        now = time.time() if now is None else now
        if not new.run_id:
            return self._create_run(new, now)
        try:
            return self._create_run(new, now)
        except sa.exc.IntegrityError:
            # As in create_sweep: a concurrent create of this id (a client's retry racing its
            # first attempt) won; the retry returns that run or raises ConflictError.
            return self._create_run(new, now)

    def _create_run(self, new: NewRun, now: float) -> RunRecord:
        with self._database.writing() as connection:
            if new.run_id:
                existing = self._run_row(connection, new.run_id, required=False)
                if existing is not None:
                    if existing.project != new.project:
                        raise ConflictError(
                            f"run id {new.run_id!r} is taken in project {existing.project!r}; "
                            f"choose another id for project {new.project!r}"
                        )
                    return existing
            if new.sweep_id is not None:
                self._sweep(connection, new.sweep_id)
            record = RunRecord(
                run_id=new.run_id or _unused_id(connection, runs.c.run_id),
                state=new.state,
                config=json_copy(dict(new.config)),
                project=new.project,
                sweep_id=new.sweep_id,
                name=new.name,
                group=new.group,
                job_type=new.job_type,
                tags=tuple(new.tags),
                notes=new.notes,
                created_at=now,
                updated_at=now,
            )
            connection.execute(runs.insert().values(**run_to_row(record)))
        return record

    def get_run(self, run_id: str, with_history: bool = False) -> RunRecord:
        with self._database.reading() as connection:
            record = self._run(connection, run_id)
            if not with_history:
                return record
            rows = metric_rows.read_rows(connection, run_id, None)
        history = {key: tuple(value for _, value in pairs) for key, pairs in rows.items()}
        return replace(record, history=history)

    def list_runs(self, query: RunQuery) -> list[RunRecord]:
        order = parse_order(query.order)
        check_paging(query)
        select = sa.select(runs)
        if query.project is not None:
            select = select.where(runs.c.project == query.project)
        if query.sweep_id is not None:
            select = select.where(runs.c.sweep_id == query.sweep_id)
        if query.states:
            select = select.where(runs.c.state.in_([state.value for state in query.states]))
        if query.group is not None:
            select = select.where(runs.c.run_group == query.group)
        if needs_python(query):
            with self._database.reading() as connection:
                rows = connection.execute(select.order_by(runs.c.seq)).mappings()
                records = [run_from_row(row) for row in rows]
            return select_runs(records, query)
        column = runs.c[order.field or "created_at"]
        if order.descending:
            select = select.order_by(column.desc(), runs.c.seq.desc())
        else:
            select = select.order_by(column, runs.c.seq)
        select = select.offset(query.offset).limit(query.limit)
        with self._database.reading() as connection:
            return [run_from_row(row) for row in connection.execute(select).mappings()]

    def update_run(self, run_id: str, changes: RunChanges, now: float | None = None) -> RunRecord:
        now = time.time() if now is None else now
        with self._database.writing() as connection:
            current = self._run(connection, run_id, lock=True)
            updated = apply_run_changes(current, changes, now)
            if updated is not current:
                self._write_run(connection, updated)
        return updated

    # --- metrics -------------------------------------------------------------------------------

    def log_metrics(self, run_id: str, rows: Sequence[MetricRow]) -> int:
        return self.ingest(run_id, rows).new_rows

    def ingest(
        self,
        run_id: str,
        rows: Sequence[MetricRow],
        changes: RunChanges | None = None,
        now: float | None = None,
    ) -> Ingested:
        # One transaction instead of two: a writer's flush takes the write lock once.
        now = time.time() if now is None else now
        with self._database.writing() as connection:
            run = self._run(connection, run_id, lock=True)
            new_rows = self._insert_metrics(connection, run, rows) if rows else 0
            if changes is not None:
                updated = apply_run_changes(run, changes, now)
                if updated is not run:
                    self._write_run(connection, updated)
                run = updated
        return Ingested(new_rows, run.state, run.stop_requested, run.sweep_id)

    def _insert_metrics(
        self, connection: Connection, run: RunRecord, rows: Sequence[MetricRow]
    ) -> int:
        """Store ``rows`` for the (locked) ``run``; returns how many were new."""
        if not is_final(run.state):
            # Both drivers count the rows an insert-or-ignore really inserted (sqlite3
            # and psycopg 3 sum executemany's row counts), so the lookup of held rows
            # below is not needed (on PostgreSQL it cost 10-30% of a small batch's CPU).
            return metric_rows.insert_rows(connection, run.run_id, rows)
        fresh = metric_rows.new_rows(connection, run.run_id, rows)
        if fresh:
            raise RunFinishedError(
                f"run {run.run_id!r} is {run.state.value}: refusing {len(fresh)} new metric "
                "rows (rows it already holds are accepted)"
            )
        return 0

    def read_metrics(
        self, run_id: str, keys: Sequence[str] | None = None
    ) -> dict[str, list[tuple[int, float]]]:
        with self._database.reading() as connection:
            self._run(connection, run_id)
            return metric_rows.read_rows(connection, run_id, keys)

    def metric_histories(self, sweep_id: str, key: str) -> dict[str, tuple[float, ...]]:
        with self._database.reading() as connection:
            self._sweep(connection, sweep_id)
            return metric_rows.sweep_histories(connection, sweep_id, key)

    # --- coordination --------------------------------------------------------------------------

    def claim_run(
        self,
        sweep_id: str,
        planner: ClaimPlanner,
        lease_seconds: float,
        now: float | None = None,
    ) -> Claim:
        now = time.time() if now is None else now
        # Plan on a snapshot first, without holding anything: reading and planning over a
        # big sweep is most of a claim, and under the lock every other claim (and, on SQLite,
        # every write) would wait for it.
        with self._database.reading() as connection:
            seen_sweep = self._sweep(connection, sweep_id)
            if not seen_sweep.state.hands_out_runs:
                return _no_runs_handed_out(seen_sweep)
            seen_runs, seen_mark = self._planning_cache.runs(connection, sweep_id)
            # Chosen here rather than under the lock: an id taken in between is as unlikely
            # as a collision at all (8 characters from 36), and the constraint still holds.
            run_id = _unused_id(connection, runs.c.run_id)
        decision = planner(seen_sweep, seen_runs)
        with self._database.writing() as connection:
            # The sweep row lock (PostgreSQL) or the database lock (SQLite) makes the check
            # and the insert exclusive among claimers.
            sweep = self._sweep(connection, sweep_id, lock=True)
            if not sweep.state.hands_out_runs:
                return _no_runs_handed_out(sweep)
            sweep_runs = seen_runs
            if sweep != seen_sweep or _run_set_mark(connection, sweep_id) != seen_mark:
                # A run was added (or the sweep changed) since the snapshot: plan again on
                # what the lock now guarantees.
                sweep_runs, _ = self._planning_cache.runs(connection, sweep_id)
                decision = planner(sweep, sweep_runs)
            if decision is None:
                return Claim(sweep=sweep)
            if isinstance(decision, SweepDone):
                done = self._set_sweep_state(connection, sweep_id, decision.state, decision.reason)
                return Claim(sweep=done, reason=decision.reason)
            record = planned_run_record(
                run_id, sweep, sweep_runs, decision, lease_seconds=lease_seconds, now=now
            )
            connection.execute(runs.insert().values(**run_to_row(record)))
        return Claim(run=record, sweep=sweep)

    def heartbeat(self, run_id: str, lease_seconds: float, now: float | None = None) -> RunRecord:
        now = time.time() if now is None else now
        with self._database.writing() as connection:
            record = self._run(connection, run_id, lock=True)
            if record.state is not RunState.RUNNING:
                return record
            record = replace(record, heartbeat_at=now, lease_expires_at=now + lease_seconds)
            connection.execute(
                runs.update()
                .where(runs.c.run_id == run_id)
                .values(heartbeat_at=record.heartbeat_at, lease_expires_at=record.lease_expires_at)
            )
        return record

    def reap_expired(self, now: float | None = None) -> list[str]:
        now = time.time() if now is None else now
        with self._database.writing() as connection:
            expired = connection.execute(
                sa.select(runs.c.run_id, runs.c.lease_expires_at)
                .where(runs.c.state == RunState.RUNNING.value, runs.c.lease_expires_at < now)
                .order_by(runs.c.seq)
                .with_for_update()
            ).all()
            if expired:
                connection.execute(
                    runs.update()
                    .where(runs.c.run_id == sa.bindparam("reaped_id"))
                    .values(
                        state=RunState.CRASHED.value,
                        end_reason=sa.bindparam("reason"),
                        lease_expires_at=None,
                        updated_at=now,
                        version=runs.c.version + 1,
                    ),
                    [
                        {"reaped_id": run_id, "reason": lease_expired_reason(expires_at)}
                        for run_id, expires_at in expired
                    ],
                )
        return [run_id for run_id, _ in expired]

    def list_projects(self) -> list[str]:
        query = sa.union(sa.select(sweeps.c.project), sa.select(runs.c.project))
        with self._database.reading() as connection:
            return sorted(str(name) for (name,) in connection.execute(query))

    # --- API keys (queries in sql/api_keys.py) ---------------------------------------------------

    def create_api_key(
        self, key_hash: str, read_only: bool, name: str = "", now: float | None = None
    ) -> ApiKeyRecord:
        now = time.time() if now is None else now
        with self._database.writing() as connection:
            return sql_api_keys.insert_key(connection, key_hash, read_only, name, now)

    def find_api_key(self, key_hash: str) -> ApiKeyRecord | None:
        with self._database.reading() as connection:
            return sql_api_keys.find_key(connection, key_hash)

    def list_api_keys(self) -> list[ApiKeyRecord]:
        with self._database.reading() as connection:
            return sql_api_keys.list_keys(connection)

    def delete_api_key(self, key_id: str) -> None:
        with self._database.writing() as connection:
            sql_api_keys.delete_key(connection, key_id)

    def has_api_keys(self) -> bool:
        with self._database.reading() as connection:
            return sql_api_keys.has_keys(connection)

    # --- helpers -------------------------------------------------------------------------------

    def _sweep_row(
        self, connection: Connection, sweep_id: str, required: bool = True, lock: bool = False
    ) -> SweepRecord | None:
        query = sa.select(sweeps).where(sweeps.c.sweep_id == sweep_id)
        if lock:
            query = query.with_for_update()
        row = connection.execute(query).mappings().first()
        if row is None:
            if required:
                raise NotFoundError(f"no sweep with id {sweep_id!r} in {self!r}")
            return None
        return sweep_from_row(row)

    def _sweep(self, connection: Connection, sweep_id: str, lock: bool = False) -> SweepRecord:
        record = self._sweep_row(connection, sweep_id, required=True, lock=lock)
        assert record is not None
        return record

    def _run_row(
        self, connection: Connection, run_id: str, required: bool = True, lock: bool = False
    ) -> RunRecord | None:
        query = sa.select(runs).where(runs.c.run_id == run_id)
        if lock:
            query = query.with_for_update()
        row = connection.execute(query).mappings().first()
        if row is None:
            if required:
                raise NotFoundError(f"no run with id {run_id!r} in {self!r}")
            return None
        return run_from_row(row)

    def _run(self, connection: Connection, run_id: str, lock: bool = False) -> RunRecord:
        record = self._run_row(connection, run_id, required=True, lock=lock)
        assert record is not None
        return record

    def _write_run(self, connection: Connection, record: RunRecord) -> None:
        values = run_to_row(record)
        del values["run_id"]
        connection.execute(
            runs.update()
            .where(runs.c.run_id == record.run_id)
            .values(**values, version=runs.c.version + 1)
        )

    def _set_sweep_state(
        self, connection: Connection, sweep_id: str, state: SweepState, reason: str
    ) -> SweepRecord:
        record = self._sweep(connection, sweep_id, lock=True)
        if record.state is state:
            return record
        record = replace(
            record,
            state=record.state.transition(state),
            state_reason=reason,
            updated_at=time.time(),
        )
        connection.execute(
            sweeps.update()
            .where(sweeps.c.sweep_id == sweep_id)
            .values(state=record.state.value, state_reason=reason, updated_at=record.updated_at)
        )
        return record

def _unused_id(connection: Connection, column: sa.Column[str]) -> str:
    """A generated id not yet in ``column`` (collisions are rare; checking makes them harmless)."""
    while True:
        candidate = new_id()
        taken = connection.execute(sa.select(column).where(column == candidate)).first()
        if taken is None:
            return candidate


def _no_runs_handed_out(sweep: SweepRecord) -> Claim:
    reason = f"sweep {sweep.sweep_id!r} is {sweep.state.value}"
    if sweep.state_reason:
        reason = f"{reason}: {sweep.state_reason}"
    return Claim(sweep=sweep, reason=reason)


def _run_set_mark(connection: Connection, sweep_id: str) -> RunSetMark:
    """How many runs the sweep has and the last one's sequence number: equal marks mean no
    run was added (runs are never deleted from a sweep)."""
    row = connection.execute(
        sa.select(sa.func.count(), sa.func.max(runs.c.seq)).where(runs.c.sweep_id == sweep_id)
    ).one()
    return int(row[0]), row[1]
