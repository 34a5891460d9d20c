"""Everything the sweep page draws, computed on the server from one read of the sweep's runs.

A sweep of 10,000 runs must load in well under a second and a half and a few megabytes, so the
browser never receives histories or whole run records: only columns of numbers (parameters and
the metric, sampled to a bounded number of runs for the plots), the importance table, the best
runs and the stop decisions. :class:`SweepAnalyzer` caches each sweep's result until the sweep
or one of its runs changes.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sweeplab.domain import RunRecord, RunState, SweepRecord
from sweeplab.engine.stopping import STOP_REASON_PREFIX
from sweeplab.errors import SweeplabError
from sweeplab.server.dashboard.sampling import evenly_spaced, round_float
from sweeplab.server.dashboard.sweep_table import ParamColumn, metric_values, param_columns
from sweeplab.store.base import RunQuery, Store
from sweeplab.sweep_config import Goal, Method, MetricSpec, SweepConfig, load_sweep_config

# Upper bounds on what one sweep page ships (the load benchmark's sweep has 10,000 runs).
# (Chromium without a GPU draws 2,000 SVG markers in ~0.1 s; a WebGL scatter costs seconds.)
PARALLEL_MAX_RUNS = 1000
SCATTER_MAX_RUNS = 2000
TOP_RUN_COUNT = 10
DECISION_MAX_ROWS = 100
# A sweep with running runs is recomputed at least this often (metrics move stop decisions).
LIVE_REFRESH_SECONDS = 5.0


@dataclass(frozen=True)
class Progress:
    """How far a sweep is: ``done`` runs of ``total`` (None: unbounded), and why that total."""

    done: int
    total: int | None
    basis: str  # "run_cap", "grid size" or "" (random/bayes without run_cap)
    state_counts: dict[str, int]


def sweep_progress(config: SweepConfig, runs: Sequence[RunRecord]) -> Progress:
    """Runs started against ``run_cap`` or the grid's size, whichever is smaller.

    Every run counts, whatever its state: a crashed run keeps its place under ``run_cap`` and its
    grid point, as the engine does.
    """
    totals: list[tuple[int, str]] = []
    if config.run_cap is not None:
        totals.append((config.run_cap, "run_cap"))
    if config.method is Method.GRID:
        from sweeplab.search.grid import grid_size

        # A grid the engine cannot enumerate has no total to show.
        with contextlib.suppress(SweeplabError):
            totals.append((grid_size(config), "grid size"))
    total, basis = min(totals) if totals else (None, "")
    counts = Counter(run.state.value for run in runs)
    ordered = {state.value: counts[state.value] for state in RunState if counts[state.value]}
    return Progress(done=len(runs), total=total, basis=basis, state_counts=ordered)


class SweepAnalyzer:
    """Computes and caches :func:`analyze_sweep` per sweep.

    The cache key is cheap to read: the sweep's state and update time, and the most recently
    updated run (one indexed query), so an unchanged sweep of 10,000 runs costs one small query.
    Sweeps with running runs are recomputed at least every ``LIVE_REFRESH_SECONDS``.
    """

    def __init__(self, store: Store, clock: Callable[[], float] = time.monotonic) -> None:
        self._store = store
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[tuple[Any, ...], float, dict[str, Any]]] = {}

    def change_token(self, sweep: SweepRecord) -> tuple[Any, ...]:
        """What changes whenever the analysis could change (bar new metric rows)."""
        latest = self._store.list_runs(
            RunQuery(sweep_id=sweep.sweep_id, order="-updated_at", limit=1)
        )
        newest = (latest[0].run_id, latest[0].updated_at) if latest else None
        return (sweep.state.value, sweep.updated_at, sweep.state_reason, newest)

    def analysis(self, sweep_id: str) -> dict[str, Any]:
        """The sweep page's data (JSON-ready; NaN already replaced) for ``sweep_id``."""
        sweep = self._store.get_sweep(sweep_id)
        token = self.change_token(sweep)
        now = self._clock()
        with self._lock:
            cached = self._cache.get(sweep_id)
        if cached is not None and cached[0] == token and cached[1] > now:
            return cached[2]
        runs = self._store.sweep_runs(sweep_id)
        payload = analyze_sweep(self._store, sweep, runs)
        running = any(run.state is RunState.RUNNING for run in runs)
        expires = now + (LIVE_REFRESH_SECONDS if running else math.inf)
        with self._lock:
            self._cache[sweep_id] = (token, expires, payload)
        return payload


def analyze_sweep(store: Store, sweep: SweepRecord, runs: Sequence[RunRecord]) -> dict[str, Any]:
    """The sweep page's data from the sweep and all its runs (creation order)."""
    from sweeplab.server.dashboard.importance import parameter_importance

    config = load_sweep_config(dict(sweep.config))
    progress = sweep_progress(config, runs)
    columns = param_columns(config, runs)
    metric = config.metric
    values = metric_values(runs, metric.name) if metric else [None] * len(runs)
    report = parameter_importance(columns, values, seed=sweep.seed)
    return {
        "sweep_id": sweep.sweep_id,
        "state": sweep.state.value,
        "state_reason": sweep.state_reason,
        "metric": None if metric is None else {"name": metric.name, "goal": metric.goal.value},
        "progress": {
            "done": progress.done,
            "total": progress.total,
            "basis": progress.basis,
            "states": progress.state_counts,
        },
        "parallel": _parallel(columns, values, runs),
        "importance": {
            "run_count": report.run_count,
            "note": report.note,
            "rows": [
                {
                    "name": row.name,
                    "importance": round_float(row.importance),
                    "correlation": round_float(row.correlation),
                }
                for row in report.rows
            ],
        },
        "scatter": _scatter(runs, values, metric),
        "top_runs": _top_runs(runs, values, columns, metric),
        "decisions": _decisions(store, config, sweep, runs),
    }


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def _parallel(
    columns: Sequence[ParamColumn], values: Sequence[float | None], runs: Sequence[RunRecord]
) -> dict[str, Any]:
    """Parameter columns and the metric for up to ``PARALLEL_MAX_RUNS`` runs with a value."""
    with_value = [index for index, value in enumerate(values) if _finite(value)]
    chosen = evenly_spaced(with_value, PARALLEL_MAX_RUNS)
    return {
        "total": len(with_value),
        "shown": len(chosen),
        "run_ids": [runs[index].run_id for index in chosen],
        "metric": [round_float(values[index]) for index in chosen],
        "dimensions": [
            {
                "name": column.name,
                "categories": None if column.categories is None else list(column.categories),
                "log": column.log_scale,
                "values": [round_float(column.values[index]) for index in chosen],
            }
            for column in columns
        ],
    }


def _scatter(
    runs: Sequence[RunRecord], values: Sequence[float | None], metric: MetricSpec | None
) -> dict[str, Any]:
    """Metric against start time for up to ``SCATTER_MAX_RUNS`` runs, and the best so far."""
    with_value = [index for index, value in enumerate(values) if _finite(value)]
    chosen = evenly_spaced(with_value, SCATTER_MAX_RUNS)
    best_line: list[tuple[int, float]] = []
    best: float | None = None
    for index in with_value:  # creation order = start order
        value = values[index]
        assert value is not None
        if best is None or (metric is not None and metric.is_better(value, best)):
            best = value
            best_line.append((int(runs[index].created_at * 1000), value))
    return {
        "total": len(with_value),
        "time_ms": [int(runs[index].created_at * 1000) for index in chosen],
        "values": [round_float(values[index]) for index in chosen],
        "run_ids": [runs[index].run_id for index in chosen],
        "states": [runs[index].state.value for index in chosen],
        "best_time_ms": [point[0] for point in best_line],
        "best_values": [round_float(point[1]) for point in best_line],
    }


def _top_runs(
    runs: Sequence[RunRecord],
    values: Sequence[float | None],
    columns: Sequence[ParamColumn],
    metric: MetricSpec | None,
) -> list[dict[str, Any]]:
    """The best ``TOP_RUN_COUNT`` runs by the metric, with their parameters."""
    if metric is None:
        return []
    sign = -1.0 if metric.goal is Goal.MAXIMIZE else 1.0
    ranked = sorted(
        (index for index, value in enumerate(values) if _finite(value)),
        key=lambda index: sign * (values[index] or 0.0),
    )[:TOP_RUN_COUNT]
    rows = []
    for index in ranked:
        params: dict[str, Any] = {}
        for column in columns:
            raw = column.values[index]
            if raw is not None and column.categories is not None:
                params[column.name] = column.categories[int(raw)]
            else:
                params[column.name] = round_float(raw)
        run = runs[index]
        rows.append(
            {
                "run_id": run.run_id,
                "name": run.name or run.run_id,
                "state": run.state.value,
                "value": round_float(values[index]),
                "params": params,
            }
        )
    return rows


def _decisions(
    store: Store, config: SweepConfig, sweep: SweepRecord, runs: Sequence[RunRecord]
) -> dict[str, Any]:
    """Hyperband's verdicts on running runs now, and the runs it already stopped (with why)."""
    pending: list[dict[str, Any]] = []
    spec, metric = config.early_terminate, config.metric
    if (
        spec is not None
        and metric is not None
        and any(run.state is RunState.RUNNING for run in runs)
    ):
        from sweeplab.stopping import hyperband_decisions

        # The same judgement as the engine's Controller.stop_decisions, on runs already read.
        # Runs without values never reach a band, so they neither set thresholds nor get
        # judged; leaving them out (and building bare records) keeps 10,000 runs cheap.
        histories = store.metric_histories(sweep.sweep_id, metric.name)
        records = [
            RunRecord(
                run_id=run.run_id,
                state=run.state,
                config={},
                history={metric.name: tuple(histories[run.run_id])},
            )
            for run in runs
            if histories.get(run.run_id)
        ]
        for decision in hyperband_decisions(spec, metric, records):
            pending.append(
                {
                    "run_id": decision.run_id,
                    "should_stop": decision.should_stop,
                    "reason": decision.reason,
                }
            )
    stopped = [
        run
        for run in runs
        if run.end_reason.startswith(STOP_REASON_PREFIX)
        or run.stop_requested.startswith(STOP_REASON_PREFIX)
    ]
    names = {run.run_id: run.name or run.run_id for run in runs}
    return {
        "enabled": spec is not None,
        "current": [{**row, "name": names.get(row["run_id"], row["run_id"])} for row in pending][
            :DECISION_MAX_ROWS
        ],
        "stopped_total": len(stopped),
        "stopped": [
            {
                "run_id": run.run_id,
                "name": run.name or run.run_id,
                "state": run.state.value,
                "reason": run.end_reason or run.stop_requested,
            }
            for run in stopped[-DECISION_MAX_ROWS:]
        ],
    }
