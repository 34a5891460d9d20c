from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest

from sweeplab.agents import (
    AgentLoop,
    AgentSettings,
    PrintReporter,
    RunAssignment,
    RunOutcome,
    StopFlag,
)
from sweeplab.domain import RunState
from sweeplab.engine import Controller
from sweeplab.store.memory import MemoryStore

GRID: dict[str, Any] = {"method": "grid", "parameters": {"a": {"values": [1, 2, 3, 4, 5]}}}

# Fast timings so loops with heartbeats finish in milliseconds.
FAST = AgentSettings(lease_seconds=5, heartbeat_seconds=0.02, kill_grace_seconds=0.5,
                     paused_poll_seconds=0.05)


class ScriptedLauncher:
    """Returns outcomes from a function of the assignment; remembers what it ran."""

    def __init__(self, decide: Callable[[RunAssignment, StopFlag], RunOutcome] | None = None) -> None:
        self.decide = decide or (lambda assignment, stop: RunOutcome(RunState.FINISHED, 0))
        self.assignments: list[RunAssignment] = []

    def run(self, assignment: RunAssignment, stop: StopFlag) -> RunOutcome:
        self.assignments.append(assignment)
        return self.decide(assignment, stop)


@pytest.fixture
def controller() -> Controller:
    return Controller(MemoryStore())


@pytest.fixture
def output() -> io.StringIO:
    return io.StringIO()


def make_loop(controller: Controller, sweep_id: str, launcher: Any, output: io.StringIO,
              **kwargs: Any) -> AgentLoop:
    kwargs.setdefault("settings", FAST)
    return AgentLoop(controller, sweep_id, launcher, reporter=PrintReporter(output), **kwargs)
