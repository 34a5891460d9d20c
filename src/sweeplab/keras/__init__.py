"""``from sweeplab.keras import WandbCallback``: where W&B code had ``from wandb.keras import``.

The same classes as :mod:`sweeplab.integration.keras`, loaded on first use (Keras is imported
then, and a :class:`~sweeplab.errors.MissingExtraError` says ``pip install 'sweeplab[keras]'``
if it is missing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["WandbCallback", "WandbMetricsLogger", "WandbModelCheckpoint"]

if TYPE_CHECKING:
    from sweeplab.integration.keras import (
        WandbCallback,
        WandbMetricsLogger,
        WandbModelCheckpoint,
    )


def __getattr__(name: str) -> Any:
    if name in __all__:
        from sweeplab.integration import keras as integration

        value = getattr(integration, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
