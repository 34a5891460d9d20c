"""The one exception tree of sweeplab.

Every error a user can see is a :class:`SweeplabError` with a stable ``code``; the server
(a later layer) maps codes to HTTP status in one place and the client re-raises the same class.

::

    SweeplabError                      code
    ├── ConfigError                    config_invalid     (sweep config violations, all at once)
    ├── StateTransitionError           state_transition   (an illegal state change)
    ├── SearchError                    search_failed      (a search method cannot suggest)
    ├── NotFoundError                  not_found
    ├── UsageError                     usage_error        (an SDK call made in the wrong state)
    ├── RunStopped                     run_stopped        (raised by log() in a run asked to stop)
    ├── ConflictError                  conflict           (an id or grid point already taken)
    ├── RunFinishedError               run_finished       (a change to a finished run)
    ├── QueryError                     query_invalid      (a run query a store cannot answer)
    ├── MissingExtraError              missing_extra      (an integration's framework is missing;
    │                                                      also an ImportError)
    ├── RequestError                   request_invalid    (a malformed or out-of-bounds request)
    │   └── PayloadTooLargeError       payload_too_large  (a request body over the server's limit)
    ├── AuthenticationError            unauthenticated    (no or an unknown API key)
    ├── PermissionDeniedError          permission_denied  (a key lacking the right, e.g. read-only)
    └── StoreError                     store_error        (a store cannot be opened or used)
        ├── StoreUrlError              store_url          (an unknown or unsupported store URL)
        ├── SchemaOutdatedError        schema_outdated    (database older than the code)
        ├── SchemaTooNewError          schema_too_new     (database newer than the code)
        └── ServerUnavailableError     server_unavailable (a sweeplab server unreachable or failing)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class SweeplabError(Exception):
    """Base of every sweeplab error; ``code`` is stable across versions."""

    code = "sweeplab_error"


@dataclass(frozen=True)
class Violation:
    """One problem in a sweep config: where it is, what is wrong and how to fix it."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ConfigError(SweeplabError):
    """A sweep config broke one or more rules; ``violations`` lists every one of them."""

    code = "config_invalid"

    def __init__(self, violations: Sequence[Violation]) -> None:
        self.violations: tuple[Violation, ...] = tuple(violations)
        count = len(self.violations)
        noun = "problem" if count == 1 else "problems"
        lines = "\n".join(f"  - {violation}" for violation in self.violations)
        super().__init__(f"invalid sweep config ({count} {noun}):\n{lines}")


class StateTransitionError(SweeplabError):
    """A record was asked to move between two states that have no transition."""

    code = "state_transition"

    def __init__(self, kind: str, current: str, requested: str) -> None:
        self.kind = kind
        self.current = current
        self.requested = requested
        super().__init__(f"a {kind} cannot go from '{current}' to '{requested}'")


class SearchError(SweeplabError):
    """A search method was given input it cannot work with."""

    code = "search_failed"


class NotFoundError(SweeplabError):
    """A named sweep, run or project does not exist."""

    code = "not_found"


class UsageError(SweeplabError):
    """An SDK call made in a state where it cannot work (the message says how to fix it)."""

    code = "usage_error"


class RunStopped(SweeplabError):  # noqa: N818 - W&B's public name
    """Raised by ``log()`` in a run that was asked to stop (early termination or a user).

    The run has already been finished as ``stopped`` with ``reason`` when this is raised; a
    sweep agent catches it and moves on to the next run.
    """

    code = "run_stopped"

    def __init__(self, run_id: str, reason: str) -> None:
        self.run_id = run_id
        self.reason = reason
        super().__init__(f"run {run_id} was stopped: {reason or 'stop requested'}")


class ConflictError(SweeplabError):
    """Something that must be unique already exists: a run or sweep id, a sweep's grid point."""

    code = "conflict"


class RunFinishedError(SweeplabError):
    """A change to a run that has finished, failed or stopped (such runs are immutable)."""

    code = "run_finished"


class QueryError(SweeplabError):
    """A run query names an order or filter a store does not know."""

    code = "query_invalid"


class RequestError(SweeplabError):
    """An HTTP request the server will not act on: malformed, or a value out of bounds."""

    code = "request_invalid"


class PayloadTooLargeError(RequestError):
    """A request body larger than the server accepts."""

    code = "payload_too_large"


class AuthenticationError(SweeplabError):
    """A request to a server that needs an API key carried none, or an unknown one."""

    code = "unauthenticated"


class PermissionDeniedError(SweeplabError):
    """An API key was recognised but lacks the right (a read-only key asked to write)."""

    code = "permission_denied"


class MissingExtraError(SweeplabError, ImportError):
    """An integration needs a framework that is not installed; the message names the extra.

    Also an :class:`ImportError`, so ``try: from sweeplab.keras import ...`` / ``except
    ImportError`` works as it does for any optional import.
    """

    code = "missing_extra"

    def __init__(self, framework: str, extra: str, integration: str, cause: str = "") -> None:
        self.framework = framework
        self.extra = extra
        self.integration = integration
        because = f" ({cause})" if cause else ""
        super().__init__(
            f"{integration} needs {framework}, which cannot be imported{because}; "
            f"install it with: pip install 'sweeplab[{extra}]'"
        )


class StoreError(SweeplabError):
    """A store cannot be opened or used as it is."""

    code = "store_error"


class StoreUrlError(StoreError):
    """A store URL has a scheme sweeplab does not (yet) support."""

    code = "store_url"


class SchemaOutdatedError(StoreError):
    """The database schema is older than this version of sweeplab; it must be upgraded."""

    code = "schema_outdated"


class SchemaTooNewError(StoreError):
    """The database schema is newer than this version of sweeplab; upgrade sweeplab."""

    code = "schema_too_new"


class ServerUnavailableError(StoreError):
    """A sweeplab server could not be reached, or kept failing after retries."""

    code = "server_unavailable"
