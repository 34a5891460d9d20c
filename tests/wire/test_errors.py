"""Error codes ↔ status in one table; every sweeplab error crosses the wire as itself."""

from __future__ import annotations

import pytest

from sweeplab import errors
from sweeplab.errors import ConfigError, RunStopped, StateTransitionError, SweeplabError, Violation
from sweeplab.wire.errors import (
    STATUS_BY_CODE,
    error_body,
    error_from_body,
    plain_error_body,
    status_for,
    status_of,
)


def _all_error_classes() -> list[type[SweeplabError]]:
    found, pending = [], [SweeplabError]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def test_every_error_has_a_status() -> None:
    classes = _all_error_classes()
    assert len({cls.code for cls in classes}) == len(classes)  # codes are unique
    # Direct children of SweeplabError are in the table; deeper ones may inherit a status.
    direct = {cls.code for cls in SweeplabError.__subclasses__()}
    assert direct <= STATUS_BY_CODE.keys(), direct - STATUS_BY_CODE.keys()
    assert status_of(errors.SchemaTooNewError("x")) == 503
    assert status_of(errors.NotFoundError("x")) == 404

    class Unlisted(errors.UsageError):
        code = "unlisted"

    assert status_of(Unlisted("x")) == 400
    assert status_for(errors.NotFoundError.code) == 404
    assert status_for(errors.AuthenticationError.code) == 401
    assert status_for(errors.PermissionDeniedError.code) == 403
    assert status_for("no_such_code") == 500


@pytest.mark.parametrize(
    "error",
    [
        errors.NotFoundError("no run 'x'"),
        errors.ConflictError("taken"),
        errors.RunFinishedError("finished"),
        errors.QueryError("bad order"),
        errors.UsageError("wrong"),
        errors.SchemaOutdatedError("old"),
        errors.PayloadTooLargeError("big"),
        ConfigError([Violation("method", "is required"), Violation("run_cap", "must be >= 1")]),
        StateTransitionError("sweep", "canceled", "running"),
        RunStopped("r1", "hyperband"),
    ],
)
def test_errors_round_trip(error: SweeplabError) -> None:
    back = error_from_body(status_for(error.code), error_body(error), "GET /x")
    assert type(back) is type(error)
    assert str(back) == str(error)
    if isinstance(error, ConfigError):
        assert isinstance(back, ConfigError) and back.violations == error.violations
    if isinstance(error, StateTransitionError):
        assert isinstance(back, StateTransitionError)
        assert (back.kind, back.current, back.requested) == ("sweep", "canceled", "running")


def test_bodies_without_a_sweeplab_code() -> None:
    server_failed = error_from_body(502, "<html>Bad Gateway</html>", "GET /api/v1/runs")
    assert isinstance(server_failed, errors.ServerUnavailableError)
    assert "GET /api/v1/runs" in str(server_failed) and "502" in str(server_failed)
    refused = error_from_body(418, {"detail": "teapot"}, "GET /x")
    assert isinstance(refused, errors.RequestError) and "418" in str(refused)
    unknown = error_from_body(409, plain_error_body("future_code", "new"), "GET /x")
    assert isinstance(unknown, errors.RequestError) and "new" in str(unknown)
    internal = error_from_body(500, plain_error_body("internal_error", "boom"), "GET /x")
    assert isinstance(internal, errors.ServerUnavailableError)
