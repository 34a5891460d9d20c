"""What every dashboard route shares: the store, templates, caches and the live-update hub."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import Environment
from starlette.requests import Request
from starlette.responses import Response

from sweeplab.errors import SweeplabError
from sweeplab.server.dashboard.assets import AssetLibrary
from sweeplab.server.dashboard.live import LiveHub
from sweeplab.server.dashboard.projects import ProjectCache
from sweeplab.server.dashboard.sweep_analysis import SweepAnalyzer
from sweeplab.server.dashboard.templating import render
from sweeplab.store.base import Store


@dataclass
class Dashboard:
    """One dashboard's shared parts; built once by ``build_dashboard_router``."""

    store: Store
    settings: Any
    templates: Environment
    assets: AssetLibrary
    analyzer: SweepAnalyzer
    projects: ProjectCache
    live: LiveHub

    def page(
        self, request: Request, template: str, context: dict[str, Any], status_code: int = 200
    ) -> Response:
        return render(self.templates, request, template, context, status_code)

    def error_page(self, request: Request, error: SweeplabError) -> Response:
        """An HTML page for an error a page handler met (unknown run, bad query)."""
        from sweeplab.wire.errors import status_for

        status = status_for(error.code)
        return self.page(
            request,
            "error.html",
            {
                "title": "Not found" if status == 404 else "Cannot show this page",
                "message": str(error),
                "code": error.code,
            },
            status_code=status,
        )
