"""What an agent tells the person watching it: runs starting and ending, waits, the end.

The loop talks to an :class:`AgentReporter`; :class:`PrintReporter` writes plain lines (the
in-process ``sweeplab.agent()``), the CLI supplies one with a progress bar.
"""

from __future__ import annotations

import sys
from typing import Protocol, TextIO

from sweeplab.agents.result import AgentResult
from sweeplab.domain import RunRecord, RunState, SweepRecord


class AgentReporter(Protocol):
    """Receives an agent's events, in order."""

    def agent_started(self, sweep: SweepRecord, count: int | None) -> None: ...

    def run_started(self, run: RunRecord, number: int) -> None: ...

    def run_ended(self, run: RunRecord, number: int) -> None: ...

    def message(self, text: str) -> None: ...

    def warning(self, text: str) -> None: ...

    def agent_finished(self, result: AgentResult) -> None: ...


def describe_config(config: object) -> str:
    """A run's config on one line, ``key=value`` separated by commas."""
    if isinstance(config, dict):
        return ", ".join(f"{key}={value}" for key, value in config.items())
    return str(config)


def describe_end(run: RunRecord) -> str:
    """``run abc finished`` plus the reason when there is one."""
    text = f"run {run.run_id} {run.state.value}"
    if run.exit_code not in (None, 0):
        text += f" (exit code {run.exit_code})"
    if run.end_reason and run.state is not RunState.FINISHED:
        first_line = run.end_reason.strip().splitlines()[0] if run.end_reason.strip() else ""
        text += f": {first_line}"
    return text


class PrintReporter:
    """Plain ``sweeplab: ...`` lines on a stream (stderr by default)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    def _say(self, text: str) -> None:
        stream = self._stream or sys.stderr
        print(f"sweeplab: {text}", file=stream, flush=True)

    def agent_started(self, sweep: SweepRecord, count: int | None) -> None:
        budget = "" if count is None else f" for up to {count} run{'s' if count != 1 else ''}"
        self._say(f"agent starting on sweep {sweep.sweep_id} ({sweep.name}){budget}")

    def run_started(self, run: RunRecord, number: int) -> None:
        self._say(f"run {number}: {run.run_id} with {describe_config(run.config)}")

    def run_ended(self, run: RunRecord, number: int) -> None:
        self._say(describe_end(run))

    def message(self, text: str) -> None:
        self._say(text)

    def warning(self, text: str) -> None:
        self._say(f"warning: {text}")

    def agent_finished(self, result: AgentResult) -> None:
        self._say(result.message)
