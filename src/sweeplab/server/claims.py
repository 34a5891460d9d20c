"""Claims a client may retry safely, claims taking turns per sweep, and the fingerprint of
what a planner saw.

:class:`RecentClaims` answers a retried claim (same ``request_id``) with the run the first
attempt claimed, so a lost response never costs a sweep a second run. :func:`fingerprint`
summarises exactly what a :data:`~sweeplab.store.base.ClaimPlanner` is shown, so a decision
made by a planner on a client is applied only if the sweep still looks the same.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence

from sweeplab.domain import RunRecord, SweepRecord
from sweeplab.store.json_values import json_text
from sweeplab.wire.models import ClaimOut

_MAX_REMEMBERED = 10_000
_MAX_TURN_LOCKS = 10_000
_REMEMBER_SECONDS = 600.0


class RecentClaims:
    """Claim answers by request id, for ``_REMEMBER_SECONDS``; concurrent repeats wait."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._answers: OrderedDict[str, tuple[float, ClaimOut]] = OrderedDict()
        self._pending: dict[str, threading.Lock] = {}

    def answer(self, request_id: str | None, claim: Callable[[], ClaimOut]) -> ClaimOut:
        """``claim()``'s answer, or the one remembered for ``request_id``."""
        if not request_id:
            return claim()
        with self._lock:
            remembered = self._remembered(request_id)
            if remembered is not None:
                return remembered
            pending = self._pending.setdefault(request_id, threading.Lock())
        with pending:  # a repeat arriving while the first attempt runs waits for its answer
            with self._lock:
                remembered = self._remembered(request_id)
            if remembered is not None:
                return remembered
            try:
                answer = claim()
            finally:
                with self._lock:
                    self._pending.pop(request_id, None)
            with self._lock:
                self._answers[request_id] = (time.monotonic() + _REMEMBER_SECONDS, answer)
                while len(self._answers) > _MAX_REMEMBERED:
                    self._answers.popitem(last=False)
            return answer

    def _remembered(self, request_id: str) -> ClaimOut | None:
        entry = self._answers.get(request_id)
        if entry is None:
            return None
        if entry[0] < time.monotonic():
            del self._answers[request_id]
            return None
        return entry[1]


class ClaimTurns:
    """An asyncio lock per sweep: claims of one sweep wait their turn on the event loop.

    The controller makes one process's claims of a sweep take turns anyway; waiting here
    instead means a waiting claim holds none of the server's worker threads (a hundred agents
    starting at once would otherwise hold them all, and every other request would queue).
    """

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}

    def turn(self, sweep_id: str) -> asyncio.Lock:
        lock = self._locks.get(sweep_id)
        if lock is None:
            if len(self._locks) >= _MAX_TURN_LOCKS:  # forget sweeps nobody is claiming now
                self._locks = {key: held for key, held in self._locks.items() if held.locked()}
            lock = self._locks[sweep_id] = asyncio.Lock()
        return lock


def fingerprint(sweep: SweepRecord, runs: Sequence[RunRecord]) -> str:
    """A hash of the sweep and of each run's fields a planner may look at."""
    seen = [
        [sweep.sweep_id, sweep.state.value, sweep.state_reason, sweep.updated_at],
        [
            [
                run.run_id,
                run.state.value,
                run.point_key,
                run.updated_at,
                run.config,
                run.summary,
            ]
            for run in runs
        ],
    ]
    return hashlib.sha256(json_text(seen).encode("utf-8")).hexdigest()
