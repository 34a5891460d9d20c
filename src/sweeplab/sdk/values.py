"""Turning what users pass to ``log()`` into rows of numbers, on the caller's thread.

This is the hot path of ``log()``: a flat dict of Python floats must cost a type check per key
and nothing more. Everything else (nested dicts, numpy and torch scalars, strings) takes the
slow path.

What is kept where:
- ``bool``, ``int``, ``float`` (NaN and ±Inf included): history and summary.
- numpy scalars and any size-1 array or tensor (anything with ``.item()`` and one element):
  converted with ``.item()``, then as above. numpy itself is never imported here.
- nested mappings: flattened to dotted keys, ``{"a": {"b": 1}}`` → ``{"a.b": 1}``.
- strings, ``None``, lists and other JSON values: **summary only** (the history holds numbers,
  so charts and stopping rules can trust it), with one warning per key.
- anything else (images, arbitrary objects, arrays of several elements): dropped, with one
  warning per key naming the type.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sweeplab.sdk.user_warnings import warn_user

# (key, kind) pairs already warned about, so a loop logging a string every step warns once.
WarnedKeys = set[tuple[str, str]]


def split_values(
    data: Mapping[str, Any], warned: WarnedKeys | None = None
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """``(numbers, others)``: flat numeric values for the history, and JSON values that go to
    the summary only (``None`` when there are none, the usual case). Each problem key is
    warned about once per ``warned`` set (a run keeps one)."""
    numbers: dict[str, Any] = {}
    for key, value in data.items():
        kind = type(value)
        if (kind is float or kind is int or kind is bool) and type(key) is str:
            numbers[key] = value
        else:
            break
    else:
        return numbers, None
    # Slow path: start over, handling every form.
    numbers = {}
    others: dict[str, Any] = {}
    _collect("", data, numbers, others, set() if warned is None else warned)
    return numbers, (others or None)


def _collect(
    prefix: str,
    data: Mapping[Any, Any],
    numbers: dict[str, Any],
    others: dict[str, Any],
    warned: WarnedKeys,
) -> None:
    def warn_once(key: str, kind: str, message: str) -> None:
        if (key, kind) not in warned:
            warned.add((key, kind))
            warn_user(message)

    for raw_key, value in data.items():
        key = prefix + (raw_key if isinstance(raw_key, str) else str(raw_key))
        if isinstance(value, Mapping):
            _collect(key + ".", value, numbers, others, warned)
            continue
        number = as_number(value)
        if number is not None:
            numbers[key] = number
        elif _is_json(value):
            warn_once(
                key,
                "summary",
                f"log(): {key!r} is a {type(value).__name__}, not a number; it is kept in the "
                "run's summary but not in its history (history holds numbers only)",
            )
            others[key] = value
        else:
            warn_once(
                key,
                "dropped",
                f"log(): {key!r} is a {type(value).__name__}, which sweeplab cannot store; it "
                "was dropped (log numbers, or convert the value with float() or str())",
            )


def as_number(value: Any) -> bool | int | float | None:
    """``value`` as a Python bool/int/float, or ``None`` if it is not a single number.

    Duck-typed for numpy scalars, 0-d and size-1 arrays, and torch/jax/tensorflow scalars.
    """
    kind = type(value)
    if (kind is bool or kind is int or kind is float) and isinstance(value, bool | int | float):
        return value
    item = getattr(value, "item", None)
    if item is None or isinstance(value, str | bytes):
        # Subclasses (IntEnum, a float subclass) become the plain type.
        if isinstance(value, bool):
            return bool(value)
        if isinstance(value, int):
            return int(value)
        return float(value) if isinstance(value, float) else None
    size = getattr(value, "size", 1)
    if callable(size):  # torch: size() is the shape; numel() the element count
        numel = getattr(value, "numel", None)
        size = numel() if callable(numel) else 1
    if size != 1:
        return None
    try:
        converted = item()
    except (TypeError, ValueError):
        return None
    if isinstance(converted, bool | int | float):
        return converted
    return None


def _is_json(value: Any) -> bool:
    if value is None or isinstance(value, str):
        return True
    try:
        json.dumps(value, allow_nan=True)
    except (TypeError, ValueError):
        return False
    return True


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mappings as one flat dict with dotted keys (used for filters and summaries)."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat
