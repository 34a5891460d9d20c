"""Simulated agents for ``server_load.py``: what ``sweeplab agent`` does, through the REST API.

One asyncio task per agent, each with its own keep-alive connection: claim a run, log 10
steps/s (3 metrics a step) shipped every flush with the summary in the same request (the SDK
writer's ``Store.ingest``: one ``POST .../metrics``), heartbeat every 5 s (the agent's
default; against a server the agent only extends the lease), stop when an ingest answer or a
heartbeat says so, report the end, claim again. All requests and their latencies are
recorded; nothing retries (an error counts as one).
"""

from __future__ import annotations

import asyncio
import json
import random
import resource
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from benchmarks.server_load_http import HttpClient
from benchmarks.server_load_process import ServerProcess
from sweeplab.sdk.settings import SERVER_SHIP_SECONDS

API = "/api/v1"
STEPS_PER_SECOND = 10.0
# How often the SDK's writer ships to a server (rows and summary in one request), and the
# agent's default heartbeat and lease (sweeplab.sdk.settings, sweeplab.agents.settings).
SHIP_EVERY_SECONDS = SERVER_SHIP_SECONDS
HEARTBEAT_EVERY_SECONDS = 5.0
LEASE_SECONDS = 60.0
RUN_SECONDS = (4.0, 12.0)
START_SPREAD_SECONDS = 4.0
REQUEST_TIMEOUT_SECONDS = 30.0
PROBE_EVERY_SECONDS = 0.05
# Agents finish the run they have when time is up; this bounds how long that may take.
DRAIN_SECONDS = 60.0

# 10 x 10 x 10 x 5 = 5,000 grid points: more than 100 agents claim in a level.
LOAD_SWEEP_CONFIG: dict[str, Any] = {
    "method": "grid",
    "program": "train.py",
    "metric": {"name": "loss", "goal": "minimize"},
    "parameters": {
        "lr": {"values": [10.0**-k for k in range(1, 11)]},
        "batch_size": {"values": [8 * k for k in range(1, 11)]},
        "dropout": {"values": [k / 20 for k in range(10)]},
        "optimizer": {"values": ["sgd", "adam", "adamw", "rmsprop", "lion"]},
    },
    "early_terminate": {"type": "hyperband", "min_iter": 3, "eta": 3},
}


@dataclass
class Latencies:
    seconds: list[float] = field(default_factory=list)

    def add(self, value: float) -> None:
        self.seconds.append(value)

    def quantile_ms(self, q: float) -> float:
        if not self.seconds:
            return float("nan")
        ordered = sorted(self.seconds)
        return 1000.0 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    @property
    def p50_ms(self) -> float:
        return self.quantile_ms(0.50)

    @property
    def p99_ms(self) -> float:
        return self.quantile_ms(0.99)


@dataclass
class LevelResult:
    agents: int
    seconds: float
    claim: Latencies = field(default_factory=Latencies)
    ingest: Latencies = field(default_factory=Latencies)
    heartbeat: Latencies = field(default_factory=Latencies)
    finish: Latencies = field(default_factory=Latencies)
    healthz: Latencies = field(default_factory=Latencies)
    errors: Counter[str] = field(default_factory=Counter)
    point_keys: list[str] = field(default_factory=list)
    rows: int = 0
    stopped_runs: int = 0
    database_runs: int = 0
    database_duplicates: int = 0
    rss_peak_bytes: int = 0
    wall_seconds: float = 0.0
    server_cpu_seconds: float = 0.0
    client_cpu_seconds: float = 0.0

    @property
    def claims(self) -> int:
        return len(self.point_keys)

    @property
    def duplicates(self) -> int:
        """Grid points handed out more than once (by the answers, or found in the database)."""
        return (len(self.point_keys) - len(set(self.point_keys))) + self.database_duplicates

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def requests(self) -> int:
        timed = (self.claim, self.ingest, self.heartbeat, self.finish)
        return sum(len(latencies.seconds) for latencies in timed) + self.error_count

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.wall_seconds

    @property
    def server_cpu_share(self) -> float:
        """The server's CPU time over the level's wall time (1.0 = one core busy)."""
        return self.server_cpu_seconds / self.wall_seconds

    @property
    def client_cpu_share(self) -> float:
        """This process's (the agents') CPU time over the level's wall time."""
        return self.client_cpu_seconds / self.wall_seconds

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.wall_seconds

    def describe(self) -> str:
        return (
            f"{self.claims} claims, claim p50/p99 {self.claim.p50_ms:.1f}/{self.claim.p99_ms:.1f}"
            f" ms, ingest p50/p99 {self.ingest.p50_ms:.1f}/{self.ingest.p99_ms:.1f} ms, "
            f"{self.requests_per_second:.0f} req/s, {self.error_count} errors, "
            f"{self.duplicates} duplicates, {self.stopped_runs} stopped by hyperband, "
            f"server CPU {self.server_cpu_share:.0%} of a core "
            f"(agents {self.client_cpu_share:.0%}), "
            f"RSS peak {self.rss_peak_bytes / 1e6:.0f} MB"
        )


class _Agent:
    def __init__(self, client: HttpClient, sweep_id: str, result: LevelResult,
                 deadline: float, rng: random.Random, *, flush_seconds: float) -> None:
        self.client = client
        self.flush_seconds = flush_seconds
        self.sweep_id = sweep_id
        self.result = result
        self.deadline = deadline
        self.rng = rng

    async def request(self, latencies: Latencies, method: str, path: str,
                      body: dict[str, Any]) -> dict[str, Any] | None:
        started = time.perf_counter()
        try:
            status, payload = await self.client.request(method, path, body)
        except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as error:
            self.result.errors[f"{method} {_route(path)}: {type(error).__name__}"] += 1
            return None
        if status >= 300:
            detail = payload[:160].decode(errors="replace")
            self.result.errors[f"{method} {_route(path)}: {status} {detail}"] += 1
            return None
        latencies.add(time.perf_counter() - started)
        answer: dict[str, Any] = json.loads(payload)
        return answer

    async def work(self) -> None:
        await asyncio.sleep(self.rng.uniform(0.0, START_SPREAD_SECONDS))
        while time.monotonic() < self.deadline:
            claim = await self.request(
                self.result.claim, "POST", f"{API}/sweeps/{self.sweep_id}/claims",
                {"lease_seconds": LEASE_SECONDS, "request_id": uuid.uuid4().hex},
            )
            if claim is None:
                await asyncio.sleep(0.5)
                continue
            run = claim.get("run")
            if run is None:
                return  # the sweep hands out no more runs
            self.result.point_keys.append(str(run.get("point_key")))
            await self.run(run["run_id"])

    async def run(self, run_id: str) -> None:
        """Log 10 steps/s, shipped (with the summary, as the SDK's writer does) every flush;
        heartbeat as the agent does; end as told."""
        quality = self.rng.uniform(0.1, 1.0)  # how good this config is
        started = time.monotonic()
        ends = started + self.rng.uniform(*RUN_SECONDS)
        next_beat = started + HEARTBEAT_EVERY_SECONDS
        step, loss, stop_reason = 0, 1.0, ""
        while not stop_reason:
            now = time.monotonic()
            if now >= ends:
                break
            await asyncio.sleep(min(self.flush_seconds, ends - now))
            # The steps logged since the last flush (rows are made here, not one wake-up per
            # step, so the load generator spends its CPU on requests).
            due = int((time.monotonic() - started) * STEPS_PER_SECOND)
            rows: list[list[Any]] = []
            wall_time = time.time()
            for logged in range(step, due):
                loss = quality + 1.0 / (logged + 1)
                rows += [[logged, "loss", loss, wall_time], [logged, "acc", 1 - loss / 2,
                         wall_time], [logged, "lr", 0.001, wall_time]]
            step = max(step, due)
            stop_reason = await self.ship(run_id, rows, {"loss": loss, "_step": step - 1})
            if not stop_reason and time.monotonic() >= next_beat:
                beat = await self.request(
                    self.result.heartbeat, "POST", f"{API}/runs/{run_id}/agent-heartbeat",
                    {"lease_seconds": LEASE_SECONDS},
                )
                if beat is not None and beat["command"] != "continue":
                    stop_reason = beat.get("reason") or beat["command"]
                next_beat += HEARTBEAT_EVERY_SECONDS
        end: dict[str, Any] = {"state": "finished", "exit_code": 0}
        if stop_reason:
            self.result.stopped_runs += 1
            end = {"state": "stopped", "end_reason": stop_reason}
        await self.request(self.result.finish, "PATCH", f"{API}/runs/{run_id}", end)

    async def ship(self, run_id: str, rows: list[list[Any]], summary: dict[str, Any]) -> str:
        """One ingest (rows + summary); returns the stop reason the answer carries, or ""."""
        if not rows:
            return ""
        answer = await self.request(
            self.result.ingest, "POST", f"{API}/runs/{run_id}/metrics",
            {"rows": rows, "summary": summary},
        )
        if answer is None:
            return ""
        self.result.rows += len(rows)
        return str(answer.get("stop_requested") or "")


def _route(path: str) -> str:
    """``path`` with ids replaced, so errors group by route."""
    parts = path.split("/")
    return "/".join("{id}" if index == 4 else part for index, part in enumerate(parts))


async def _probe(client: HttpClient, result: LevelResult, deadline: float) -> None:
    while time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            status, _ = await client.request("GET", "/healthz")
        except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as error:
            result.errors[f"GET /healthz: {type(error).__name__}"] += 1
        else:
            if status == 200:
                result.healthz.add(time.perf_counter() - started)
            else:
                result.errors[f"GET /healthz: {status}"] += 1
        await asyncio.sleep(PROBE_EVERY_SECONDS)


async def _play(base_url: str, sweep_id: str, agents: int, seconds: float,
                result: LevelResult, *, flush_seconds: float) -> None:
    deadline = time.monotonic() + seconds
    clients = [HttpClient(base_url, REQUEST_TIMEOUT_SECONDS) for _ in range(agents + 1)]
    try:
        tasks = [
            _Agent(
                clients[index], sweep_id, result, deadline, random.Random(index),
                flush_seconds=flush_seconds,
            ).work()
            for index in range(agents)
        ]
        await asyncio.wait_for(
            asyncio.gather(_probe(clients[-1], result, deadline), *tasks),
            timeout=seconds + DRAIN_SECONDS,
        )
    finally:
        for client in clients:
            client.close()


def run_level(
    server: ServerProcess,
    store_url: str,
    agents: int,
    seconds: float,
    flush_seconds: float = SHIP_EVERY_SECONDS,
) -> LevelResult:
    """``agents`` agents on a new sweep for ``seconds``; then the database is checked."""
    created = httpx.post(
        f"{server.base_url}{API}/sweeps",
        json={"project": "bench", "config": LOAD_SWEEP_CONFIG, "seed": 1},
        timeout=REQUEST_TIMEOUT_SECONDS,
    )
    created.raise_for_status()
    sweep_id = created.json()["sweep_id"]
    result = LevelResult(agents=agents, seconds=seconds)
    server.reset_peak()
    started, cpu_before, client_before = time.monotonic(), server.cpu_seconds, _own_cpu()
    asyncio.run(
        _play(server.base_url, sweep_id, agents, seconds, result, flush_seconds=flush_seconds)
    )
    result.wall_seconds = time.monotonic() - started
    result.server_cpu_seconds = server.cpu_seconds - cpu_before
    result.client_cpu_seconds = _own_cpu() - client_before
    result.rss_peak_bytes = server.peak_rss_bytes
    _check_database(store_url, sweep_id, result)
    return result


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _check_database(store_url: str, sweep_id: str, result: LevelResult) -> None:
    from sweeplab.store import open_store

    store = open_store(store_url)
    try:
        keys = [run.point_key for run in store.sweep_runs(sweep_id)]
    finally:
        store.close()
    result.database_runs = len(keys)
    result.database_duplicates = len(keys) - len(set(keys))
    if len(keys) != result.claims:
        result.errors[f"database holds {len(keys)} runs, agents were given {result.claims}"] += 1


def baseline_latencies(base_url: str, count: int) -> dict[str, float]:
    """``GET /healthz`` ``count`` times in a row on an idle server, through the agents' kind
    of client: p50 and p99 in ms."""
    latencies = Latencies()

    async def probe() -> None:
        client = HttpClient(base_url, REQUEST_TIMEOUT_SECONDS)
        try:
            for _ in range(count):
                started = time.perf_counter()
                status, _ = await client.request("GET", "/healthz")
                if status != 200:
                    raise RuntimeError(f"GET /healthz answered {status}")
                latencies.add(time.perf_counter() - started)
        finally:
            client.close()

    asyncio.run(probe())
    return {"p50_ms": latencies.p50_ms, "p99_ms": latencies.p99_ms}
