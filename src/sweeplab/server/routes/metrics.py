"""``/api/v1/runs/{id}/metrics``: batched idempotent ingest; full or downsampled reads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from sweeplab.errors import RequestError
from sweeplab.server.auth import require_read, require_write
from sweeplab.server.downsample import downsample_min_max
from sweeplab.server.routes.params import RunIdPath
from sweeplab.server.state import StateDep, StoreDep
from sweeplab.wire import limits
from sweeplab.wire.models import LoggedOut, MetricsOut
from sweeplab.wire.requests import MetricBatch

router = APIRouter(prefix="/api/v1", tags=["metrics"])


@router.post(
    "/runs/{run_id}/metrics", response_model=LoggedOut, dependencies=[Depends(require_write)]
)
def log_metrics(run_id: RunIdPath, body: MetricBatch, state: StateDep) -> LoggedOut:
    """Store ``[step, key, value, wall_time]`` rows, then merge ``config`` and ``summary``
    into the run (one transaction); a row already stored keeps its first value, so resending
    a batch is harmless. Returns how many rows were new and whether the run should stop
    (``stop_requested``); new rows of a sweep run get its early termination judged soon."""
    ingested = state.store.ingest(run_id, body.to_rows(), body.to_changes(), now=body.now)
    if ingested.sweep_id is not None and ingested.new_rows:
        state.stopping.note_new_metrics(ingested.sweep_id)
    return LoggedOut.from_ingested(ingested)


@router.get(
    "/runs/{run_id}/metrics", response_model=MetricsOut, dependencies=[Depends(require_read)]
)
def read_metrics(
    run_id: RunIdPath,
    store: StoreDep,
    keys: Annotated[list[str] | None, Query(max_length=limits.MAX_METRIC_KEYS_PER_READ)] = None,
    samples: Annotated[int | None, Query(ge=limits.MIN_SAMPLES, le=limits.MAX_SAMPLES)] = None,
) -> MetricsOut:
    """Each key's ``[step, value]`` pairs in step order (every key without ``keys``).
    ``samples=N`` returns at most N points per key, keeping each stretch's min and max."""
    for key in keys or ():
        if not 0 < len(key) <= limits.MAX_METRIC_KEY_CHARS:
            raise RequestError(
                f"metric keys must have 1 to {limits.MAX_METRIC_KEY_CHARS} characters, "
                f"got one of {len(key)}"
            )
    series = store.read_metrics(run_id, keys)
    if samples is not None:
        series = {key: downsample_min_max(points, samples) for key, points in series.items()}
    return MetricsOut(metrics=series)
