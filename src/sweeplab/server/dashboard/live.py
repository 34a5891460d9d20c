"""Live updates for open pages, as server-sent events (SSE).

Two streams, both polling the store server-side at ``LiveSettings.poll_seconds`` (the store has
no change feed; one cheap read per tick per stream is affordable, and it works the same for
SQLite, PostgreSQL and the remote store):

- ``runs``: for a handful of runs (a run page and the runs it overlays, or a runs table's
  running runs), ``metrics`` events with the points logged since the client's cursor and
  ``run`` events when a run's state or summary changes. Metric points are read only when the
  run's ``updated_at`` moved (the SDK ships the summary with every batch of metrics).
  Each event's ``id`` is the cursor (``run:step,...``), so a reconnecting ``EventSource`` (it
  sends ``Last-Event-ID``) resumes where it stopped. The stream says ``end`` and closes once
  every run is terminal.
- ``sweep``: a ``sweep`` event whenever the sweep's analysis could have changed (its state, or
  any run updated); the page then re-fetches the analysis, which is cached server-side.

Streams end cleanly, with an ``end`` event, when :meth:`LiveHub.close` is called (server
shutdown), when the client goes away, and after ``max_stream_seconds`` (the browser reconnects
by itself; this bounds how long a forgotten stream can hold a worker and keeps a server that
was never told about its shutdown from waiting on them for long).
"""

from __future__ import annotations

import asyncio
import json
import math
import threading
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from sweeplab.domain import RunRecord, RunState
from sweeplab.errors import NotFoundError
from sweeplab.server.dashboard.sampling import round_float
from sweeplab.store.base import Store

# A run page overlays at most this many runs; more would mean one query per run per tick.
MAX_STREAM_RUNS = 20


@dataclass(frozen=True)
class LiveSettings:
    """How often streams poll the store, and how long one stream lasts at most."""

    poll_seconds: float = 1.0
    max_stream_seconds: float = 300.0
    # A comment line this often keeps proxies from closing an idle stream.
    keepalive_seconds: float = 15.0
    # The browser waits this long before reconnecting a dropped stream.
    retry_milliseconds: int = 2000


@dataclass
class LiveHub:
    """Shared by every stream of one app: settings, and the shutdown signal."""

    store: Store
    settings: LiveSettings = field(default_factory=LiveSettings)
    closing: threading.Event = field(default_factory=threading.Event)
    clock: Callable[[], float] = time.monotonic

    def close(self) -> None:
        """End every open stream at its next tick (call on server shutdown)."""
        self.closing.set()

    @property
    def is_closing(self) -> bool:
        return self.closing.is_set()


def format_event(event: str, data: Any, event_id: str | None = None) -> str:
    """One SSE message; ``data`` as compact JSON (NaN/±Inf already replaced by callers)."""
    lines = [f"event: {event}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.append("data: " + json.dumps(data, separators=(",", ":"), allow_nan=False))
    return "\n".join(lines) + "\n\n"


def parse_cursor(text: str, run_ids: Sequence[str]) -> dict[str, int]:
    """``"a:12,b:3"`` → ``{"a": 12, "b": 3}`` for the given runs (others and junk ignored)."""
    cursor = dict.fromkeys(run_ids, -1)
    for part in text.split(",")[:MAX_STREAM_RUNS]:
        run_id, _, step = part.partition(":")
        if run_id in cursor:
            try:
                cursor[run_id] = int(step)
            except ValueError:
                continue
    return cursor


def format_cursor(cursor: Mapping[str, int]) -> str:
    return ",".join(f"{run_id}:{step}" for run_id, step in cursor.items())


@dataclass
class _RunWatch:
    """What a runs stream last told the client about one run."""

    state: str = ""
    updated_at: float = -1.0
    after_step: int = -1


class RunsStream:
    """The ``runs`` stream's polling logic, free of async so tests can drive it directly."""

    def __init__(
        self, store: Store, run_ids: Sequence[str], cursor: Mapping[str, int], metrics: bool
    ) -> None:
        self._store = store
        self._metrics = metrics
        self.watches = {run_id: _RunWatch(after_step=cursor.get(run_id, -1)) for run_id in run_ids}

    def poll(self) -> list[tuple[str, dict[str, Any]]]:
        """Events for what changed since the last poll (blocking store reads)."""
        events: list[tuple[str, dict[str, Any]]] = []
        for run_id, watch in self.watches.items():
            try:
                run = self._store.get_run(run_id)
            except NotFoundError:
                continue
            if run.updated_at == watch.updated_at and run.state.value == watch.state:
                continue
            if self._metrics:
                points = self._new_points(run_id, watch)
                if points:
                    events.append(("metrics", {"run_id": run_id, "points": points}))
            if run.state.value != watch.state or run.updated_at != watch.updated_at:
                events.append(("run", _run_event(run)))
            watch.state = run.state.value
            watch.updated_at = run.updated_at
        return events

    def _new_points(self, run_id: str, watch: _RunWatch) -> dict[str, list[list[Any]]]:
        # TODO(server core): read only steps after the cursor once the store can.
        series = self._store.read_metrics(run_id)
        points: dict[str, list[list[Any]]] = {}
        newest = watch.after_step
        for key, rows in series.items():
            fresh = [(step, value) for step, value in rows if step > watch.after_step]
            if fresh:
                points[key] = [[step, round_float(value)] for step, value in fresh]
                newest = max(newest, fresh[-1][0])
        watch.after_step = newest
        return points

    @property
    def finished(self) -> bool:
        """True once every watched run that exists is terminal."""
        states = [watch.state for watch in self.watches.values() if watch.state]
        return bool(states) and all(RunState(state).is_terminal for state in states)

    def cursor(self) -> str:
        return format_cursor({run_id: watch.after_step for run_id, watch in self.watches.items()})


def _run_event(run: RunRecord) -> dict[str, Any]:
    summary = {
        key: (round_float(value) if isinstance(value, float) else value)
        for key, value in run.summary.items()
        if isinstance(value, int | float | str | bool) and not key.startswith("_")
    }
    return {
        "run_id": run.run_id,
        "state": run.state.value,
        "end_reason": run.end_reason,
        "updated_at": run.updated_at,
        "runtime_seconds": max(0.0, run.updated_at - run.created_at),
        "summary": summary,
    }


async def runs_event_stream(
    hub: LiveHub, request: Request, stream: RunsStream
) -> AsyncIterator[str]:
    """The ``runs`` stream: an event per change until the runs end or the stream must close."""
    settings = hub.settings
    yield f"retry: {settings.retry_milliseconds}\n\n"
    deadline = hub.clock() + settings.max_stream_seconds
    last_sent = hub.clock()
    while True:
        events = await run_in_threadpool(stream.poll)
        for event, data in events:
            yield format_event(event, data, stream.cursor())
        if events:
            last_sent = hub.clock()
        if stream.finished:
            yield format_event("end", {"reason": "finished"})
            return
        if hub.clock() - last_sent >= settings.keepalive_seconds:
            yield ": keepalive\n\n"
            last_sent = hub.clock()
        reason = await _wait_tick(hub, request, deadline)
        if reason:
            yield format_event("end", {"reason": reason})
            return


async def sweep_event_stream(
    hub: LiveHub, request: Request, token_of: Callable[[], tuple[Any, ...]]
) -> AsyncIterator[str]:
    """The ``sweep`` stream: an event whenever ``token_of()`` changes."""
    settings = hub.settings
    yield f"retry: {settings.retry_milliseconds}\n\n"
    deadline = hub.clock() + settings.max_stream_seconds
    last_token: tuple[Any, ...] | None = None
    last_sent = hub.clock()
    while True:
        token = await run_in_threadpool(token_of)
        if last_token is not None and token != last_token:
            yield format_event("sweep", {"state": token[0]})
            last_sent = hub.clock()
        last_token = token
        if hub.clock() - last_sent >= settings.keepalive_seconds:
            yield ": keepalive\n\n"
            last_sent = hub.clock()
        reason = await _wait_tick(hub, request, deadline)
        if reason:
            yield format_event("end", {"reason": reason})
            return


async def _wait_tick(hub: LiveHub, request: Request, deadline: float) -> str:
    """Sleep one poll interval in short slices; the reason to stop, or "" to go on."""
    settings = hub.settings
    slices = max(1, math.ceil(settings.poll_seconds / 0.1))
    for _ in range(slices):
        if hub.is_closing:
            return "server shutting down"
        if await request.is_disconnected():
            return "client gone"
        if hub.clock() >= deadline:
            return "stream lifetime reached; reconnect"
        await asyncio.sleep(settings.poll_seconds / slices)
    return ""
