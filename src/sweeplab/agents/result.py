"""How an agent's work ended: why it stopped asking for runs, and how many it ran."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class AgentExit(StrEnum):
    """Why an agent stopped asking for runs."""

    COUNT_REACHED = "count_reached"  # it ran the ``count`` runs it was asked for
    SWEEP_DONE = "sweep_done"  # finished (grid exhausted, run_cap, target), stopped or canceled
    TOO_MANY_FAILURES = "too_many_failures"  # max_consecutive_failures runs failed in a row
    INTERRUPTED = "interrupted"  # Ctrl-C or SIGTERM

    @property
    def is_failure(self) -> bool:
        return self is AgentExit.TOO_MANY_FAILURES


@dataclass(frozen=True)
class AgentResult:
    """What an agent did: ``runs`` it ran (``failed`` of them failed) and why it ended."""

    exit: AgentExit
    message: str
    runs: int = 0
    failed: int = 0
