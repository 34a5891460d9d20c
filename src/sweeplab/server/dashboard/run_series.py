"""Metric series of one or more runs, downsampled on the server for line charts.

A run can log millions of points; the browser gets at most ``points`` per series, chosen by
the server core's min/max-preserving downsampler (:mod:`sweeplab.server.downsample`), so
spikes and dips survive. A zoomed chart asks again for its step range and gets full detail
there. Non-finite values become ``null`` (a gap in the line).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from sweeplab.errors import RequestError
from sweeplab.server.dashboard.sampling import round_float
from sweeplab.server.downsample import downsample_min_max
from sweeplab.store.base import Store

DEFAULT_POINTS = 1000
MAX_POINTS = 5000
MIN_POINTS = 10
# One chart overlays at most this many runs (each costs one metrics read).
MAX_RUNS = 20
MAX_KEYS = 200


def check_series_request(run_ids: Sequence[str], keys: Sequence[str], points: int) -> None:
    """Refuse requests that would read or ship too much, saying what the limits are."""
    if not run_ids:
        raise RequestError("name at least one run: ?run=<run id> (repeat for more runs)")
    if len(run_ids) > MAX_RUNS:
        raise RequestError(
            f"at most {MAX_RUNS} runs can be overlaid in one chart request, got {len(run_ids)}"
        )
    if len(keys) > MAX_KEYS:
        raise RequestError(f"at most {MAX_KEYS} metric keys per request, got {len(keys)}")
    if not MIN_POINTS <= points <= MAX_POINTS:
        raise RequestError(
            f"points must be between {MIN_POINTS} and {MAX_POINTS} (per series), got {points}"
        )


def is_chart_key(key: str) -> bool:
    """Keys shown as charts by default: W&B's bookkeeping keys (``_runtime``...) are not."""
    return not key.startswith("_")


def run_series(
    store: Store,
    run_ids: Sequence[str],
    keys: Sequence[str],
    *,
    points: int = DEFAULT_POINTS,
    min_step: int | None = None,
    max_step: int | None = None,
) -> dict[str, Any]:
    """Each run's series for ``keys`` (all chart keys when empty), downsampled to ``points``."""
    check_series_request(run_ids, keys, points)
    result_runs: list[dict[str, Any]] = []
    all_keys: set[str] = set()
    for run_id in dict.fromkeys(run_ids):  # keep order, drop repeats
        run = store.get_run(run_id)
        series = store.read_metrics(run_id, list(keys) if keys else None)
        shaped: dict[str, Any] = {}
        for key, rows in series.items():
            if not keys and not is_chart_key(key):
                continue
            all_keys.add(key)
            shaped[key] = _shape(rows, points, min_step, max_step)
        result_runs.append(
            {
                "run_id": run.run_id,
                "name": run.name or run.run_id,
                "state": run.state.value,
                "series": shaped,
            }
        )
    return {"runs": result_runs, "keys": sorted(all_keys)}


def _shape(
    rows: Sequence[tuple[int, float]], points: int, min_step: int | None, max_step: int | None
) -> dict[str, Any]:
    if min_step is not None or max_step is not None:
        low = -math.inf if min_step is None else min_step
        high = math.inf if max_step is None else max_step
        rows = [row for row in rows if low <= row[0] <= high]
    sampled = downsample_min_max(rows, points)
    return {
        "total": len(rows),
        "steps": [step for step, _ in sampled],
        "values": [round_float(value) for _, value in sampled],
    }
