"""Column types that keep sweeplab's values exact in every database.

- :class:`JsonDocument`: JSON columns (configs, summaries, tags, suggestion info). PostgreSQL's
  ``json`` refuses NaN and ±Inf, so non-finite floats are stored tagged
  (``{"$float": "NaN"}``) and untagged on read. (``json``, not ``jsonb``: it keeps key order.)
- :class:`MetricValue`: double precision where NULL means NaN, because SQLite stores a bound
  NaN as NULL (±Inf it stores as REAL).
"""

from __future__ import annotations

import json
import math
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

FLOAT_TAG = "$float"
_NON_FINITE_NAMES = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def tag_non_finite(value: Any) -> Any:
    """``value`` with every NaN/±Inf float replaced by ``{"$float": name}``."""
    if isinstance(value, float) and not math.isfinite(value):
        name = "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
        return {FLOAT_TAG: name}
    if isinstance(value, dict):
        return {key: tag_non_finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [tag_non_finite(item) for item in value]
    return value


def untag_non_finite(value: Any) -> Any:
    """The inverse of :func:`tag_non_finite`."""
    if isinstance(value, dict):
        if len(value) == 1 and value.get(FLOAT_TAG) in _NON_FINITE_NAMES:
            return _NON_FINITE_NAMES[value[FLOAT_TAG]]
        return {key: untag_non_finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [untag_non_finite(item) for item in value]
    return value


class JsonDocument(TypeDecorator[Any]):
    """A JSON column whose values may hold NaN and ±Inf."""

    impl = sa.JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return tag_non_finite(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return untag_non_finite(value)

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        # SQLite hands back the JSON text: decode it in one call, and walk the result for
        # tags only when the text has one. Reading a sweep's runs (claims read them all,
        # the sweep page 10,000 of them) spent half its time in the generic layers.
        def process(value: Any) -> Any:
            if not isinstance(value, str):
                return value  # NULL, or a bare number SQLite stored as one
            return decode_json_text(value)

        return process


_TAG_TEXT = f'"{FLOAT_TAG}"'


def decode_json_text(text: str) -> Any:
    """A stored JSON document's text as Python values (tagged non-finite floats restored);
    the walk for tags happens only when the text has one."""
    decoded = json.loads(text)
    return untag_non_finite(decoded) if _TAG_TEXT in text else decoded


class MetricValue(TypeDecorator[float]):
    """A double whose NULL reads back as NaN (SQLite turns a bound NaN into NULL)."""

    impl = sa.Double
    cache_ok = True

    def process_bind_param(self, value: float | None, dialect: Dialect) -> float | None:
        return None if value is None or math.isnan(value) else value

    def process_result_value(self, value: float | None, dialect: Dialect) -> float:
        return math.nan if value is None else float(value)
