"""The dashboard: server-rendered pages over the store, charts with plotly.js, live via SSE.

``create_app`` mounts :func:`build_dashboard_router`. Routes:

| route | what |
| --- | --- |
| ``/`` | projects |
| ``/projects/{project}`` | a project's sweeps and runs table (sort, filter, group, pages) |
| ``/runs/{run_id}`` | a run: config, summary, metric charts (``?compare=a,b`` overlays) |
| ``/sweeps/{sweep_id}`` | a sweep: controls, progress, parallel coordinates, importance |
| ``/login``, ``/logout`` | sign a browser in with an API key (an HttpOnly cookie) |
| ``/dashboard/data/...`` | chart data as JSON (downsampled, bounded) |
| ``/dashboard/live/...`` | server-sent events for running runs and sweeps |
| ``/static/...`` | the dashboard's CSS and scripts, and plotly.js from the plotly wheel |

See ``docs/dashboard.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter

from sweeplab.store.base import Store

if TYPE_CHECKING:
    from sweeplab.server.dashboard.context import Dashboard
    from sweeplab.server.dashboard.live import LiveSettings


class DashboardRouter(APIRouter):
    """The dashboard's router; ``shutdown()`` ends its live streams (call it on shutdown)."""

    def __init__(self, dashboard: Dashboard) -> None:
        super().__init__(include_in_schema=False)
        self.dashboard = dashboard

    def shutdown(self) -> None:
        """Close every open live-update stream at its next tick (within ~0.1 s)."""
        self.dashboard.live.close()


def build_dashboard_router(
    store: Store, settings: Any, *, live: LiveSettings | None = None
) -> DashboardRouter:
    """The dashboard's routes over ``store``; ``settings`` is the server's ``ServerSettings``.

    ``live`` tunes the live-update streams (tests poll faster). Nothing is read from the store
    until a page is requested; plotly.js starts compressing at once, in the background.
    """
    from sweeplab.server.dashboard.assets import AssetLibrary
    from sweeplab.server.dashboard.context import Dashboard
    from sweeplab.server.dashboard.data_routes import add_data_routes
    from sweeplab.server.dashboard.live import LiveHub, LiveSettings
    from sweeplab.server.dashboard.login import add_login_routes
    from sweeplab.server.dashboard.pages import add_page_routes
    from sweeplab.server.dashboard.projects import ProjectCache
    from sweeplab.server.dashboard.sweep_analysis import SweepAnalyzer
    from sweeplab.server.dashboard.templating import make_environment

    assets = AssetLibrary()
    assets.prepare_in_background()
    dashboard = Dashboard(
        store=store,
        settings=settings,
        templates=make_environment(assets),
        assets=assets,
        analyzer=SweepAnalyzer(store),
        projects=ProjectCache(store),
        live=LiveHub(store, live or LiveSettings()),
    )
    router = DashboardRouter(dashboard)
    add_login_routes(router, dashboard)
    add_data_routes(router, dashboard)
    add_page_routes(router, dashboard)
    return router


__all__ = ["DashboardRouter", "build_dashboard_router"]
