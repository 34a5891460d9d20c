"""Keras 3, imported when a Keras integration module is first imported."""

from __future__ import annotations

from typing import Any

from sweeplab.integration.frameworks import require

keras: Any = require(
    "keras",
    framework="Keras 3 with TensorFlow",
    extra="keras",
    integration="sweeplab.keras",
)


def mode_is_max(monitor: str, mode: str) -> bool:
    """Whether a larger ``monitor`` is better: ``mode`` ``"max"``/``"min"``, or for
    ``"auto"`` W&B's and Keras's guess (accuracy-like and F-measure names go up)."""
    if mode in ("max", "min"):
        return mode == "max"
    return "acc" in monitor or monitor.startswith("fmeasure")


def learning_rate(model: Any) -> float | None:
    """The optimizer's current learning rate (a schedule evaluated at its step), if any."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        return None
    try:
        # Keras 3's optimizer evaluates a schedule at its own iteration count here; backend
        # variables and tensors read out through .numpy().
        value = optimizer.learning_rate
        return float(value.numpy() if hasattr(value, "numpy") else value)
    except (AttributeError, TypeError, ValueError):
        return None
