"""What every request handler shares, kept on ``app.state.sweeplab``: :class:`ServerState`.

Handlers reach it through the FastAPI dependencies at the bottom (``StoreDep``,
``ControllerDep``, ``StateDep``), so no module holds a global store.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from sweeplab.engine import Controller
from sweeplab.engine.judging import StoppingJudge
from sweeplab.server.auth import Authenticator
from sweeplab.server.claims import ClaimTurns, RecentClaims
from sweeplab.server.settings import ServerSettings
from sweeplab.store.base import Store


@dataclass
class ReapThrottle:
    """Agents ask the server to reap on every beat; the server reaps by itself anyway, so
    such requests reap at most once per ``interval_seconds`` (each reap takes the database's
    write lock)."""

    interval_seconds: float = 1.0
    _last: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def due(self) -> bool:
        now = time.monotonic()
        with self._lock:
            if self._last is not None and now - self._last < self.interval_seconds:
                return False
            self._last = now
            return True


@dataclass
class ServerState:
    store: Store
    settings: ServerSettings
    controller: Controller
    authenticator: Authenticator
    recent_claims: RecentClaims = field(default_factory=RecentClaims)
    claim_turns: ClaimTurns = field(default_factory=ClaimTurns)
    stopping: StoppingJudge = field(default_factory=StoppingJudge)
    reaping: ReapThrottle = field(default_factory=ReapThrottle)
    # Called when the server is asked to stop, before it waits for open connections: live
    # streams end at once instead of holding the graceful shutdown to its timeout.
    shutdown_hooks: list[Callable[[], None]] = field(default_factory=list)

    def begin_shutdown(self) -> None:
        """Run the shutdown hooks (safe to call more than once, from a signal handler)."""
        for hook in self.shutdown_hooks:
            hook()


def server_state(request: Request) -> ServerState:
    state: ServerState = request.app.state.sweeplab
    return state


def store_of(request: Request) -> Store:
    return server_state(request).store


def controller_of(request: Request) -> Controller:
    return server_state(request).controller


StateDep = Annotated[ServerState, Depends(server_state)]
StoreDep = Annotated[Store, Depends(store_of)]
ControllerDep = Annotated[Controller, Depends(controller_of)]
