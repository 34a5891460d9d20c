"""Keras 3 callbacks with W&B's names: ``WandbCallback`` (the legacy one, which W&B removed),
``WandbMetricsLogger`` and ``WandbModelCheckpoint``.

Importing this package loads nothing; Keras (and TensorFlow, its backend here) is imported when
one of the callbacks is first used, and is named by a
:class:`~sweeplab.errors.MissingExtraError` (``pip install 'sweeplab[keras]'``) if it is
missing. ``from sweeplab.keras import WandbCallback`` is the same class.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = ["WandbCallback", "WandbMetricsLogger", "WandbModelCheckpoint"]

# name -> module under sweeplab.integration.keras that defines it (and imports Keras).
_MODULES = {
    "WandbCallback": "callback",
    "WandbMetricsLogger": "metrics_logger",
    "WandbModelCheckpoint": "model_checkpoint",
}

if TYPE_CHECKING:
    from sweeplab.integration.keras.callback import WandbCallback
    from sweeplab.integration.keras.metrics_logger import WandbMetricsLogger
    from sweeplab.integration.keras.model_checkpoint import WandbModelCheckpoint


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        module = importlib.import_module(f"{__name__}.{_MODULES[name]}")
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
