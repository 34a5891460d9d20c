"""sweeplab: self-hostable hyperparameter sweeps with a W&B-compatible API.

``import sweeplab as wandb`` runs W&B code: ``init``, ``config``, ``log``, ``summary``,
``finish``, ``sweep``, ``agent``, ``login``, ``Api`` keep their names and meaning.

Importing this package does no work and loads nothing heavy: every name below is resolved on
first use (module ``__getattr__``). ``run``, ``config`` and ``summary`` are resolved on *every*
use, because ``init()`` changes them, as in W&B. The sweep-config language is
``sweeplab.sweep_config``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from sweeplab.errors import ConfigError, RunStopped, SweeplabError, UsageError

__version__ = "0.1.0"

__all__ = [
    "Api",
    "ConfigError",
    "Run",
    "RunStopped",
    "SweeplabError",
    "UsageError",
    "__version__",
    "agent",
    "config",
    "define_metric",
    "finish",
    "init",
    "log",
    "login",
    "run",
    "summary",
    "sweep",
]

# name -> (module, attribute), imported on first access.
_LAZY_EXPORTS: dict[str, tuple[str, str]] = {
    "init": ("sweeplab.sdk.init_run", "init"),
    "log": ("sweeplab.sdk.session", "log"),
    "finish": ("sweeplab.sdk.session", "finish"),
    "define_metric": ("sweeplab.sdk.session", "define_metric"),
    "login": ("sweeplab.sdk.login", "login"),
    "Run": ("sweeplab.sdk.tracked_run", "Run"),
    "Api": ("sweeplab.sdk.api", "Api"),
    "sweep": ("sweeplab.sdk.sweeps", "sweep"),
    "agent": ("sweeplab.sdk.sweeps", "agent"),
}
# Follow the current run: never cached in the module's namespace.
_RUN_ATTRIBUTES = frozenset({"run", "config", "summary"})

if TYPE_CHECKING:
    from sweeplab.sdk.api import Api
    from sweeplab.sdk.init_run import init
    from sweeplab.sdk.login import login
    from sweeplab.sdk.session import define_metric, finish, log
    from sweeplab.sdk.sweeps import agent, sweep
    from sweeplab.sdk.tracked_run import Run


def __getattr__(name: str) -> Any:
    if name in _RUN_ATTRIBUTES:
        from sweeplab.sdk.proxies import module_attribute

        return module_attribute(name)
    if name in _LAZY_EXPORTS:
        module_name, attribute = _LAZY_EXPORTS[name]
        value = getattr(importlib.import_module(module_name), attribute)
        globals()[name] = value  # later lookups skip __getattr__
        return value
    raise AttributeError(f"module 'sweeplab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
