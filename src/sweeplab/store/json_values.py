"""JSON-like values as every store keeps them: copied, normalised, compared.

A store keeps configs, summaries, tags and suggestion info as JSON would: tuples become lists,
mapping keys become strings, NaN and ±Inf stay floats. Every store normalises through
:func:`json_copy`, so memory and SQL hand back the same values for the same input.
"""

from __future__ import annotations

import json
from typing import Any


def json_copy(value: Any) -> Any:
    """A deep copy of ``value`` as JSON would hand it back (raises ``TypeError`` for values
    JSON cannot hold, naming their type)."""
    return json.loads(json.dumps(value, allow_nan=True))


def json_text(value: Any) -> str:
    """A canonical text of ``value``: equal texts mean equal values, NaN included."""
    return json.dumps(value, allow_nan=True, sort_keys=True, separators=(",", ":"))


def json_equal(left: Any, right: Any) -> bool:
    """Whether two JSON-like values are equal; booleans never equal numbers, 1 equals 1.0."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left is right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(json_equal(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(
            json_equal(a, b) for a, b in zip(left, right, strict=True)
        )
    return type(left) is type(right) and bool(left == right)
