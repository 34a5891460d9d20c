"""What a launcher is: it runs one claimed run to its end and says how it ended.

The agent loop (:mod:`sweeplab.agents.loop`) claims a run, hands it to a :class:`Launcher`
together with a :class:`StopFlag`, and heartbeats on another thread while the launcher works.
When the store says the run should stop, the heartbeat thread sets the flag; the launcher
reacts as it can (a subprocess gets SIGTERM, then SIGKILL; an in-process function stops at
its next ``log()``). The launcher returns a :class:`RunOutcome`, which the loop records.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol

from sweeplab.domain import RunRecord, RunState, SweepRecord
from sweeplab.store.base import Store
from sweeplab.sweep_config import SweepConfig


@dataclass(frozen=True)
class RunAssignment:
    """One claimed run and what a launcher needs to run it."""

    run: RunRecord
    sweep: SweepRecord
    config: SweepConfig
    store: Store
    lease_seconds: float
    heartbeat_seconds: float


@dataclass(frozen=True)
class RunOutcome:
    """How a run ended: its final state, the exit code if there was a process, and why."""

    state: RunState
    exit_code: int | None = None
    reason: str = ""
    # The user (Ctrl-C) or a signal interrupted the agent: run no more after this one.
    interrupted: bool = False


class StopFlag:
    """Set (once, with a reason) when the run should stop; safe to use from any thread."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._reason = ""

    def set(self, reason: str) -> None:
        with self._lock:
            if not self._event.is_set():
                self._reason = reason
                self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()

    @property
    def reason(self) -> str:
        with self._lock:
            return self._reason

    def wait(self, timeout_seconds: float) -> bool:
        """Sleep until the flag is set or the time is up; True if set."""
        return self._event.wait(timeout_seconds)


class Launcher(Protocol):
    """Runs one claimed run to its end (blocking) and returns how it ended."""

    def run(self, assignment: RunAssignment, stop: StopFlag) -> RunOutcome: ...
