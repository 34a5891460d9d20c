"""Error codes ↔ HTTP status, in one table, and the error body both sides agree on.

The server turns any :class:`~sweeplab.errors.SweeplabError` into ``status_for(code)`` with
the body from :func:`error_body`; the client turns such a body back into the same exception
class (:func:`error_from_body`), so ``except NotFoundError`` works the same against a server
as against a local store.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sweeplab import errors
from sweeplab.errors import ConfigError, StateTransitionError, SweeplabError, Violation
from sweeplab.wire.json_values import tag, untag

INTERNAL_ERROR_CODE = "internal_error"

# Every code of sweeplab.errors and the status it travels with. 5xx statuses are retried by
# the client; 4xx never are (the same request would fail the same way).
STATUS_BY_CODE: Mapping[str, int] = {
    errors.SweeplabError.code: 400,
    errors.ConfigError.code: 422,
    errors.StateTransitionError.code: 409,
    errors.SearchError.code: 422,
    errors.NotFoundError.code: 404,
    errors.UsageError.code: 400,
    errors.RunStopped.code: 409,
    errors.ConflictError.code: 409,
    errors.RunFinishedError.code: 409,
    errors.QueryError.code: 400,
    # A framework the server itself lacks is the server's problem, not the request's.
    errors.MissingExtraError.code: 500,
    errors.RequestError.code: 422,
    errors.PayloadTooLargeError.code: 413,
    errors.AuthenticationError.code: 401,
    errors.PermissionDeniedError.code: 403,
    # The server's own store failing (a locked or unreachable database) is worth a retry.
    errors.StoreError.code: 503,
    errors.StoreUrlError.code: 500,
    errors.SchemaOutdatedError.code: 503,
    errors.SchemaTooNewError.code: 503,
    errors.ServerUnavailableError.code: 503,
    INTERNAL_ERROR_CODE: 500,
}


def _error_classes() -> dict[str, type[SweeplabError]]:
    found: dict[str, type[SweeplabError]] = {}
    pending: list[type[SweeplabError]] = [SweeplabError]
    while pending:
        cls = pending.pop()
        found[cls.code] = cls
        pending.extend(cls.__subclasses__())
    return found


def status_for(code: str) -> int:
    """The HTTP status of an error ``code`` (500 for a code this table lacks)."""
    return STATUS_BY_CODE.get(code, 500)


def status_of(error: SweeplabError) -> int:
    """The HTTP status of ``error``: its code's, else its nearest ancestor's in the table
    (a new subclass of ``UsageError`` travels as 400 without a table change)."""
    for cls in type(error).__mro__:
        code = getattr(cls, "code", None)
        if isinstance(code, str) and code in STATUS_BY_CODE:
            return STATUS_BY_CODE[code]
    return 500


def error_body(error: SweeplabError) -> dict[str, Any]:
    """The JSON body of an error response (``{"error": {"code", "message", ...}}``)."""
    detail: dict[str, Any] = {"code": error.code, "message": str(error)}
    if isinstance(error, ConfigError):
        detail["violations"] = [{"path": v.path, "message": v.message} for v in error.violations]
    if isinstance(error, StateTransitionError):
        detail["details"] = {
            "kind": error.kind,
            "current": error.current,
            "requested": error.requested,
        }
    return {"error": tag(detail)}


def plain_error_body(code: str, message: str) -> dict[str, Any]:
    """An error body for failures that are not sweeplab errors (internal errors, 404 routes)."""
    return {"error": {"code": code, "message": message}}


def error_from_body(status: int, body: Any, context: str) -> SweeplabError:
    """The exception a server's error response stands for.

    ``context`` (``"POST /api/v1/runs"``) is added to errors that lack a sweeplab code, so the
    message still says where it came from.
    """
    detail = body.get("error") if isinstance(body, dict) else None
    if not isinstance(detail, dict) or not isinstance(detail.get("code"), str):
        return _unexpected(status, context, body)
    detail = untag(detail)
    code, message = detail["code"], str(detail.get("message", ""))
    cls = _error_classes().get(code)
    if cls is None:
        return _unexpected(status, context, message)
    if cls is ConfigError:
        violations = [
            Violation(str(item.get("path", "")), str(item.get("message", "")))
            for item in detail.get("violations") or []
            if isinstance(item, dict)
        ]
        return ConfigError(violations or [Violation("", message)])
    if cls is StateTransitionError:
        details = detail.get("details") or {}
        if isinstance(details, dict) and {"kind", "current", "requested"} <= details.keys():
            return StateTransitionError(
                str(details["kind"]), str(details["current"]), str(details["requested"])
            )
    return _with_message(cls, message)


def _with_message(cls: type[SweeplabError], message: str) -> SweeplabError:
    """An instance of ``cls`` carrying ``message``, whatever its ``__init__`` wants."""
    try:
        return cls(message)
    except TypeError:
        error = cls.__new__(cls)
        Exception.__init__(error, message)
        return error


def _unexpected(status: int, context: str, body: Any) -> SweeplabError:
    text = str(body)[:500]
    if status >= 500:
        return errors.ServerUnavailableError(f"{context}: the server failed ({status}): {text}")
    return errors.RequestError(f"{context}: the server answered {status}: {text}")
