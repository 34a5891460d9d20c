"""The sweep page of a big sweep for ``server_load.py``: populate it, then time it in Chromium.

The sweep is written straight into the store's tables (one bulk insert: creating 10,000 runs
through the API would measure the API instead), with what a finished hyperband sweep holds:
configs of 4 parameters, summaries, some runs stopped with reasons, and 10 logged steps per run.

Loading uses Debian's Chromium through playwright (``executable_path=/usr/bin/chromium``,
never ``playwright install``), a fresh browser context per load (cold cache). Without them it
falls back to httpx fetching the document and the static assets it names, and says so.
"""

from __future__ import annotations

import math
import random
import re
import shutil
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
LOADS = 3
SETTLE_SECONDS = 1.0
LOAD_TIMEOUT_SECONDS = 60.0
STEPS_PER_RUN = 10

PAGE_SWEEP_CONFIG: dict[str, Any] = {
    "method": "random",
    "program": "train.py",
    "metric": {"name": "val_loss", "goal": "minimize"},
    "parameters": {
        "lr": {"distribution": "log_uniform_values", "min": 1e-5, "max": 1e-1},
        "batch_size": {"values": [16, 32, 64, 128, 256]},
        "dropout": {"distribution": "uniform", "min": 0.0, "max": 0.5},
        "optimizer": {"values": ["sgd", "adam", "adamw"]},
    },
    "early_terminate": {"type": "hyperband", "min_iter": 3, "eta": 3},
}

# Runs in the page, before any script: record when the last chart drew and when the last
# fetch/XHR ended (the live-update EventSource is neither, so it never counts as pending).
_OBSERVER_JS = """
(() => {
  const state = {firstChartAt: 0, lastChartAt: 0, lastFetchEndAt: 0, pending: 0};
  window.__sweeplabLoad = state;
  new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (node.nodeType === 1 && (node.matches('svg.main-svg, canvas') ||
            node.querySelector('svg.main-svg, canvas'))) {
          state.lastChartAt = performance.now();
          state.firstChartAt = state.firstChartAt || state.lastChartAt;
        }
      }
    }
  }).observe(document, {childList: true, subtree: true});
  const realFetch = window.fetch;
  window.fetch = async (...args) => {
    state.pending += 1;
    try { return await realFetch(...args); }
    finally { state.pending -= 1; state.lastFetchEndAt = performance.now(); }
  };
  const realSend = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (...args) {
    state.pending += 1;
    this.addEventListener('loadend', () => {
      state.pending -= 1; state.lastFetchEndAt = performance.now();
    });
    return realSend.apply(this, args);
  };
})();
"""

# ``breakdown``: where a load's time went (ms from navigation start): when the document, the
# analysis and plotly.js arrived, and the page's own marks (sweep.js: analysis received,
# parallel coordinates drawn, plotly.js ran, scatter drawn; the first of each, not a live
# refresh's). It does not enter ``loadMs``.
_MEASURE_JS = """
() => {
  const state = window.__sweeplabLoad;
  const navigation = performance.getEntriesByType('navigation')[0];
  const resources = performance.getEntriesByType('resource');
  const sizes = resources.map((r) => [r.name, r.transferSize || r.encodedBodySize || 0]);
  sizes.push([navigation.name, navigation.transferSize || navigation.encodedBodySize || 0]);
  const lastResourceEnd = Math.max(0, ...resources.map((r) => r.responseEnd));
  const breakdown = {document: navigation.responseEnd};
  for (const r of resources) {
    if (r.name.includes('/dashboard/data/sweeps/')) breakdown.analysis_downloaded = r.responseEnd;
    if (r.name.includes('plotly.min.js')) breakdown.plotly_downloaded = r.responseEnd;
  }
  for (const mark of performance.getEntriesByType('mark')) {
    const name = mark.name.replace('sweeplab:', '').replace(/-/g, '_');
    if (mark.name.startsWith('sweeplab:') && !(name in breakdown)) {
      breakdown[name] = mark.startTime;
    }
  }
  return {
    loadMs: Math.max(state.lastChartAt, state.lastFetchEndAt, navigation.loadEventEnd,
                     lastResourceEnd),
    firstChartMs: state.firstChartAt,
    scriptsMs: navigation.domContentLoadedEventEnd,
    sizes: sizes,
    charts: document.querySelectorAll('.js-plotly-plot').length,
    pending: state.pending,
    breakdown: breakdown,
  };
}
"""
_BREAKDOWN_STEPS = (
    ("document", "document"),
    ("plotly_downloaded", "plotly.js downloaded"),
    ("analysis_downloaded", "analysis downloaded"),
    ("parallel_drawn", "parallel coordinates drawn"),
    ("plotly_ready", "plotly.js ran"),
    ("scatter_drawn", "scatter drawn"),
)


def describe_breakdown(breakdown: dict[str, float]) -> str:
    """``document 0.01 s, plotly.js downloaded 0.25 s, ...`` (seconds from navigation start)."""
    return ", ".join(
        f"{label} {breakdown[key]:.2f} s" for key, label in _BREAKDOWN_STEPS if key in breakdown
    )


@dataclass(frozen=True)
class PageLoad:
    """One load of the page."""

    load_seconds: float
    first_chart_seconds: float
    scripts_seconds: float  # DOMContentLoaded: every script parsed and run
    transferred_bytes: int
    requests: int
    charts: int
    largest: str
    # Seconds from navigation start, by step (see _BREAKDOWN_STEPS); empty without a browser.
    breakdown: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class PageResult:
    """The first load (the server computes the sweep's analysis) and repeats (it has it
    cached; the browser cache is cold every time)."""

    first: PageLoad
    repeats: list[PageLoad]
    method: str

    @property
    def repeat_seconds(self) -> float:
        return statistics.median(load.load_seconds for load in self.repeats)

    def summary(self) -> str:
        first = self.first
        return (
            f"first load {first.load_seconds:.2f} s (first chart {first.first_chart_seconds:.2f}"
            f" s), repeats {self.repeat_seconds:.2f} s; {first.transferred_bytes / 1e6:.2f} MB"
            f" in {first.requests} requests, {first.charts} charts; largest {first.largest}"
            + (f"; first load: {describe_breakdown(first.breakdown)}" if first.breakdown else "")
        )


def populate_page_sweep(store_url: str, run_count: int, seed: int = 0) -> str:
    """A sweep of ``run_count`` ended runs written into the store; returns its id."""
    import sqlalchemy as sa

    from sweeplab.domain import RunRecord, RunState
    from sweeplab.store import open_store
    from sweeplab.store.sql.engine import create_sweeplab_engine
    from sweeplab.store.sql.rows import run_to_row
    from sweeplab.store.sql.tables import metrics, runs

    store = open_store(store_url)  # creates (migrates) the database
    try:
        sweep = store.create_sweep("bench", PAGE_SWEEP_CONFIG, seed=seed)
    finally:
        store.close()
    rng = random.Random(seed)
    run_rows, metric_rows = [], []
    started = time.time() - run_count * 10.0
    for index in range(run_count):
        lr, dropout = 10 ** rng.uniform(-5, -1), rng.uniform(0, 0.5)
        config = {
            "lr": lr,
            "batch_size": rng.choice([16, 32, 64, 128, 256]),
            "dropout": dropout,
            "optimizer": rng.choice(["sgd", "adam", "adamw"]),
        }
        quality = abs(math.log10(lr) + 3) / 2 + dropout + rng.random() / 5
        stopped = rng.random() < 0.4
        steps = 3 if stopped else STEPS_PER_RUN
        losses = [quality + 1.0 / (step + 1) for step in range(steps)]
        run_id = f"r{index:07d}"
        reason = (
            f"early termination (hyperband): stopped at band 1 (iteration 3): val_loss "
            f"{losses[-1]:.4g}, worse than the threshold set by the best 1/3 of the runs that "
            "reached this band"
        )
        created = started + index * 10.0
        record = RunRecord(
            run_id=run_id,
            state=RunState.STOPPED if stopped else RunState.FINISHED,
            config=config,
            summary={"val_loss": losses[-1], "_step": steps - 1},
            project="bench",
            sweep_id=sweep.sweep_id,
            name=f"run-{index}",
            created_at=created,
            updated_at=created + steps,
            # What the engine writes (sweeplab.engine.stopping.STOP_REASON_PREFIX + reason).
            stop_requested=reason if stopped else "",
            end_reason=reason if stopped else "",
            exit_code=None if stopped else 0,
            suggestion_info={"method": "random"},
        )
        run_rows.append(run_to_row(record))
        metric_rows += [
            {"run_id": run_id, "key": "val_loss", "step": step, "value": loss,
             "wall_time": created + step}
            for step, loss in enumerate(losses)
        ]
    engine = create_sweeplab_engine(store_url)
    try:
        with engine.begin() as connection:
            connection.execute(runs.insert(), run_rows)
            connection.execute(metrics.insert(), metric_rows)
        with engine.connect() as connection:
            stored = connection.execute(
                sa.select(sa.func.count()).select_from(runs).where(
                    runs.c.sweep_id == sweep.sweep_id
                )
            ).scalar_one()
    finally:
        engine.dispose()
    assert stored == run_count, (stored, run_count)
    return sweep.sweep_id


def measure_page(base_url: str, sweep_id: str, run_count: int) -> PageResult:
    """The sweep page loaded :data:`LOADS` times, each in a fresh browser context."""
    url = f"{base_url}/sweeps/{sweep_id}"
    if shutil.which(CHROMIUM) is None or not _has_playwright():
        return _measure_with_httpx(url)
    loads = [_load_in_chromium(url) for _ in range(LOADS)]
    return PageResult(
        first=loads[0],
        repeats=loads[1:],
        method=_chromium_method(run_count, loads[0], loads[-1]),
    )


def _chromium_method(run_count: int, first: PageLoad, repeat: PageLoad) -> str:
    return (
        (
            f"Headless Chromium ({CHROMIUM}, playwright; no GPU, so WebGL charts draw in "
            f"software), a fresh context (cold browser cache) per load, {LOADS} loads: the "
            "first makes the server compute the sweep's analysis, the others find it in the "
            "server's cache (*repeat s* is their median). *load s*: navigation start until "
            "the last chart drew, the last fetch ended and the load event fired (the live-"
            "update stream is not counted); *scripts s*: DOMContentLoaded (every script "
            "parsed and run); *transferred*: encoded bytes of the document and every resource "
            f"(Resource Timing `transferSize`); *charts*: plotly charts on the page (the "
            "parallel coordinates are a 2D canvas drawn by the dashboard's parallel.js, not "
            f"counted). The sweep has {run_count:,} runs, "
            f"{STEPS_PER_RUN} logged steps each (3 for the 40% stopped by hyperband)."
        )
        + f" Where the time went (seconds from navigation start), first load: "
        f"{describe_breakdown(first.breakdown)}; last repeat: "
        f"{describe_breakdown(repeat.breakdown)}."
    )


def _has_playwright() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return True


def _load_in_chromium(url: str) -> PageLoad:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            page.add_init_script(_OBSERVER_JS)
            page.goto(url, wait_until="load", timeout=LOAD_TIMEOUT_SECONDS * 1000)
            measured = _wait_until_settled(page)
        finally:
            browser.close()
    sizes: list[tuple[str, int]] = [(str(name), int(size)) for name, size in measured["sizes"]]
    name, size = max(sizes, key=lambda item: item[1])
    return PageLoad(
        load_seconds=float(measured["loadMs"]) / 1000.0,
        first_chart_seconds=float(measured["firstChartMs"]) / 1000.0,
        scripts_seconds=float(measured["scriptsMs"]) / 1000.0,
        transferred_bytes=sum(size for _, size in sizes),
        requests=len(sizes),
        charts=int(measured["charts"]),
        largest=f"{name.split('?')[0].rsplit('/', 1)[-1] or name} ({size / 1e3:.0f} kB)",
        breakdown={
            str(key): float(value) / 1000.0 for key, value in measured["breakdown"].items()
        },
    )


def _wait_until_settled(page: Any) -> dict[str, Any]:
    """Poll until nothing is pending and the load time stopped moving for SETTLE_SECONDS."""
    deadline = time.monotonic() + LOAD_TIMEOUT_SECONDS
    last: dict[str, Any] = page.evaluate(_MEASURE_JS)
    stable_since = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now: dict[str, Any] = page.evaluate(_MEASURE_JS)
        if now["loadMs"] != last["loadMs"] or now["pending"]:
            stable_since = time.monotonic()
        last = now
        if time.monotonic() - stable_since >= SETTLE_SECONDS:
            return last
    raise TimeoutError(f"the sweep page did not settle within {LOAD_TIMEOUT_SECONDS:.0f} s")


def _measure_with_httpx(url: str) -> PageResult:
    """No browser: the document and the same-origin scripts and styles it names."""
    started = time.perf_counter()
    with httpx.Client(timeout=LOAD_TIMEOUT_SECONDS) as client:
        document = client.get(url)
        document.raise_for_status()
        sizes = [(url, document.num_bytes_downloaded)]
        for asset in re.findall(r'(?:src|href)="(/[^"]+\.(?:js|css))"', document.text):
            response = client.get(httpx.URL(url).join(asset))
            sizes.append((asset, response.num_bytes_downloaded))
    name, size = max(sizes, key=lambda item: item[1])
    load = PageLoad(
        load_seconds=time.perf_counter() - started,
        first_chart_seconds=float("nan"),
        scripts_seconds=float("nan"),
        transferred_bytes=sum(size for _, size in sizes),
        requests=len(sizes),
        charts=0,
        largest=f"{name.rsplit('/', 1)[-1]} ({size / 1e3:.0f} kB)",
    )
    return PageResult(
        first=load,
        repeats=[load],
        method=(
            "No Chromium/playwright here: httpx fetched the document and the scripts and "
            "styles it names, sequentially; data requests the page's scripts make and drawing "
            "time are NOT included."
        ),
    )
