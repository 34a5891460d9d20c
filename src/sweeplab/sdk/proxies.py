"""``sweeplab.config`` and ``sweeplab.summary`` before (and across) ``init()`` calls.

In W&B these module attributes change when ``init()`` runs. sweeplab resolves them on every
access (module ``__getattr__``): with a run, they *are* ``run.config`` and ``run.summary``;
without one, they are these proxies, which forward to whatever run is current at the time of
each use, so ``from sweeplab import config`` at the top of a script keeps working after
``init()``. Used before any ``init()``, a proxy raises a :class:`UsageError` saying so.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sweeplab.errors import UsageError
from sweeplab.sdk.session import current_run


class RunAttributeProxy:
    """Forwards to ``sweeplab.run.<attribute>`` of the current run."""

    def __init__(self, attribute: str) -> None:
        object.__setattr__(self, "_attribute", attribute)

    def _target(self) -> Any:
        attribute = object.__getattribute__(self, "_attribute")
        run = current_run()
        if run is None:
            raise UsageError(
                f"sweeplab.{attribute} is not available before sweeplab.init(): call "
                "sweeplab.init() first"
            )
        return getattr(run, attribute)

    def __getattr__(self, key: str) -> Any:
        return getattr(self._target(), key)

    def __setattr__(self, key: str, value: Any) -> None:
        setattr(self._target(), key, value)

    def __getitem__(self, key: str) -> Any:
        return self._target()[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._target()[key] = value

    def __contains__(self, key: object) -> bool:
        return key in self._target()

    def __iter__(self) -> Iterator[str]:
        return iter(self._target())

    def __len__(self) -> int:
        return len(self._target())

    def __repr__(self) -> str:
        attribute = object.__getattribute__(self, "_attribute")
        run = current_run()
        if run is None:
            return f"<sweeplab.{attribute}: no run yet, call sweeplab.init()>"
        return repr(getattr(run, attribute))


config_proxy = RunAttributeProxy("config")
summary_proxy = RunAttributeProxy("summary")


def module_attribute(name: str) -> Any:
    """The value of ``sweeplab.run``/``config``/``summary`` now; raise AttributeError else."""
    run = current_run()
    if name == "run":
        return run
    if name == "config":
        return run.config if run is not None else config_proxy
    if name == "summary":
        return run.summary if run is not None else summary_proxy
    raise AttributeError(name)
