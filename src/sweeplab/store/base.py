"""The one storage interface of sweeplab, and its contract.

Every store (``memory``, ``sql`` for SQLite and PostgreSQL, ``remote`` over HTTP) implements
:class:`Store`. A shipped contract suite (``sweeplab.testing.store_contract``) runs against
each of them, so code above this layer never cares which one it has.

Contract
--------
- **Thread safety.** Every method may be called from any thread; a store serialises what it
  must. Separate processes may open the same SQL database; ``claim_run`` is exclusive across
  processes.
- **Snapshots.** Methods return frozen records, never live views; a record read before a
  write does not change afterwards.
- **Ids.** Run and sweep ids are short strings chosen by the caller or generated
  (:func:`new_id`); they are unique per store.
- **States.** State changes follow :mod:`sweeplab.domain.states` and an illegal one raises
  :class:`~sweeplab.errors.StateTransitionError`. A run in a terminal state is immutable:
  its config, summary and state no longer change (a crashed run may still finish, since its
  agent may only have been partitioned away).
  Precisely (:mod:`sweeplab.store.run_rules`): a *final* run (finished, failed, stopped)
  refuses a change of config, summary, state or outcome with
  :class:`~sweeplab.errors.RunFinishedError`, accepts a repeat of what it holds as a no-op,
  and keeps name, tags and notes editable; a crashed run still accepts metrics and updates.
- **Metrics.** ``log_metrics`` is idempotent on ``(run_id, step, key)``: writing a row again
  keeps the first value, so a retried batch never duplicates. New rows for a terminal run are
  refused; rows it already holds are accepted as no-ops (a second ``sync`` equals the first).
  (Refused means :class:`~sweeplab.errors.RunFinishedError`, for final runs; see above.)
- **Ingest.** ``ingest(run_id, rows, changes)`` is ``log_metrics`` then ``update_run`` as one
  call (the SQL store does both in one transaction, the remote store in one request), and
  answers with what the run's writer needs to know next: is the run still wanted.
- **Conflicts.** A taken sweep id, a run id taken in another project, or a planned grid point
  the sweep already has raise :class:`~sweeplab.errors.ConflictError`.
- **Queries.** :mod:`sweeplab.store.run_query` defines what a :class:`RunQuery` returns.
- **Claims.** ``claim_run`` writes the new run in a transaction holding the sweep
  exclusively, and only if the sweep and its set of runs are what the planner was shown, so
  any number of agents in any number of processes never get the same grid point and never
  exceed ``run_cap``. Grid points are also unique per sweep by a constraint
  (``RunRecord.point_key``). A store may show the planner a snapshot first and, if the sweep
  changed before the lock, ask again: planners are pure functions of what they are shown.
- **Missing things** raise :class:`~sweeplab.errors.NotFoundError` naming what was missing.
"""

from __future__ import annotations

import secrets
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sweeplab.domain import RunRecord, RunState, SweepRecord, SweepState
from sweeplab.errors import StoreError

_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_NO_KEYS = (
    "{store} keeps no API keys; manage keys on the server's own database with "
    "`sweeplab server create-key --store URL`"
)


def new_id(length: int = 8) -> str:
    """A random lowercase id, like W&B's run and sweep ids."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(length))


class MetricRow(NamedTuple):
    """One logged value: ``value`` of ``key`` at ``step``; NaN and ±Inf allowed.

    A named tuple rather than a dataclass: the SDK builds one per logged value (half a million
    for 100k steps of 5 metrics), and a tuple is built about three times faster.
    """

    step: int
    key: str
    value: float
    wall_time: float | None = None


class Ingested(NamedTuple):
    """What :meth:`Store.ingest` did, and the run as it now stands."""

    new_rows: int
    state: RunState
    # Why the run should stop (early termination, a canceled sweep, a user), or "".
    stop_requested: str
    sweep_id: str | None


@dataclass(frozen=True)
class NewRun:
    """What a caller knows when a run starts. ``run_id`` empty means "generate one"."""

    project: str
    config: Mapping[str, Any] = field(default_factory=dict)
    run_id: str = ""
    name: str = ""
    group: str | None = None
    job_type: str | None = None
    tags: tuple[str, ...] = ()
    notes: str = ""
    state: RunState = RunState.RUNNING
    sweep_id: str | None = None


@dataclass(frozen=True)
class RunChanges:
    """A partial update of a run; ``None`` fields stay as they are.

    ``config`` and ``summary`` are merged key by key into what the run has.
    """

    state: RunState | None = None
    config: Mapping[str, Any] | None = None
    summary: Mapping[str, Any] | None = None
    name: str | None = None
    tags: tuple[str, ...] | None = None
    notes: str | None = None
    exit_code: int | None = None
    end_reason: str | None = None
    stop_requested: str | None = None


@dataclass(frozen=True)
class RunQuery:
    """Which runs ``list_runs`` returns, and in what order.

    ``order`` names a field (``created_at``, ``updated_at``, ``name``, ``state``) or
    ``summary.<key>``; a leading ``-`` sorts descending. ``config``/``summary`` filters match
    runs whose value at a top-level key equals the given one.
    """

    project: str | None = None
    sweep_id: str | None = None
    states: tuple[RunState, ...] = ()
    group: str | None = None
    tags: tuple[str, ...] = ()
    config_equals: Mapping[str, Any] = field(default_factory=dict)
    summary_equals: Mapping[str, Any] = field(default_factory=dict)
    order: str = "created_at"
    limit: int | None = None
    offset: int = 0


@dataclass(frozen=True)
class PlannedRun:
    """A claim's decision to start a run with this config."""

    config: Mapping[str, Any]
    suggestion_info: Mapping[str, Any] = field(default_factory=dict)
    point_key: str | None = None


@dataclass(frozen=True)
class SweepDone:
    """A claim's decision that the sweep has nothing more to run, and why."""

    state: SweepState
    reason: str


# Given the locked sweep and all its runs (configs, states and summaries; no histories), decide.
ClaimPlanner = Callable[[SweepRecord, Sequence[RunRecord]], PlannedRun | SweepDone | None]


@dataclass(frozen=True)
class Claim:
    """What ``claim_run`` did: started ``run``, or found the sweep ``done`` (or not running)."""

    run: RunRecord | None = None
    sweep: SweepRecord | None = None
    reason: str = ""


@dataclass(frozen=True)
class ApiKeyRecord:
    """A server API key as stored: its SHA-256 only, never the key itself."""

    key_id: str
    key_hash: str
    read_only: bool
    name: str = ""
    created_at: float = 0.0


class Store(ABC):
    """Sweeps, runs and metrics; see the module docstring for the contract."""

    # --- sweeps --------------------------------------------------------------------------------

    @abstractmethod
    def create_sweep(
        self, project: str, config: Mapping[str, Any], seed: int, sweep_id: str = ""
    ) -> SweepRecord:
        """Store a (validated) sweep config in state ``running``."""

    @abstractmethod
    def get_sweep(self, sweep_id: str) -> SweepRecord: ...

    @abstractmethod
    def list_sweeps(self, project: str | None = None) -> list[SweepRecord]:
        """Sweeps, newest first."""

    @abstractmethod
    def set_sweep_state(self, sweep_id: str, state: SweepState, reason: str = "") -> SweepRecord:
        """Move a sweep to ``state``; setting the state it already has is a no-op."""

    # --- runs ----------------------------------------------------------------------------------

    @abstractmethod
    def create_run(self, new: NewRun, now: float | None = None) -> RunRecord:
        """Store a new run. Creating a run with an id that exists returns it unchanged if it
        belongs to the same project (resume), else raises."""

    @abstractmethod
    def get_run(self, run_id: str, with_history: bool = False) -> RunRecord: ...

    @abstractmethod
    def list_runs(self, query: RunQuery) -> list[RunRecord]: ...

    @abstractmethod
    def update_run(
        self, run_id: str, changes: RunChanges, now: float | None = None
    ) -> RunRecord: ...

    # --- metrics -------------------------------------------------------------------------------

    @abstractmethod
    def log_metrics(self, run_id: str, rows: Sequence[MetricRow]) -> int:
        """Store rows idempotently; returns how many were new."""

    def ingest(
        self,
        run_id: str,
        rows: Sequence[MetricRow],
        changes: RunChanges | None = None,
        now: float | None = None,
    ) -> Ingested:
        """``log_metrics(run_id, rows)``, then ``update_run(run_id, changes)`` when there are
        changes; the writer's one call per flush (stores may do it in one transaction)."""
        new_rows = self.log_metrics(run_id, rows) if rows else 0
        if changes is not None:
            run = self.update_run(run_id, changes, now=now)
        else:
            run = self.get_run(run_id)
        return Ingested(new_rows, run.state, run.stop_requested, run.sweep_id)

    @abstractmethod
    def read_metrics(
        self, run_id: str, keys: Sequence[str] | None = None
    ) -> dict[str, list[tuple[int, float]]]:
        """Each key's ``(step, value)`` pairs in step order."""

    @abstractmethod
    def metric_histories(self, sweep_id: str, key: str) -> dict[str, tuple[float, ...]]:
        """For every run of a sweep, its values of ``key`` in step order (for stopping rules)."""

    # --- coordination --------------------------------------------------------------------------

    @abstractmethod
    def claim_run(
        self,
        sweep_id: str,
        planner: ClaimPlanner,
        lease_seconds: float,
        now: float | None = None,
    ) -> Claim:
        """Call ``planner`` with the sweep and its runs, then, holding the sweep exclusively
        and only if no run was added and the sweep did not change since (else the planner is
        asked again under the lock), either insert the planned run (state ``running``, leased
        until ``now + lease_seconds``) or apply ``SweepDone``. A sweep not in state
        ``running`` is returned without calling the planner; ``None`` from the planner means
        "nothing now" and changes nothing."""

    @abstractmethod
    def heartbeat(self, run_id: str, lease_seconds: float, now: float | None = None) -> RunRecord:
        """Extend a running run's lease; returns the run (its state tells if it was stopped)."""

    @abstractmethod
    def reap_expired(self, now: float | None = None) -> list[str]:
        """Mark running runs whose lease expired ``crashed``; returns their ids."""

    # --- API keys (the server's; optional: stores that keep none inherit these refusals) -------

    def create_api_key(
        self, key_hash: str, read_only: bool, name: str = "", now: float | None = None
    ) -> ApiKeyRecord:
        """Keep a new key by its hash (see ``sweeplab.server.api_keys``)."""
        raise StoreError(_NO_KEYS.format(store=type(self).__name__))

    def find_api_key(self, key_hash: str) -> ApiKeyRecord | None:
        """The key stored under ``key_hash``, or ``None``."""
        raise StoreError(_NO_KEYS.format(store=type(self).__name__))

    def list_api_keys(self) -> list[ApiKeyRecord]:
        """Every key, oldest first."""
        raise StoreError(_NO_KEYS.format(store=type(self).__name__))

    def delete_api_key(self, key_id: str) -> None:
        """Revoke a key; raise :class:`~sweeplab.errors.NotFoundError` for an unknown id."""
        raise StoreError(_NO_KEYS.format(store=type(self).__name__))

    def has_api_keys(self) -> bool:
        """Whether any key exists (a server with none may run open on loopback)."""
        return bool(self.list_api_keys())

    def close(self) -> None:  # noqa: B027 - optional hook, most stores hold nothing
        """Release connections; the store is unusable afterwards."""

    # --- derived helpers, built on the primitives ------------------------------------------------

    def list_projects(self) -> list[str]:
        """Every project holding a sweep or a run, sorted by name."""
        names = {sweep.project for sweep in self.list_sweeps()}
        names.update(run.project for run in self.list_runs(RunQuery()))
        return sorted(names)

    def sweep_runs(self, sweep_id: str) -> list[RunRecord]:
        return self.list_runs(RunQuery(sweep_id=sweep_id))

    def finish_run(
        self,
        run_id: str,
        state: RunState,
        exit_code: int | None = None,
        reason: str = "",
        now: float | None = None,
    ) -> RunRecord:
        return self.update_run(
            run_id, RunChanges(state=state, exit_code=exit_code, end_reason=reason), now=now
        )
