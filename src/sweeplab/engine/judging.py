"""When to judge early termination: as new metrics arrive, but not too often.

Judging a sweep (:func:`sweeplab.engine.stopping.evaluate_stopping`) reads every run and every
history of its metric, so it is worth doing once for many new rows, not once per ship. A
:class:`StoppingJudge` decides when; the server's background task and a run's writer on a local
store both use one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sweeplab.domain import StopDecision


@dataclass
class StoppingJudge:
    """Early termination judged as metrics arrive, off the request path, at most once per
    ``interval_seconds`` per sweep, and never more than ``max_share`` of the time.

    On a server, an ingest of new rows for a sweep's run notes the sweep
    (:meth:`note_new_metrics`, cheap); the app's background task takes the sweeps that are due
    (:meth:`take_due`) and judges each one, so a hundred agents shipping cost one judgement a
    second, not one per request. On a local store, a run's writer calls :meth:`judge_if_due`
    after each ship. The verdicts reach runs on their next ship or heartbeat
    (``stop_requested``).

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

    def judge_if_due(
        self, sweep_id: str, evaluate: Callable[[], list[StopDecision]]
    ) -> list[StopDecision] | None:
        """Note new metrics of ``sweep_id`` and judge it now if it is due (else ``None``);
        other noted sweeps are left as they are."""
        with self._lock:
            if self._next_at(sweep_id) > self.clock():
                self._due.add(sweep_id)
                return None
            self._due.discard(sweep_id)
        return self.judge(sweep_id, evaluate, fresh=True)

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
