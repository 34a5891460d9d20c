"""Every route of the app has an auth decision — the dashboard's included.

Statically: each route depends on exactly one of ``require_read``, ``require_write`` or
``allow_public``, and only the allow-listed routes are public. Dynamically: with keys in the
store, every non-public route refuses a request without a key (401), and every write route
refuses a read-only key (403).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.routing import Mount

from sweeplab.server.app import create_app
from sweeplab.server.auth import allow_public, require_read, require_write
from sweeplab.server.settings import ServerSettings
from sweeplab.store.base import Store
from tests.server.conftest import Keys
from tests.server.inprocess import client_for

# Routes anyone may call; each needs a reason to be here.
PUBLIC = {
    ("GET", "/healthz"),  # load balancers and `sweeplab server` health checks
    # The dashboard's sign-in: a browser without the key cookie must reach it to get one.
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
    # Static assets (CSS, JavaScript, plotly.js) hold no data.
    ("GET", "/static/plotly.min.js"),
    ("GET", "/static/dashboard/{name}"),
}
# FastAPI's own pages: the published API description holds no data.
FRAMEWORK_ROUTES = {"/api/v1/openapi.json", "/api/v1/docs"}
# Static files (CSS, plotly.js): no data in them.
STATIC_PREFIXES = ("/static",)
DECISIONS: dict[Callable[..., Any], str] = {
    require_read: "read",
    require_write: "write",
    allow_public: "public",
}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass(frozen=True)
class RouteInfo:
    method: str
    path: str
    decisions: tuple[str, ...]


def _decisions(dependant: Any) -> Iterator[str]:
    for dependency in dependant.dependencies:
        if dependency.call in DECISIONS:
            yield DECISIONS[dependency.call]
        yield from _decisions(dependency)


def _routes(app: FastAPI) -> tuple[list[RouteInfo], list[str]]:
    """Every (method, path) with its auth decisions, and the paths of mounts."""
    routes: list[RouteInfo] = []
    mounts: list[str] = []
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, Mount):
            mounts.append(str(context.path))
            continue
        path = str(context.path)
        if path in FRAMEWORK_ROUTES:
            continue
        dependant = getattr(context, "dependant", None)
        found = tuple(_decisions(dependant)) if dependant is not None else ()
        for method in sorted(context.methods or {"GET"}):
            if method != "HEAD":
                routes.append(RouteInfo(method, path, found))
    return routes, mounts


@pytest.fixture
def app(store: Store) -> FastAPI:
    return create_app(store, ServerSettings(key_cache_seconds=0))


def test_every_route_has_exactly_one_auth_decision(app: FastAPI) -> None:
    routes, mounts = _routes(app)
    assert len(routes) > 25  # the whole API is seen (and the dashboard, once mounted)
    missing = [f"{r.method} {r.path}" for r in routes if len(r.decisions) != 1]
    assert not missing, f"routes without exactly one auth decision: {missing}"
    public = {(r.method, r.path) for r in routes if r.decisions == ("public",)}
    assert public == PUBLIC
    unprotected_writes = [
        f"{r.method} {r.path}"
        for r in routes
        if r.method in WRITE_METHODS and r.decisions == ("read",) and not _read_only_post(r)
    ]
    assert not unprotected_writes, unprotected_writes
    stray_mounts = [path for path in mounts if not path.startswith(STATIC_PREFIXES)]
    assert not stray_mounts, f"mounted apps bypass route dependencies: {stray_mounts}"


def _read_only_post(route: RouteInfo) -> bool:
    """POST routes that only read (a query too rich for a URL)."""
    return (route.method, route.path) in {("POST", "/api/v1/runs/query")}


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path)


def test_every_protected_route_refuses_without_a_key(app: FastAPI, keys: Keys) -> None:
    routes, _ = _routes(app)
    with client_for(app) as anonymous, client_for(app, keys.read_only) as reader:
        for route in routes:
            if route.decisions == ("public",):
                continue
            path = _concrete(route.path)
            answer = anonymous.request(route.method, path)
            assert answer.status_code == 401, (route, answer.status_code, answer.text[:200])
            if route.decisions == ("write",):
                refused = reader.request(route.method, path)
                assert refused.status_code == 403, (route, refused.status_code)
