"""The app's exception handlers: every failure becomes ``{"error": {...}}`` with its status.

The status of a sweeplab error comes from the one table in :mod:`sweeplab.wire.errors`.
Malformed requests (pydantic's validation) become ``request_invalid`` listing every problem
with its place in the request; unknown routes keep their 404/405; anything unexpected is a
500 ``internal_error`` whose details go to the server log, not to the client.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from sweeplab.errors import AuthenticationError, RequestError, SweeplabError
from sweeplab.wire.errors import (
    INTERNAL_ERROR_CODE,
    error_body,
    plain_error_body,
    status_for,
    status_of,
)

log = logging.getLogger("sweeplab.server")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(SweeplabError, _sweeplab_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)


def error_response(error: SweeplabError) -> JSONResponse:
    """The response for ``error`` (also used by middleware, which runs outside handlers)."""
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, AuthenticationError) else None
    return JSONResponse(error_body(error), status_code=status_of(error), headers=headers)


async def _sweeplab_error(request: Request, error: SweeplabError) -> Response:
    if isinstance(error, AuthenticationError):
        # A browser opening a dashboard page is sent to the sign-in page, not shown JSON.
        from sweeplab.server.dashboard.login import login_redirect

        redirect = login_redirect(request)
        if redirect is not None:
            return redirect
    return error_response(error)


async def _invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
    problems = [_problem(item) for item in error.errors()]
    summary = "; ".join(f"{path}: {message}" if path else message for path, message in problems)
    failure = RequestError(f"invalid request to {request.method} {request.url.path}: {summary}")
    body = error_body(failure)
    body["error"]["violations"] = [{"path": path, "message": msg} for path, msg in problems]
    return JSONResponse(body, status_code=status_for(failure.code))


def _problem(item: Any) -> tuple[str, str]:
    location: Sequence[Any] = item.get("loc", ()) if isinstance(item, dict) else ()
    path = ".".join(str(part) for part in location)
    message = str(item.get("msg", "invalid")) if isinstance(item, dict) else str(item)
    return path, message[:500]


async def _http_error(request: Request, error: HTTPException) -> JSONResponse:
    code = "not_found" if error.status_code == 404 else f"http_{error.status_code}"
    return JSONResponse(
        plain_error_body(code, str(error.detail)),
        status_code=error.status_code,
        headers=error.headers,
    )


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unexpected error in %s %s", request.method, request.url.path)
    message = (
        f"the server failed on {request.method} {request.url.path} "
        f"({type(error).__name__}); the server log has the details"
    )
    return JSONResponse(plain_error_body(INTERNAL_ERROR_CODE, message), status_code=500)
