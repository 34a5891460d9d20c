"""The server load benchmark's parts: its HTTP client, statistics, server process, a tiny
level against a real ``sweeplab server``, the big-sweep writer and the page-settle timeout."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from benchmarks import server_load_agents, server_load_page
from benchmarks.server_load_agents import Latencies, baseline_latencies, run_level
from benchmarks.server_load_http import HttpClient
from benchmarks.server_load_process import ServerProcess

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@contextmanager
def raw_server(handler: Handler) -> Iterator[str]:
    """A one-off asyncio TCP server on loopback running ``handler`` per connection, on a
    thread with its own event loop; yields its base URL."""
    import threading

    loop = asyncio.new_event_loop()
    started = threading.Event()
    box: dict[str, Any] = {}

    async def serve() -> None:
        stop = asyncio.Event()
        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        box["stop"], box["port"] = stop, server.sockets[0].getsockname()[1]
        started.set()
        await stop.wait()
        server.close()
        await server.wait_closed()

    thread = threading.Thread(target=lambda: loop.run_until_complete(serve()), daemon=True)
    thread.start()
    assert started.wait(5)
    try:
        yield f"http://127.0.0.1:{box['port']}"
    finally:
        loop.call_soon_threadsafe(box["stop"].set)
        thread.join(5)
        loop.close()


async def _read_request(reader: asyncio.StreamReader) -> None:
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    await reader.readexactly(length)


def test_client_reads_length_and_chunked_bodies_on_one_connection() -> None:
    connections = 0

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await _read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n{\"a\":1}")
        await _read_request(reader)
        writer.write(
            b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"3\r\n{\"b\r\n4\r\n\":2}\r\n0\r\n\r\n"
        )
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    async def talk(base_url: str) -> list[tuple[int, bytes]]:
        client = HttpClient(base_url, timeout_seconds=5)
        try:
            return [await client.request("GET", "/x"), await client.request("POST", "/y", {})]
        finally:
            client.close()

    with raw_server(handler) as base_url:
        answers = asyncio.run(talk(base_url))
    assert answers == [(200, b'{"a":1}'), (201, b'{"b":2}')]
    assert connections == 1


def test_client_reports_a_connection_closed_without_an_answer() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.close()
        await writer.wait_closed()

    async def talk(base_url: str) -> None:
        client = HttpClient(base_url, timeout_seconds=5)
        await client.request("GET", "/healthz")

    with raw_server(handler) as base_url, pytest.raises(ConnectionResetError, match="closed"):
        asyncio.run(talk(base_url))


def test_client_takes_plain_http_host_and_port_only() -> None:
    with pytest.raises(ValueError, match=r"http://host:port, got 'https://x:1'"):
        HttpClient("https://x:1", timeout_seconds=1)


def test_baseline_refuses_an_unhealthy_server() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    with raw_server(handler) as base_url, pytest.raises(RuntimeError, match="answered 503"):
        baseline_latencies(base_url, count=3)


def test_latency_quantiles() -> None:
    latencies = Latencies([index / 1000 for index in range(1, 101)])  # 1..100 ms
    assert (latencies.p50_ms, latencies.p99_ms) == pytest.approx((51.0, 100.0))
    assert math.isnan(Latencies().p99_ms)


def test_server_process_reports_a_server_that_cannot_start(tmp_path: Path) -> None:
    server = ServerProcess("nosuch://store", tmp_path)
    with pytest.raises(RuntimeError, match="sweeplab server exited with 1"):
        server.__enter__()


@pytest.mark.slow
def test_a_short_level_against_a_real_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(server_load_agents, "RUN_SECONDS", (0.6, 1.0))
    monkeypatch.setattr(server_load_agents, "START_SPREAD_SECONDS", 0.2)
    monkeypatch.setattr(server_load_agents, "HEARTBEAT_EVERY_SECONDS", 0.5)
    url = f"sqlite:///{tmp_path / 'sweeplab.db'}"
    with ServerProcess(url, tmp_path) as server:
        level = run_level(server, url, agents=3, seconds=1.5)
        assert server.peak_rss_bytes > 10_000_000
    assert level.error_count == 0, level.errors
    assert level.claims >= 3
    assert level.duplicates == 0
    assert level.database_runs == level.claims
    assert level.rows > 0
    assert len(level.claim.seconds) == level.claims


def test_page_sweep_is_written_in_bulk(tmp_path: Path) -> None:
    from sweeplab.domain import RunState
    from sweeplab.store import open_store

    url = f"sqlite:///{tmp_path / 'sweeplab.db'}"
    sweep_id = server_load_page.populate_page_sweep(url, run_count=50)
    store = open_store(url)
    try:
        runs = store.sweep_runs(sweep_id)
        stopped = [run for run in runs if run.state is RunState.STOPPED]
        history = store.get_run(runs[0].run_id, with_history=True).history
    finally:
        store.close()
    assert len(runs) == 50
    assert stopped
    assert all(run.end_reason.startswith("early termination (hyperband): ") for run in stopped)
    assert len(history["val_loss"]) in (3, server_load_page.STEPS_PER_RUN)


def test_a_page_that_never_settles_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    class EverBusyPage:
        def __init__(self) -> None:
            self.calls = 0

        def evaluate(self, script: str) -> dict[str, Any]:
            self.calls += 1
            return {"loadMs": float(self.calls), "pending": 0}

    monkeypatch.setattr(server_load_page, "LOAD_TIMEOUT_SECONDS", 0.5)
    with pytest.raises(TimeoutError, match="did not settle within 0 s"):
        server_load_page._wait_until_settled(EverBusyPage())


def test_a_store_that_cannot_run_is_reported_not_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from benchmarks import server_load
    from sweeplab.testing import postgres

    monkeypatch.setattr(postgres, "BIN_GLOB", "/nonexistent/*/bin")
    output = tmp_path / "report.md"
    server_load.main(
        ["--stores", "postgresql", "--agents", "1", "--page-runs", "0", "--output", str(output)]
    )
    text = output.read_text()
    assert "## Not run" in text
    assert "- postgresql: PostgreSQL is not installed" in text
    assert "not run" in capsys.readouterr().err
