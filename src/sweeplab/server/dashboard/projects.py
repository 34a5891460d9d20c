"""The projects page's numbers: runs, sweeps, running runs and last activity per project.

The store has no project table; projects are the names runs and sweeps carry. Counting them
reads every run once, so the result is cached for ``cache_seconds`` (the page stays cheap under
repeated loads; numbers may lag by that much).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sweeplab.domain import RunState
from sweeplab.store.base import RunQuery, Store


@dataclass(frozen=True)
class ProjectSummary:
    """One project as the projects page lists it."""

    name: str
    run_count: int = 0
    running_count: int = 0
    sweep_count: int = 0
    last_activity: float = 0.0


def project_summaries(store: Store) -> list[ProjectSummary]:
    """Every project with its counts, most recently active first."""
    counts: dict[str, dict[str, float]] = {}

    def entry(name: str) -> dict[str, float]:
        return counts.setdefault(name, {"runs": 0, "running": 0, "sweeps": 0, "last": 0.0})

    for sweep in store.list_sweeps():
        item = entry(sweep.project)
        item["sweeps"] += 1
        item["last"] = max(item["last"], sweep.updated_at)
    for run in store.list_runs(RunQuery()):
        item = entry(run.project)
        item["runs"] += 1
        item["running"] += run.state is RunState.RUNNING
        item["last"] = max(item["last"], run.updated_at)
    summaries = [
        ProjectSummary(
            name=name,
            run_count=int(item["runs"]),
            running_count=int(item["running"]),
            sweep_count=int(item["sweeps"]),
            last_activity=item["last"],
        )
        for name, item in counts.items()
    ]
    summaries.sort(key=lambda summary: (-summary.last_activity, summary.name))
    return summaries


class ProjectCache:
    """:func:`project_summaries`, recomputed at most every ``cache_seconds``."""

    def __init__(
        self, store: Store, cache_seconds: float = 5.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._store = store
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._cached: tuple[float, list[ProjectSummary]] | None = None

    def summaries(self) -> list[ProjectSummary]:
        now = self._clock()
        with self._lock:
            if self._cached is not None and self._cached[0] > now:
                return self._cached[1]
        summaries = project_summaries(self._store)
        with self._lock:
            self._cached = (now + self._cache_seconds, summaries)
        return summaries

    def peek(self, name: str) -> ProjectSummary | None:
        """The project's summary if one was computed recently; never triggers the scan (the
        runs table must stay fast on a project of 10,000 runs)."""
        now = self._clock()
        with self._lock:
            cached = self._cached
        if cached is None or cached[0] <= now:
            return None
        return next((item for item in cached[1] if item.name == name), None)
