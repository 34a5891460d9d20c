"""Run and sweep states, with their allowed transitions kept as data."""

from __future__ import annotations

from enum import StrEnum

from sweeplab.errors import StateTransitionError


class RunState(StrEnum):
    """Life cycle of one run. Names follow W&B where W&B has one."""

    PENDING = "pending"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    CRASHED = "crashed"
    STOPPED = "stopped"

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL_RUN_STATES

    def can_become(self, target: RunState) -> bool:
        return target in _RUN_TRANSITIONS[self]

    def transition(self, target: RunState) -> RunState:
        """Return ``target`` if the move is allowed, else raise naming both states."""
        if not self.can_become(target):
            raise StateTransitionError("run", self.value, target.value)
        return target


_TERMINAL_RUN_STATES = frozenset(
    {RunState.FINISHED, RunState.FAILED, RunState.CRASHED, RunState.STOPPED}
)

_RUN_TRANSITIONS: dict[RunState, frozenset[RunState]] = {
    RunState.PENDING: frozenset(
        {RunState.RUNNING, RunState.FAILED, RunState.CRASHED, RunState.STOPPED}
    ),
    RunState.RUNNING: frozenset(
        {RunState.FINISHED, RunState.FAILED, RunState.CRASHED, RunState.STOPPED}
    ),
    # Finished runs are immutable, except that a run reaped as crashed may still report in
    # (its agent was only partitioned away) and finish properly.
    RunState.CRASHED: frozenset({RunState.FINISHED, RunState.FAILED, RunState.STOPPED}),
    RunState.FINISHED: frozenset(),
    RunState.FAILED: frozenset(),
    RunState.STOPPED: frozenset(),
}


class SweepState(StrEnum):
    """Life cycle of a sweep. ``finished`` means exhausted or run_cap reached."""

    RUNNING = "running"
    PAUSED = "paused"
    FINISHED = "finished"
    STOPPED = "stopped"
    CANCELED = "canceled"

    @property
    def is_terminal(self) -> bool:
        return self in _TERMINAL_SWEEP_STATES

    @property
    def hands_out_runs(self) -> bool:
        return self is SweepState.RUNNING

    def can_become(self, target: SweepState) -> bool:
        return target in _SWEEP_TRANSITIONS[self]

    def transition(self, target: SweepState) -> SweepState:
        """Return ``target`` if the move is allowed, else raise naming both states."""
        if not self.can_become(target):
            raise StateTransitionError("sweep", self.value, target.value)
        return target


_TERMINAL_SWEEP_STATES = frozenset({SweepState.FINISHED, SweepState.STOPPED, SweepState.CANCELED})

_SWEEP_TRANSITIONS: dict[SweepState, frozenset[SweepState]] = {
    SweepState.RUNNING: frozenset(
        {SweepState.PAUSED, SweepState.FINISHED, SweepState.STOPPED, SweepState.CANCELED}
    ),
    SweepState.PAUSED: frozenset(
        {SweepState.RUNNING, SweepState.FINISHED, SweepState.STOPPED, SweepState.CANCELED}
    ),
    SweepState.FINISHED: frozenset(),
    SweepState.STOPPED: frozenset(),
    SweepState.CANCELED: frozenset(),
}
