"""Signing a browser in: paste an API key once, the server keeps it in an HttpOnly cookie.

The cookie (``sweeplab_api_key``, ``HttpOnly``, ``SameSite=Strict``) is what
:mod:`sweeplab.server.auth` reads for browser requests; scripts never see the key, and the
dashboard's write buttons add the ``X-Sweeplab-Request: 1`` header the server demands of
cookie-authenticated writes. These routes are public by nature (you are not signed in yet);
a key is only accepted if the server knows it.
"""

from __future__ import annotations

from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from sweeplab.server.auth import API_KEY_COOKIE, allow_public, authenticator_of
from sweeplab.server.dashboard.context import Dashboard
from sweeplab.server.dashboard.templating import base_path

_MAX_FORM_BYTES = 4096
# A year: the key itself is what gets revoked, not the cookie.
_COOKIE_MAX_AGE_SECONDS = 365 * 24 * 3600


def safe_next(base: str, target: str | None) -> str:
    """Where to go after signing in: a path on this server only (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return base + "/"
    return target


def login_redirect(request: Request) -> Response | None:
    """Where to send a browser that asked for a dashboard page without a valid key.

    For the app's handler of ``AuthenticationError``: a ``GET`` that accepts HTML, outside
    ``/api/`` and the dashboard's data and live routes, gets a redirect to the sign-in page
    (which comes back to the page afterwards); anything else gets ``None`` (answer with JSON).
    """
    base = base_path(request)
    path = request.url.path.removeprefix(base) if base else request.url.path
    wants_page = request.method == "GET" and "text/html" in request.headers.get("accept", "")
    if not wants_page or path.startswith(("/api/", "/dashboard/", "/static/", "/login")):
        return None
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"{base}/login?next={quote(target, safe='')}", status_code=303)


def add_login_routes(router: APIRouter, dashboard: Dashboard) -> None:
    public = [Depends(allow_public)]

    @router.get("/login", dependencies=public, response_class=HTMLResponse)
    def login_form(request: Request) -> Response:
        return dashboard.page(
            request,
            "login.html",
            {
                "title": "Sign in",
                "next": safe_next(base_path(request), request.query_params.get("next")),
                "problem": "",
            },
        )

    @router.post("/login", dependencies=public)
    async def login(request: Request) -> Response:
        body = await request.body()
        form = parse_qs(body[:_MAX_FORM_BYTES].decode("utf-8", "replace"))
        api_key = (form.get("api_key") or [""])[0].strip()
        target = safe_next(base_path(request), form.get("next", [""])[0])
        if authenticator_of(request).lookup(api_key) is None:
            return dashboard.page(
                request,
                "login.html",
                {
                    "title": "Sign in",
                    "next": target,
                    "problem": "This server does not know that key. Create one on the server with "
                    "`sweeplab server create-key`.",
                },
                status_code=401,
            )
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(
            API_KEY_COOKIE,
            api_key,
            max_age=_COOKIE_MAX_AGE_SECONDS,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path=base_path(request) + "/",
        )
        return response

    @router.post("/logout", dependencies=public)
    def logout(request: Request) -> Response:
        response = RedirectResponse(base_path(request) + "/login", status_code=303)
        response.delete_cookie(API_KEY_COOKIE, path=base_path(request) + "/")
        return response
