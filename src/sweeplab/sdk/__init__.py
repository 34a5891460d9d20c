"""The tracking SDK: ``init``, ``log``, ``config``, ``summary``, ``finish``, ``Api``, ``sync``.

``run``, ``config`` and ``summary`` are looked up on each access (module ``__getattr__``),
because ``init()`` changes them, as in W&B. Importing this package loads no store, numpy or
pandas code; ``Api`` and ``sync_paths`` load on first use.
"""

from __future__ import annotations

from typing import Any

from sweeplab.errors import RunStopped, UsageError
from sweeplab.sdk.init_run import init
from sweeplab.sdk.login import login
from sweeplab.sdk.session import current_run, define_metric, finish, log
from sweeplab.sdk.settings import Mode, Settings, save_mode, saved_mode
from sweeplab.sdk.tracked_run import Run

__all__ = [
    "Api",
    "Mode",
    "Run",
    "RunStopped",
    "Settings",
    "SyncReport",
    "UsageError",
    "config",
    "current_run",
    "define_metric",
    "finish",
    "init",
    "log",
    "login",
    "run",
    "save_mode",
    "saved_mode",
    "summary",
    "sync_paths",
]

_LAZY = {
    "Api": ("sweeplab.sdk.api", "Api"),
    "sync_paths": ("sweeplab.sdk.sync", "sync_paths"),
    "SyncReport": ("sweeplab.sdk.sync", "SyncReport"),
}


def __getattr__(name: str) -> Any:
    if name in ("run", "config", "summary"):
        from sweeplab.sdk.proxies import module_attribute

        return module_attribute(name)
    if name in _LAZY:
        import importlib

        module_name, attribute = _LAZY[name]
        return getattr(importlib.import_module(module_name), attribute)
    raise AttributeError(f"module 'sweeplab.sdk' has no attribute {name!r}")
