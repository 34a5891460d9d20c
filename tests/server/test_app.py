"""``create_app``: no work at import, the dashboard mounted once it exists."""

from __future__ import annotations

import subprocess
import sys

import pytest
from fastapi.routing import iter_route_contexts

import sweeplab.server.app as app_module
from sweeplab.server.app import create_app
from sweeplab.store.base import Store


def _paths(store: Store) -> set[str]:
    return {str(context.path) for context in iter_route_contexts(create_app(store).routes)}


def test_the_dashboard_is_mounted_when_it_exists(store: Store) -> None:
    paths = _paths(store)
    assert "/healthz" in paths
    assert "/" in paths  # the dashboard's projects page


def test_without_a_dashboard_the_api_still_serves(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "DASHBOARD_MODULE", "sweeplab.server.no_such_dashboard")
    paths = _paths(store)
    assert "/api/v1/runs" in paths and "/" not in paths


def test_a_broken_dashboard_is_an_error_not_a_silent_skip(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "DASHBOARD_MODULE", "sweeplab.server.settings")
    with pytest.raises(AttributeError, match="build_dashboard_router"):
        create_app(store)


def test_import_sweeplab_loads_no_server_libraries() -> None:
    code = (
        "import sys, sweeplab, sweeplab.store, sweeplab.engine\n"
        "heavy = {'fastapi', 'uvicorn', 'httpx', 'pydantic', 'starlette'} & set(sys.modules)\n"
        "print(sorted(heavy))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
