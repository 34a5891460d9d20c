"""An in-memory :class:`~sweeplab.store.base.Store`: dicts behind one lock.

The reference implementation of the contract (tests, throwaway sweeps). Records are kept
frozen and handed out with copied configs and summaries, so a caller can never change what
the store holds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from sweeplab import __version__
from sweeplab.domain import RunRecord, RunState, SweepRecord, SweepState
from sweeplab.errors import ConflictError, NotFoundError, RunFinishedError
from sweeplab.store.base import (
    ApiKeyRecord,
    Claim,
    ClaimPlanner,
    MetricRow,
    NewRun,
    RunChanges,
    RunQuery,
    Store,
    SweepDone,
    new_id,
)
from sweeplab.store.json_values import json_copy
from sweeplab.store.run_query import select_runs
from sweeplab.store.run_rules import apply_run_changes, is_final, planned_run_record


class MemoryStore(Store):
    """Sweeps, runs and metrics in dicts; every method holds one re-entrant lock."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        # Dicts keep insertion order, which is creation order.
        self._sweeps: dict[str, SweepRecord] = {}
        self._runs: dict[str, RunRecord] = {}
        # run id -> metric key -> step -> value
        self._metrics: dict[str, dict[str, dict[int, float]]] = {}
        self._api_keys: dict[str, ApiKeyRecord] = {}  # by key hash

    # --- sweeps --------------------------------------------------------------------------------

    def create_sweep(
        self, project: str, config: Mapping[str, Any], seed: int, sweep_id: str = ""
    ) -> SweepRecord:
        now = time.time()
        with self._lock:
            sweep_id = sweep_id or self._unused_id(self._sweeps)
            if sweep_id in self._sweeps:
                raise ConflictError(f"a sweep with id {sweep_id!r} already exists")
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
            self._sweeps[sweep_id] = record
            return _sweep_copy(record)

    def get_sweep(self, sweep_id: str) -> SweepRecord:
        with self._lock:
            return _sweep_copy(self._sweep(sweep_id))

    def list_sweeps(self, project: str | None = None) -> list[SweepRecord]:
        with self._lock:
            sweeps = [s for s in self._sweeps.values() if project is None or s.project == project]
        indexed = sorted(enumerate(sweeps), key=lambda item: (item[1].created_at, item[0]))
        return [_sweep_copy(sweep) for _, sweep in reversed(indexed)]

    def set_sweep_state(self, sweep_id: str, state: SweepState, reason: str = "") -> SweepRecord:
        with self._lock:
            record = self._sweep(sweep_id)
            if record.state is state:
                return _sweep_copy(record)
            record = replace(
                record,
                state=record.state.transition(state),
                state_reason=reason,
                updated_at=time.time(),
            )
            self._sweeps[sweep_id] = record
            return _sweep_copy(record)

    # --- runs ----------------------------------------------------------------------------------

    def create_run(self, new: NewRun, now: float | None = None) -> RunRecord:
        now = time.time() if now is None else now
        with self._lock:
            existing = self._runs.get(new.run_id) if new.run_id else None
            if existing is not None:
                if existing.project != new.project:
                    raise ConflictError(
                        f"run id {new.run_id!r} is taken in project {existing.project!r}; "
                        f"choose another id for project {new.project!r}"
                    )
                return _run_copy(existing)
            if new.sweep_id is not None:
                self._sweep(new.sweep_id)
            record = RunRecord(
                run_id=new.run_id or self._unused_id(self._runs),
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
            self._runs[record.run_id] = record
            return _run_copy(record)

    def get_run(self, run_id: str, with_history: bool = False) -> RunRecord:
        with self._lock:
            record = _run_copy(self._run(run_id))
            if not with_history:
                return record
            history = {
                key: tuple(value for _, value in sorted(by_step.items()))
                for key, by_step in self._metrics.get(run_id, {}).items()
            }
        return replace(record, history=history)

    def list_runs(self, query: RunQuery) -> list[RunRecord]:
        with self._lock:
            runs = list(self._runs.values())
        return [_run_copy(run) for run in select_runs(runs, query)]

    def update_run(self, run_id: str, changes: RunChanges, now: float | None = None) -> RunRecord:
        now = time.time() if now is None else now
        with self._lock:
            record = apply_run_changes(self._run(run_id), changes, now)
            self._runs[run_id] = record
            return _run_copy(record)

    # --- metrics -------------------------------------------------------------------------------

    def log_metrics(self, run_id: str, rows: Sequence[MetricRow]) -> int:
        with self._lock:
            run = self._run(run_id)
            by_key = self._metrics.setdefault(run_id, {})
            fresh: dict[tuple[str, int], float] = {}
            for row in rows:
                if row.step not in by_key.get(row.key, {}):
                    fresh.setdefault((row.key, row.step), float(row.value))
            if fresh and is_final(run.state):
                raise RunFinishedError(
                    f"run {run_id!r} is {run.state.value}: refusing {len(fresh)} new metric "
                    "rows (rows it already holds are accepted)"
                )
            for (key, step), value in fresh.items():
                by_key.setdefault(key, {})[step] = value
            return len(fresh)

    def read_metrics(
        self, run_id: str, keys: Sequence[str] | None = None
    ) -> dict[str, list[tuple[int, float]]]:
        with self._lock:
            self._run(run_id)
            by_key = self._metrics.get(run_id, {})
            wanted = by_key.keys() if keys is None else [k for k in keys if k in by_key]
            return {key: sorted(by_key[key].items()) for key in wanted}

    def metric_histories(self, sweep_id: str, key: str) -> dict[str, tuple[float, ...]]:
        with self._lock:
            self._sweep(sweep_id)
            return {
                run.run_id: tuple(
                    value
                    for _, value in sorted(self._metrics.get(run.run_id, {}).get(key, {}).items())
                )
                for run in self._runs.values()
                if run.sweep_id == sweep_id
            }

    # --- coordination --------------------------------------------------------------------------

    def claim_run(
        self,
        sweep_id: str,
        planner: ClaimPlanner,
        lease_seconds: float,
        now: float | None = None,
    ) -> Claim:
        now = time.time() if now is None else now
        with self._lock:
            sweep = self._sweep(sweep_id)
            if not sweep.state.hands_out_runs:
                return Claim(sweep=_sweep_copy(sweep), reason=_not_running(sweep))
            runs = [_run_copy(run) for run in self._runs.values() if run.sweep_id == sweep_id]
            decision = planner(_sweep_copy(sweep), runs)
            if decision is None:
                return Claim(sweep=_sweep_copy(sweep))
            if isinstance(decision, SweepDone):
                done = self.set_sweep_state(sweep_id, decision.state, decision.reason)
                return Claim(sweep=done, reason=decision.reason)
            record = planned_run_record(
                self._unused_id(self._runs), sweep, runs, decision,
                lease_seconds=lease_seconds, now=now,
            )
            self._runs[record.run_id] = record
            return Claim(run=_run_copy(record), sweep=_sweep_copy(sweep))

    def heartbeat(self, run_id: str, lease_seconds: float, now: float | None = None) -> RunRecord:
        now = time.time() if now is None else now
        with self._lock:
            record = self._run(run_id)
            if record.state is RunState.RUNNING:
                record = replace(record, heartbeat_at=now, lease_expires_at=now + lease_seconds)
                self._runs[run_id] = record
            return _run_copy(record)

    def reap_expired(self, now: float | None = None) -> list[str]:
        now = time.time() if now is None else now
        reaped: list[str] = []
        with self._lock:
            for run_id, record in list(self._runs.items()):
                expires_at = record.lease_expires_at
                if record.state is RunState.RUNNING and expires_at is not None and expires_at < now:
                    self._runs[run_id] = replace(
                        record,
                        state=RunState.CRASHED,
                        end_reason=lease_expired_reason(expires_at),
                        lease_expires_at=None,
                        updated_at=now,
                    )
                    reaped.append(run_id)
        return reaped

    # --- API keys ----------------------------------------------------------------------------

    def create_api_key(
        self, key_hash: str, read_only: bool, name: str = "", now: float | None = None
    ) -> ApiKeyRecord:
        with self._lock:
            if key_hash in self._api_keys:
                taken = self._api_keys[key_hash].key_id
                raise ConflictError(f"an API key with this hash already exists (id {taken})")
            record = ApiKeyRecord(
                key_id=new_id(12),
                key_hash=key_hash,
                read_only=read_only,
                name=name,
                created_at=time.time() if now is None else now,
            )
            self._api_keys[key_hash] = record
            return record

    def find_api_key(self, key_hash: str) -> ApiKeyRecord | None:
        with self._lock:
            return self._api_keys.get(key_hash)

    def list_api_keys(self) -> list[ApiKeyRecord]:
        with self._lock:
            return list(self._api_keys.values())

    def delete_api_key(self, key_id: str) -> None:
        with self._lock:
            for key_hash, record in self._api_keys.items():
                if record.key_id == key_id:
                    del self._api_keys[key_hash]
                    return
        raise NotFoundError(
            f"no API key with id {key_id!r}; `sweeplab server list-keys` shows them"
        )

    # --- helpers -------------------------------------------------------------------------------

    def _sweep(self, sweep_id: str) -> SweepRecord:
        try:
            return self._sweeps[sweep_id]
        except KeyError:
            raise NotFoundError(f"no sweep with id {sweep_id!r} in this store") from None

    def _run(self, run_id: str) -> RunRecord:
        try:
            return self._runs[run_id]
        except KeyError:
            raise NotFoundError(f"no run with id {run_id!r} in this store") from None

    @staticmethod
    def _unused_id(taken: Mapping[str, object]) -> str:
        while (candidate := new_id()) in taken:
            pass
        return candidate


def lease_expired_reason(expires_at: float) -> str:
    """Why a reaped run crashed."""
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(expires_at))
    return f"lease expired at {stamp} (its agent stopped heartbeating)"


def _not_running(sweep: SweepRecord) -> str:
    reason = f"sweep {sweep.sweep_id!r} is {sweep.state.value}"
    return f"{reason}: {sweep.state_reason}" if sweep.state_reason else reason


def _sweep_copy(record: SweepRecord) -> SweepRecord:
    return replace(record, config=json_copy(dict(record.config)))


def _run_copy(record: RunRecord) -> RunRecord:
    return replace(
        record,
        config=json_copy(dict(record.config)),
        summary=json_copy(dict(record.summary)),
        suggestion_info=json_copy(dict(record.suggestion_info)),
    )
