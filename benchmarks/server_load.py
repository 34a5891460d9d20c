"""A real ``sweeplab server`` under load from simulated agents, and its sweep page at 10,000 runs.

    python benchmarks/server_load.py [--stores sqlite postgresql] [--agents 10 50 100]
                                     [--seconds 20] [--page-runs 10000] [--server cli|app]
                                     [--flush-seconds 0.5] [--quick] [--output PATH]

For each store (a SQLite file; PostgreSQL on a throwaway cluster from
``sweeplab.testing.postgres``), ``sweeplab server --store URL`` runs as a separate process on
127.0.0.1, and this process plays N agents for ``--seconds`` per level
(``server_load_agents.py``): each does what ``sweeplab agent`` and the SDK do through the
REST API (claim a run of a grid sweep with hyperband, log 10 steps/s, ship every 2 s,
heartbeat every 5 s, stop when told to, report the end, claim the next). Agents start spread
over 4 s and runs last 4-12 s, so claims do not arrive in lock-step herds. Everything is
bounded in count and time; nothing leaves loopback.

Measured: claim and ingest latency p50/p99 (client side), throughput, errors (non-2xx answers
and transport errors), duplicates (grid points claimed twice, by the claims' answers and again
in the database), and the server's resident memory (/proc, sampled every 0.2 s). The baseline
is ``GET /healthz`` (no database), idle and under the same load; ratios divide by the idle
baseline.

Then the sweep page (``server_load_page.py``): a sweep of ``--page-runs`` ended runs (with
metric histories) is written into the store directly, and headless Chromium (Debian's
/usr/bin/chromium driven by playwright) opens ``/sweeps/ID``: load time is navigation start
until the last chart has drawn and every request but the live-update stream has ended; bytes
are the encoded transfer sizes of the document and every resource it loaded.

Targets: 100 agents with p99 claim < 100 ms, no errors, no duplicates, on both stores; the
10,000-run sweep page in < 1.5 s and < 3 MB. The report goes to
``benchmarks/results/server_load.md`` (``--quick``: ``server_load_quick.md``).
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse
import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime

from benchmarks import server_load_agents as agents_module
from benchmarks.report import markdown_table
from benchmarks.server_load_agents import LevelResult, baseline_latencies, run_level
from benchmarks.server_load_page import PageResult, measure_page, populate_page_sweep
from benchmarks.server_load_process import ServerProcess

RESULTS_DIR = Path(__file__).resolve().parent / "results"
_SERVERS = {
    "cli": "A real `sweeplab server` process",
    "app": "`create_app` under `uvicorn.run` (its own socket) in a separate process",
}
TARGET_P99_CLAIM_MS = 100.0
TARGET_PAGE_SECONDS = 1.5
TARGET_PAGE_BYTES = 3_000_000
TARGET_AGENTS = 100


@contextlib.contextmanager
def store_url(kind: str, directory: Path) -> Iterator[str]:
    """A new, empty store of ``kind``: a SQLite file, or a database on a throwaway cluster."""
    if kind == "sqlite":
        yield f"sqlite:///{directory / 'sweeplab.db'}"
        return
    from sweeplab.testing.postgres import running_cluster

    with running_cluster() as cluster:
        yield cluster.create_database("sweeplab_bench")


def bench_store(
    kind: str, args: argparse.Namespace
) -> tuple[list[LevelResult], PageResult | None, dict[str, float]]:
    agent_counts, seconds, page_runs = args.agents, args.seconds, args.page_runs
    with tempfile.TemporaryDirectory(prefix="sweeplab-bench-") as temp, store_url(
        kind, Path(temp)
    ) as url:
        page_sweep_id = populate_page_sweep(url, page_runs) if page_runs else None
        with ServerProcess(url, Path(temp), args.server) as server:
            idle = baseline_latencies(server.base_url, count=300)
            print(f"[{kind}] healthz idle p50 {idle['p50_ms']:.2f} ms", file=sys.stderr)
            page = (
                measure_page(server.base_url, page_sweep_id, page_runs)
                if page_sweep_id
                else None
            )
            if page is not None:
                print(f"[{kind}] page: {page.summary()}", file=sys.stderr)
            levels = []
            for agents in agent_counts:
                level = run_level(server, url, agents, seconds, args.flush_seconds)
                print(f"[{kind}] {agents} agents: {level.describe()}", file=sys.stderr)
                levels.append(level)
    return levels, page, idle


def _ms(value: float) -> str:
    return f"{value:.1f}"


def _load_average() -> str:
    return " / ".join(f"{value:.1f}" for value in os.getloadavg())


def report(
    results: dict[str, tuple[list[LevelResult], PageResult | None, dict[str, float]]],
    args: argparse.Namespace,
    wall_seconds: float,
    load_before: str,
    not_run: dict[str, str],
) -> str:
    lines = [
        "# Server under load",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, wall time {wall_seconds:.0f} s. Command: "
        f"`python benchmarks/server_load.py {' '.join(sys.argv[1:])}`",
        "",
        f"{_SERVERS[args.server]} on 127.0.0.1; N simulated agents in one asyncio process "
        f"(one keep-alive connection each, `server_load_http.py`), {args.seconds:.0f} s per "
        "level, each claiming runs of a grid sweep with hyperband and logging "
        f"{agents_module.STEPS_PER_SECOND:.0f} steps/s (3 metrics a step; every "
        f"{args.flush_seconds:g} s the rows and the summary in one request, as the SDK's writer "
        f"ships to a server every {agents_module.SHIP_EVERY_SECONDS:g} s by default), heartbeat "
        f"every {agents_module.HEARTBEAT_EVERY_SECONDS:.0f} s, runs of "
        f"{agents_module.RUN_SECONDS[0]:.0f}-{agents_module.RUN_SECONDS[1]:.0f} s. Latencies "
        "are client-side; *healthz* is `GET /healthz` (no database) timed alongside as the "
        "baseline, and *x idle* divides the claim p50 by the idle healthz p50. *ingest* is "
        "`POST .../metrics` (rows + summary). Both processes share the "
        f"machine's {os.cpu_count()} cores with whatever else runs: load average "
        f"{load_before} before, {_load_average()} after.",
        "",
    ]
    header = [
        "store", "agents", "claims", "claim p50 ms", "claim p99 ms", "x idle (p50)",
        "ingest p50 ms", "ingest p99 ms", "heartbeat p99 ms",
        "healthz p99 ms",
        "requests/s", "rows/s", "errors", "duplicates", "server CPU (cores)",
        "agents CPU (cores)",
        "server RSS MB (peak)",
    ]
    rows = []
    for kind, (levels, _, idle) in results.items():
        for level in levels:
            rows.append([
                kind, str(level.agents), str(level.claims),
                _ms(level.claim.p50_ms), _ms(level.claim.p99_ms),
                f"{level.claim.p50_ms / idle['p50_ms']:.1f}",
                _ms(level.ingest.p50_ms), _ms(level.ingest.p99_ms),
                _ms(level.heartbeat.p99_ms),
                _ms(level.healthz.p99_ms),
                f"{level.requests_per_second:.0f}", f"{level.rows_per_second:,.0f}",
                str(level.error_count), str(level.duplicates),
                f"{level.server_cpu_share:.2f}", f"{level.client_cpu_share:.2f}",
                f"{level.rss_peak_bytes / 1e6:.0f}",
            ])
    lines += [markdown_table(header, rows), ""]
    idle_lines = [
        f"- {kind}: healthz idle p50 {idle['p50_ms']:.2f} ms, p99 {idle['p99_ms']:.2f} ms"
        for kind, (_, _, idle) in results.items()
    ]
    lines += ["Baseline (idle, sequential):", "", *idle_lines, ""]
    pages = [(kind, page) for kind, (_, page, _) in results.items() if page is not None]
    if pages:
        lines += [
            f"## Sweep page with {args.page_runs:,} runs",
            "",
            pages[0][1].method,
            "",
            markdown_table(
                ["store", "first load s", "first chart s", "scripts s", "repeat s",
                 "transferred MB", "requests", "charts", "largest"],
                [
                    [kind, f"{page.first.load_seconds:.2f}",
                     f"{page.first.first_chart_seconds:.2f}",
                     f"{page.first.scripts_seconds:.2f}", f"{page.repeat_seconds:.2f}",
                     f"{page.first.transferred_bytes / 1e6:.2f}", str(page.first.requests),
                     str(page.first.charts), page.first.largest]
                    for kind, page in pages
                ],
            ),
            "",
        ]
    lines += ["## Targets", "", *target_lines(results), ""]
    if not_run:
        lines += ["## Not run", "", *(f"- {kind}: {why}" for kind, why in not_run.items()), ""]
    errors = [
        f"- {kind}, {level.agents} agents: {message} x{count}"
        for kind, (levels, _, _) in results.items()
        for level in levels
        for message, count in level.errors.most_common(5)
    ]
    if errors:
        lines += ["## Errors (most common)", "", *errors, ""]
    return "\n".join(lines)


def target_lines(
    results: dict[str, tuple[list[LevelResult], PageResult | None, dict[str, float]]],
) -> list[str]:
    lines = []
    for kind, (levels, page, _) in results.items():
        for level in levels:
            if level.agents != TARGET_AGENTS:
                continue
            met = (
                level.claim.p99_ms < TARGET_P99_CLAIM_MS
                and level.error_count == 0
                and level.duplicates == 0
            )
            lines.append(
                f"- {kind}, {TARGET_AGENTS} agents: p99 claim {level.claim.p99_ms:.1f} ms "
                f"(< {TARGET_P99_CLAIM_MS:.0f}), {level.error_count} errors, "
                f"{level.duplicates} duplicates: {'met' if met else 'NOT met'}"
            )
        if page is not None:
            first = page.first
            met = first.load_seconds < TARGET_PAGE_SECONDS and (
                first.transferred_bytes < TARGET_PAGE_BYTES
            )
            lines.append(
                f"- {kind}, sweep page (first load): {first.load_seconds:.2f} s "
                f"(< {TARGET_PAGE_SECONDS}), {first.transferred_bytes / 1e6:.2f} MB "
                f"(< {TARGET_PAGE_BYTES / 1e6:.0f}): {'met' if met else 'NOT met'}"
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stores", nargs="+", default=["sqlite", "postgresql"],
                        choices=["sqlite", "postgresql"])
    parser.add_argument("--agents", nargs="*", type=int, default=[10, 50, 100])
    parser.add_argument("--seconds", type=float, default=20.0, help="per load level")
    parser.add_argument("--page-runs", type=int, default=10_000,
                        help="runs in the sweep whose page is loaded (0: skip the page)")
    parser.add_argument("--server", choices=["cli", "app"], default="cli",
                        help="cli: `sweeplab server` (default); app: create_app under "
                        "uvicorn.run, which binds its own socket")
    parser.add_argument("--flush-seconds", type=float, default=agents_module.SHIP_EVERY_SECONDS,
                        help="how often each agent ships its rows and summary (the SDK "
                        "writer's default)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 10 agents for 5 s, a 1,000-run page")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.quick:
        args.agents, args.seconds, args.page_runs = [10], 5.0, 1_000
    output = args.output or RESULTS_DIR / (
        "server_load_quick.md" if args.quick else "server_load.md"
    )
    started = time.monotonic()
    load_before = _load_average()
    from sweeplab.testing.postgres import PostgresUnavailable

    results = {}
    not_run: dict[str, str] = {}
    for kind in args.stores:
        try:
            results[kind] = bench_store(kind, args)
        except PostgresUnavailable as missing:
            not_run[kind] = str(missing)
            print(f"[{kind}] not run: {missing}", file=sys.stderr)
    text = report(results, args, time.monotonic() - started, load_before, not_run)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
