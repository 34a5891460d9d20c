"""Bounding what the browser receives: even subsamples and short float text."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

# Six significant digits: more than a chart can show, and about half the JSON of a full repr.
_SIGNIFICANT_DIGITS = 6


def evenly_spaced(items: Sequence[T], limit: int) -> list[T]:
    """All of ``items`` if there are at most ``limit``, else ``limit`` of them spread evenly
    (first and last included), in order."""
    count = len(items)
    if count <= limit:
        return list(items)
    if limit <= 1:
        return list(items[:limit])
    return [items[round(position * (count - 1) / (limit - 1))] for position in range(limit)]


def round_float(value: float | None) -> float | None:
    """``value`` to six significant digits; None for None, NaN and ±Inf (JSON has no NaN)."""
    if value is None or not math.isfinite(value):
        return None
    return float(f"{value:.{_SIGNIFICANT_DIGITS}g}")
