"""The dashboard's non-HTML routes: static assets, chart data (JSON) and live streams (SSE).

Chart data lives here rather than in ``/api/v1``: it is shaped for one page (downsampled,
rounded, sampled to a bounded size) and may change with the pages, while the versioned API
stays stable for programs.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from sweeplab.errors import NotFoundError, RequestError
from sweeplab.server.auth import allow_public, require_read
from sweeplab.server.dashboard.assets import asset_response
from sweeplab.server.dashboard.context import Dashboard
from sweeplab.server.dashboard.live import (
    MAX_STREAM_RUNS,
    RunsStream,
    parse_cursor,
    runs_event_stream,
    sweep_event_stream,
)
from sweeplab.server.dashboard.responses import json_response
from sweeplab.server.dashboard.run_series import DEFAULT_POINTS, run_series

_SSE_HEADERS = {
    "Cache-Control": "no-store",
    # nginx and similar proxies buffer responses unless told not to; events must flow.
    "X-Accel-Buffering": "no",
}


def add_data_routes(router: APIRouter, dashboard: Dashboard) -> None:
    """Register assets, chart data and live-update routes on ``router``."""
    read = [Depends(require_read)]

    # Package files, no user data: public, so the login page has its styles too.
    @router.get("/static/dashboard/{name}", dependencies=[Depends(allow_public)])
    def own_asset(request: Request, name: str) -> Response:
        return asset_response(dashboard.assets.get(name), request)

    @router.get("/static/plotly.min.js", dependencies=[Depends(allow_public)])
    def plotly_asset(request: Request) -> Response:
        return asset_response(dashboard.assets.get("plotly.min.js"), request)

    @router.get("/dashboard/data/metrics", dependencies=read)
    def metrics_data(
        request: Request,
        *,
        run: list[str] = Query(default_factory=list),  # noqa: B008 - FastAPI's idiom
        key: list[str] = Query(default_factory=list),  # noqa: B008
        points: int = DEFAULT_POINTS,
        min_step: int | None = None,
        max_step: int | None = None,
    ) -> Response:
        payload = run_series(
            dashboard.store, run, key, points=points, min_step=min_step, max_step=max_step
        )
        return json_response(request, payload)

    @router.get("/dashboard/data/sweeps/{sweep_id}", dependencies=read)
    def sweep_data(request: Request, sweep_id: str) -> Response:
        return json_response(request, dashboard.analyzer.analysis(sweep_id))

    @router.get("/dashboard/live/runs", dependencies=read)
    def live_runs(
        request: Request,
        run: list[str] = Query(default_factory=list),  # noqa: B008
        metrics: bool = True,
        cursor: str = "",
    ) -> StreamingResponse:
        run_ids = list(dict.fromkeys(run))
        if not run_ids or len(run_ids) > MAX_STREAM_RUNS:
            raise RequestError(
                f"live updates follow 1 to {MAX_STREAM_RUNS} runs (?run=<id>, repeated), "
                f"got {len(run_ids)}"
            )
        for run_id in run_ids:
            dashboard.store.get_run(run_id)  # NotFoundError before the stream starts
        # A reconnecting EventSource sends the last event id, which is the cursor.
        resume_from = request.headers.get("last-event-id") or cursor
        stream = RunsStream(dashboard.store, run_ids, parse_cursor(resume_from, run_ids), metrics)
        return StreamingResponse(
            runs_event_stream(dashboard.live, request, stream),
            media_type="text/event-stream",
            headers=_SSE_HEADERS,
        )

    @router.get("/dashboard/live/sweeps/{sweep_id}", dependencies=read)
    def live_sweep(request: Request, sweep_id: str) -> StreamingResponse:
        store = dashboard.store
        store.get_sweep(sweep_id)  # NotFoundError before the stream starts

        def token() -> tuple[object, ...]:
            try:
                return dashboard.analyzer.change_token(store.get_sweep(sweep_id))
            except NotFoundError:
                return ("deleted",)

        return StreamingResponse(
            sweep_event_stream(dashboard.live, request, token),
            media_type="text/event-stream",
            headers=_SSE_HEADERS,
        )
