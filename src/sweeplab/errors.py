"""The one exception tree of sweeplab.

Every error a user can see is a :class:`SweeplabError` with a stable ``code``; the server
(a later layer) maps codes to HTTP status in one place and the client re-raises the same class.

::

    SweeplabError                      code
    ├── ConfigError                    config_invalid     (sweep config violations, all at once)
    ├── StateTransitionError           state_transition   (an illegal state change)
    ├── SearchError                    search_failed      (a search method cannot suggest)
    └── NotFoundError                  not_found
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
