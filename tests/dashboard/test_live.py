"""Live updates: the polling logic, and the SSE streams end to end (including shutdown)."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from fastapi import FastAPI

from sweeplab.domain import RunState
from sweeplab.server.auth import Authenticator
from sweeplab.server.dashboard import DashboardRouter, build_dashboard_router
from sweeplab.server.dashboard.live import (
    LiveSettings,
    RunsStream,
    format_cursor,
    format_event,
    parse_cursor,
)
from sweeplab.server.errors import install_error_handlers
from sweeplab.server.settings import ServerSettings
from sweeplab.store.base import MetricRow, NewRun, RunChanges, Store
from tests.dashboard.conftest import AppClient
from tests.dashboard.sweep_data import SweepData


def fast_app(store: Store, **live: float) -> tuple[FastAPI, DashboardRouter]:
    """The dashboard alone, with streams that poll every 50 ms and end after ``lifetime``."""
    settings = ServerSettings()
    app = FastAPI()
    app.state.authenticator = Authenticator(store, settings)
    install_error_handlers(app)
    options = {"poll_seconds": 0.05, "max_stream_seconds": 0.6, **live}
    router = build_dashboard_router(store, settings, live=LiveSettings(**options))  # type: ignore[arg-type]
    app.include_router(router)
    return app, router


def events_of(body: str) -> list[tuple[str, dict[str, Any], str | None]]:
    """(event, data, id) of every message in an SSE body."""
    found = []
    for block in body.split("\n\n"):
        fields = dict(
            line.split(": ", 1)
            for line in block.splitlines()
            if ": " in line and not line.startswith(":")
        )
        if "event" in fields:
            found.append((fields["event"], json.loads(fields["data"]), fields.get("id")))
    return found


def test_cursor_round_trip_ignores_junk() -> None:
    cursor = parse_cursor("a:3,b:x,c:9,a", ["a", "b"])
    assert cursor == {"a": 3, "b": -1}
    assert format_cursor(cursor) == "a:3,b:-1"
    assert (
        format_event("end", {"reason": "x"}, "a:1")
        == 'event: end\nid: a:1\ndata: {"reason":"x"}\n\n'
    )


def test_poll_reports_new_points_and_state_changes(store: Store) -> None:
    run = store.create_run(NewRun(project="p"))
    store.log_metrics(run.run_id, [MetricRow(step, "loss", 1.0) for step in range(3)])
    stream = RunsStream(store, [run.run_id], {run.run_id: 0}, metrics=True)
    first = stream.poll()
    assert first[0] == ("metrics", {"run_id": run.run_id, "points": {"loss": [[1, 1.0], [2, 1.0]]}})
    assert first[1][0] == "run" and first[1][1]["state"] == "running"
    assert stream.poll() == []  # nothing changed
    store.log_metrics(run.run_id, [MetricRow(3, "loss", float("nan")), MetricRow(3, "acc", 0.5)])
    store.update_run(run.run_id, RunChanges(summary={"loss": 0.5, "nested": {"a": 1}}))
    later = dict(stream.poll())
    assert later["metrics"]["points"] == {"loss": [[3, None]], "acc": [[3, 0.5]]}
    assert later["run"]["summary"] == {"loss": 0.5}
    assert stream.cursor() == f"{run.run_id}:3"
    assert not stream.finished
    store.finish_run(run.run_id, RunState.FINISHED)
    assert dict(stream.poll())["run"]["state"] == "finished"
    assert stream.finished


def test_state_only_streams_skip_metrics_and_missing_runs(store: Store) -> None:
    run = store.create_run(NewRun(project="p"))
    store.log_metrics(run.run_id, [MetricRow(0, "loss", 1.0)])
    stream = RunsStream(store, [run.run_id, "gone"], {}, metrics=False)
    assert [event for event, _ in stream.poll()] == ["run"]


def test_finished_run_stream_ends_at_once(store: Store, data: SweepData) -> None:
    app, _ = fast_app(store, max_stream_seconds=30)
    run_id = data.finished_ids[0]
    started = time.monotonic()
    response = AppClient(app).get(f"/dashboard/live/runs?run={run_id}&cursor={run_id}:10")
    assert time.monotonic() - started < 5
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.text.startswith("retry: 2000")
    events = events_of(response.text)
    metrics = [data for event, data, _ in events if event == "metrics"]
    assert [step for step, _ in metrics[0]["points"]["val_loss"]] == list(range(11, 16))
    assert events[-1][:2] == ("end", {"reason": "finished"})


def test_running_run_streams_points_as_they_are_logged(store: Store, data: SweepData) -> None:
    app, _ = fast_app(store, max_stream_seconds=1.0)
    run_id = data.running_id

    def log_more() -> None:
        for step in range(2, 6):
            time.sleep(0.1)
            store.log_metrics(run_id, [MetricRow(step, "val_loss", 1.0 / step)])
            store.update_run(run_id, RunChanges(summary={"val_loss": 1.0 / step}))

    writer = threading.Thread(target=log_more)
    writer.start()
    response = AppClient(app).get(f"/dashboard/live/runs?run={run_id}&cursor={run_id}:1")
    writer.join()
    events = events_of(response.text)
    steps = [
        step
        for event, payload, _ in events
        if event == "metrics"
        for step, _ in payload["points"].get("val_loss", [])
    ]
    assert steps == [2, 3, 4, 5]
    ids = [event_id for event, _, event_id in events if event == "metrics"]
    assert ids[-1] == f"{run_id}:5"
    assert events[-1][:2] == ("end", {"reason": "stream lifetime reached; reconnect"})


def test_reconnect_resumes_from_last_event_id(store: Store, data: SweepData) -> None:
    app, _ = fast_app(store)
    run_id = data.finished_ids[0]
    response = AppClient(app).get(
        f"/dashboard/live/runs?run={run_id}", headers={"Last-Event-ID": f"{run_id}:14"}
    )
    metrics = [payload for event, payload, _ in events_of(response.text) if event == "metrics"]
    assert [step for step, _ in metrics[0]["points"]["val_loss"]] == [15]


def test_shutdown_ends_open_streams_promptly(store: Store, data: SweepData) -> None:
    app, router = fast_app(store, max_stream_seconds=60)
    timer = threading.Timer(0.3, router.shutdown)
    timer.start()
    started = time.monotonic()
    response = AppClient(app).get(f"/dashboard/live/sweeps/{data.sweep_id}")
    assert time.monotonic() - started < 3
    assert events_of(response.text)[-1][:2] == ("end", {"reason": "server shutting down"})


def test_sweep_stream_signals_changes(store: Store, data: SweepData) -> None:
    app, _ = fast_app(store, max_stream_seconds=0.8)

    def change() -> None:
        time.sleep(0.3)
        store.update_run(data.running_id, RunChanges(summary={"val_loss": 0.01}))

    thread = threading.Thread(target=change)
    thread.start()
    response = AppClient(app).get(f"/dashboard/live/sweeps/{data.sweep_id}")
    thread.join()
    assert [event for event, _, _ in events_of(response.text)] == ["sweep", "end"]


def test_keepalive_comments_on_quiet_streams(store: Store, data: SweepData) -> None:
    app, _ = fast_app(store, max_stream_seconds=0.5, keepalive_seconds=0.1)
    assert ": keepalive" in AppClient(app).get(f"/dashboard/live/sweeps/{data.sweep_id}").text


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("", 422, "live updates follow 1 to 20 runs"),
        ("&".join(f"run=r{i}" for i in range(21)), 422, "got 21"),
        ("run=nope", 404, "nope"),
    ],
)
def test_bad_stream_requests(store: Store, query: str, status: int, message: str) -> None:
    app, _ = fast_app(store)
    response = AppClient(app).get(f"/dashboard/live/runs?{query}")
    assert response.status_code == status
    assert message in response.json()["error"]["message"]
    assert AppClient(app).get("/dashboard/live/sweeps/nope").status_code == 404
