"""Stores whose server runs the controller itself: :class:`ServerCoordinatedStore`.

A :class:`~sweeplab.engine.Controller` normally plans claims, judges early termination and
keeps leases against its store directly. Over HTTP (the remote store) that cannot work as
is: a claim planner is a Python function and cannot travel, and leases must run on the
server's clock, not on whatever the clock of an agent's machine says. A store with these
methods hands those calls to its server, where a controller over the real store answers them.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from sweeplab.domain import RunRecord, StopDecision
from sweeplab.store.base import Claim


@runtime_checkable
class ServerCoordinatedStore(Protocol):
    """What a store whose server coordinates sweeps offers (``RemoteStore``)."""

    def claim_next_run(self, sweep_id: str, lease_seconds: float) -> Claim:
        """The server's ``Controller.claim_next_run`` (exactly once across all agents)."""
        ...

    def agent_heartbeat(self, run_id: str, lease_seconds: float) -> RunRecord:
        """Extend the lease on the server's clock after judging early termination there."""
        ...

    def evaluate_stopping(self, sweep_id: str) -> list[StopDecision]:
        """The server's ``Controller.evaluate_stopping``."""
        ...
