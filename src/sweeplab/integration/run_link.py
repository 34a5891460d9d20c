"""The run an integration writes to, and the moment a sweep stops it.

In a sweep, early termination (hyperband) or a canceled sweep makes the run's next ``log()``
finish the run as ``stopped`` and raise :class:`~sweeplab.RunStopped`. A training loop the
user wrote lets that exception end the function, and the agent catches it. A framework's loop
(Keras ``fit``, the transformers ``Trainer``) should instead end at the next step boundary, so
its callbacks log through a :class:`RunLink`: it catches ``RunStopped``, remembers it, and
tells the callback to ask the framework to stop.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sweeplab.errors import RunStopped, UsageError

if TYPE_CHECKING:
    from sweeplab.sdk.tracked_run import Run


def require_run(caller: str) -> Run:
    """The current run, or a :class:`UsageError` telling the user to call ``init()`` first."""
    from sweeplab.sdk.session import current_run

    run = current_run()
    if run is None:
        raise UsageError(
            f"You must call sweeplab.init() before {caller}() (as with wandb.init() in W&B)"
        )
    return run


class RunLink:
    """Logs to one run until the run is stopped; after that every call is a no-op."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.stopped: RunStopped | None = None

    @property
    def active(self) -> bool:
        """Whether the run still takes data (not stopped, not finished)."""
        return self.stopped is None and not self.run.finished

    def log(self, data: Mapping[str, Any]) -> bool:
        """Log ``data`` as one row; ``False`` when the run has been stopped (now or before).

        When this call is the one that stops the run, its data is still recorded (the SDK logs
        before it raises). The agent reports the stop and its reason.
        """
        if not self.active:
            return False
        try:
            self.run.log(dict(data))
        except RunStopped as stop:
            self.stopped = stop
            return False
        return True

    def set_summary(self, key: str, value: Any) -> None:
        """``run.summary[key] = value`` while the run is still active (finished runs are
        immutable)."""
        if self.active:
            self.run.summary[key] = value


def as_number(value: Any) -> Any:
    """A Python number for framework scalars (numpy scalars, 0-d tensors), else ``value``.

    The SDK keeps numbers in the history and sends other values to the summary (or drops
    them with a warning); frameworks often hand over 0-d tensors, which it cannot read.
    """
    if type(value) in (float, int, bool) or isinstance(value, str | bytes):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    if math.isfinite(number) and number.is_integer() and _is_integer_type(value):
        return int(number)
    return number


def _is_integer_type(value: Any) -> bool:
    dtype = getattr(value, "dtype", None)
    return dtype is not None and str(dtype).startswith(("int", "uint"))


def numbers_only(logs: Mapping[str, Any] | None) -> dict[str, Any]:
    """``logs`` with framework scalars turned into Python numbers."""
    return {str(key): as_number(value) for key, value in (logs or {}).items()}
