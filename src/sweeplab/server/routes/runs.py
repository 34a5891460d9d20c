"""``/api/v1/runs``: create, read, list (filter, sort, page), update, heartbeat, reap."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from sweeplab.domain import RunState
from sweeplab.server.auth import require_read, require_write
from sweeplab.server.routes.params import RunIdPath
from sweeplab.server.state import StateDep, StoreDep
from sweeplab.store.base import RunQuery, Store
from sweeplab.wire import limits
from sweeplab.wire.models import ReapedOut, RunOut, RunPageOut
from sweeplab.wire.requests import Heartbeat, Reap, RunCreate, RunQueryBody, RunUpdate

router = APIRouter(prefix="/api/v1", tags=["runs"])

LabelQuery = Annotated[str | None, Query(max_length=limits.MAX_LABEL_CHARS)]


@router.post("/runs", status_code=201, response_model=RunOut, dependencies=[Depends(require_write)])
def create_run(body: RunCreate, store: StoreDep) -> RunOut:
    """Start a run; an id that exists in the same project returns that run (resume)."""
    return RunOut.from_record(store.create_run(body.to_new_run(), now=body.now))


@router.get("/runs", response_model=RunPageOut, dependencies=[Depends(require_read)])
def list_runs(
    *,
    store: StoreDep,
    project: Annotated[str | None, Query(max_length=limits.MAX_PROJECT_CHARS)] = None,
    sweep_id: Annotated[str | None, Query(max_length=limits.MAX_ID_CHARS)] = None,
    state: Annotated[list[RunState] | None, Query(max_length=len(RunState))] = None,
    group: LabelQuery = None,
    tag: Annotated[list[str] | None, Query(max_length=limits.MAX_TAGS)] = None,
    order: Annotated[str, Query(max_length=limits.MAX_METRIC_KEY_CHARS + 9)] = "created_at",
    limit: Annotated[int, Query(ge=0, le=limits.MAX_PAGE_SIZE)] = 100,
    offset: Annotated[int, Query(ge=0, le=limits.MAX_OFFSET)] = 0,
) -> RunPageOut:
    """Runs matching every given filter, ordered by ``order`` (a field or ``summary.<key>``,
    ``-`` for descending), one page at a time (config/summary filters: ``POST /runs/query``)."""
    query = RunQuery(
        project=project,
        sweep_id=sweep_id,
        states=tuple(state or ()),
        group=group,
        tags=tuple(tag or ()),
        order=order,
        limit=limit,
        offset=offset,
    )
    return _page(store, query)


@router.post("/runs/query", response_model=RunPageOut, dependencies=[Depends(require_read)])
def query_runs(body: RunQueryBody, store: StoreDep) -> RunPageOut:
    """Like ``GET /runs``, with every :class:`RunQuery` feature (config/summary equality)."""
    return _page(store, body.to_query())


def _page(store: Store, query: RunQuery) -> RunPageOut:
    runs = store.list_runs(query)
    limit = query.limit if query.limit is not None else len(runs)
    full = limit > 0 and len(runs) == limit
    return RunPageOut(
        runs=[RunOut.from_record(run) for run in runs],
        next_offset=query.offset + limit if full else None,
    )


@router.get("/runs/{run_id}", response_model=RunOut, dependencies=[Depends(require_read)])
def get_run(
    run_id: RunIdPath, store: StoreDep, history: Annotated[bool, Query()] = False
) -> RunOut:
    """A run; ``?history=true`` adds every metric's values in step order."""
    return RunOut.from_record(store.get_run(run_id, with_history=history))


@router.patch("/runs/{run_id}", response_model=RunOut, dependencies=[Depends(require_write)])
def update_run(run_id: RunIdPath, body: RunUpdate, store: StoreDep) -> RunOut:
    """Change a run: state, config and summary (merged key by key), name, tags, notes."""
    return RunOut.from_record(store.update_run(run_id, body.to_changes(), now=body.now))


@router.post(
    "/runs/{run_id}/heartbeat", response_model=RunOut, dependencies=[Depends(require_write)]
)
def heartbeat(run_id: RunIdPath, body: Heartbeat, store: StoreDep) -> RunOut:
    """Extend a running run's lease; the answer's ``stop_requested`` says if it should stop.
    (Agents use ``POST /runs/{id}/agent-heartbeat``, which also judges early termination.)"""
    return RunOut.from_record(store.heartbeat(run_id, body.lease_seconds, now=body.now))


@router.post("/runs/reap", response_model=ReapedOut, dependencies=[Depends(require_write)])
def reap(body: Reap, state: StateDep) -> ReapedOut:
    """Mark running runs whose lease expired as crashed. The server reaps by itself every
    few seconds, so without ``now`` this reaps at most once a second, whoever asks."""
    if body.now is None and not state.reaping.due():
        return ReapedOut(run_ids=[])
    return ReapedOut(run_ids=state.store.reap_expired(now=body.now))
