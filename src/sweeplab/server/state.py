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

from sweeplab.domain import StopDecision
from sweeplab.engine import Controller
from sweeplab.server.auth import Authenticator
from sweeplab.server.claims import ClaimTurns, RecentClaims
from sweeplab.server.settings import ServerSettings
from sweeplab.store.base import Store


@dataclass
class StoppingJudge:
    """Early termination judged as metrics arrive, off the request path, at most once per
    ``interval_seconds`` per sweep, and never more than ``max_share`` of the time.

    An ingest of new rows for a sweep's run notes the sweep (:meth:`note_new_metrics`, cheap);
    the app's background task takes the sweeps that are due (:meth:`take_due`) and judges each
    one, so a hundred agents flushing cost one judgement a second, not one per request. The
    verdicts reach agents on their next ingest answer or heartbeat (``stop_requested``).

    A judgement reads every run of the sweep and every history of its metric: 50 ms at 400
    runs on SQLite, far more for a sweep of 10,000. So a sweep whose last judgement took
    ``t`` seconds is judged again only ``t / max_share`` seconds after it started: judging
    never takes more than that share of a thread, and big sweeps are judged less often.
    """

    # How often noted sweeps are judged, and how old a judgement an explicit request
    # (``POST /sweeps/{id}/stop-decisions``) may reuse (``ServerSettings``).
    interval_seconds: float = 1.0
    max_share: float = 0.1
    clock: Callable[[], float] = time.monotonic
    _due: set[str] = field(default_factory=set)
    # sweep id -> (when its last judgement started, how long it took, its verdicts)
    _last: dict[str, tuple[float, float, list[StopDecision]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def note_new_metrics(self, sweep_id: str) -> None:
        with self._lock:
            self._due.add(sweep_id)

    def take_due(self) -> list[str]:
        """The noted sweeps whose next judgement is due (each once, sorted); the others
        stay noted for a later call."""
        now = self.clock()
        with self._lock:
            due = sorted(sweep_id for sweep_id in self._due if self._next_at(sweep_id) <= now)
            self._due.difference_update(due)
        return due

    def _next_at(self, sweep_id: str) -> float:
        last = self._last.get(sweep_id)
        if last is None:
            return float("-inf")
        started, took, _ = last
        return started + max(self.interval_seconds, took / self.max_share)

    def judge(
        self, sweep_id: str, evaluate: Callable[[], list[StopDecision]], fresh: bool = False
    ) -> list[StopDecision]:
        """``evaluate()``'s verdicts, or the last ones if they are recent enough (never with
        ``fresh``: the background task judges new metrics whatever was asked meanwhile)."""
        started = self.clock()
        with self._lock:
            last = self._last.get(sweep_id)
            if not fresh and last is not None and started - last[0] < self.interval_seconds:
                return last[2]
            if len(self._last) > 10_000:
                self._last.clear()
            # Noted before judging, so concurrent askers do not all judge at once.
            self._last[sweep_id] = (started, 0.0, last[2] if last is not None else [])
        decisions = evaluate()
        with self._lock:
            self._last[sweep_id] = (started, self.clock() - started, decisions)
        return decisions


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
