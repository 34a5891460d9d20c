"""How a run may change: the one implementation of the contract's update rules.

Every store applies :func:`apply_run_changes` to the run it read (under its lock or in its
transaction) and writes back the result, so memory and SQL stores cannot drift apart.

- A state change follows :mod:`sweeplab.domain.states`; setting the state a run already has is
  a no-op, an illegal move raises :class:`~sweeplab.errors.StateTransitionError`.
- ``config`` and ``summary`` merge key by key (top level) into what the run has.
- A *final* run (finished, failed or stopped: no way out) keeps its config, summary, state and
  outcome; a change to them raises :class:`~sweeplab.errors.RunFinishedError`, while a repeat of
  what it already holds is a no-op (so a retried ``finish`` or a second ``sync`` succeeds). Its
  name, tags and notes stay editable, as in W&B's UI.
- A crashed run is terminal but not final: its agent may only have been partitioned away, so it
  may still report metrics, summary values and finish.
- A claim's planned run (:func:`planned_run_record`) starts ``running`` and leased, on a grid
  point no run of the sweep holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from sweeplab.domain import RunRecord, RunState, SweepRecord
from sweeplab.errors import ConflictError, RunFinishedError
from sweeplab.store.base import PlannedRun, RunChanges
from sweeplab.store.json_values import json_copy, json_text

# What a final run may no longer change (name, tags and notes are not in the list).
_FROZEN_WHEN_FINAL = ("state", "config", "summary", "exit_code", "end_reason", "stop_requested")


def is_final(state: RunState) -> bool:
    """Whether a run in ``state`` can never change again (terminal with no way out)."""
    return state.is_terminal and not any(state.can_become(other) for other in RunState)


def apply_run_changes(current: RunRecord, changes: RunChanges, now: float) -> RunRecord:
    """``current`` with ``changes`` applied at time ``now``, or raise if the contract forbids it.

    Returns ``current`` itself when nothing would change, so a caller can skip the write.
    """
    state = current.state
    if changes.state is not None and changes.state is not current.state:
        state = current.state.transition(changes.state)
    config = current.config
    if changes.config is not None:
        config = {**current.config, **json_copy(dict(changes.config))}
    summary = current.summary
    if changes.summary is not None:
        summary = {**current.summary, **json_copy(dict(changes.summary))}
    updated = replace(
        current,
        state=state,
        config=config,
        summary=summary,
        name=current.name if changes.name is None else changes.name,
        tags=current.tags if changes.tags is None else tuple(changes.tags),
        notes=current.notes if changes.notes is None else changes.notes,
        exit_code=current.exit_code if changes.exit_code is None else changes.exit_code,
        end_reason=current.end_reason if changes.end_reason is None else changes.end_reason,
        stop_requested=(
            current.stop_requested if changes.stop_requested is None else changes.stop_requested
        ),
        # A run that ended holds no lease, so nothing can reap it again.
        lease_expires_at=None if state.is_terminal else current.lease_expires_at,
    )
    if _same_record(current, updated):
        return current
    if is_final(current.state):
        changed = [
            name
            for name in _FROZEN_WHEN_FINAL
            if json_text(_field(current, name)) != json_text(_field(updated, name))
        ]
        if changed:
            raise RunFinishedError(
                f"run {current.run_id!r} is {current.state.value}, so its "
                f"{', '.join(changed)} can no longer change; start a new run instead"
            )
    return replace(updated, updated_at=now)


def _field(record: RunRecord, name: str) -> object:
    value = getattr(record, name)
    return value.value if isinstance(value, RunState) else value


def _same_record(left: RunRecord, right: RunRecord) -> bool:
    names = (*_FROZEN_WHEN_FINAL, "name", "tags", "notes", "lease_expires_at")
    return all(json_text(_field(left, name)) == json_text(_field(right, name)) for name in names)


def planned_run_record(
    run_id: str,
    sweep: SweepRecord,
    sweep_runs: Sequence[RunRecord],
    planned: PlannedRun,
    *,
    lease_seconds: float,
    now: float,
) -> RunRecord:
    """The run a claim inserts for ``planned``; raises :class:`ConflictError` if the sweep
    already holds its grid point."""
    point_key = planned.point_key
    if point_key is not None and any(run.point_key == point_key for run in sweep_runs):
        raise duplicate_point_error(sweep.sweep_id, point_key)
    return RunRecord(
        run_id=run_id,
        state=RunState.RUNNING,
        config=json_copy(dict(planned.config)),
        project=sweep.project,
        sweep_id=sweep.sweep_id,
        created_at=now,
        updated_at=now,
        heartbeat_at=now,
        lease_expires_at=now + lease_seconds,
        suggestion_info=json_copy(dict(planned.suggestion_info)),
        point_key=point_key,
    )


def duplicate_point_error(sweep_id: str, point_key: str) -> ConflictError:
    """The error for a planned run whose grid point the sweep already has."""
    return ConflictError(
        f"sweep {sweep_id!r} already has a run at grid point {point_key!r}; "
        "the planner must skip points held by existing runs"
    )
