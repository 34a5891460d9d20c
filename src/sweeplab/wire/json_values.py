"""Free-form JSON (configs, summaries) on the wire, with NaN and ±Inf tagged.

A non-finite float inside free-form JSON travels as ``{"$float": "NaN"}`` (or ``"Infinity"``,
``"-Infinity"``): a bare string ``"NaN"`` there could be a real string. :data:`FreeJson` is
the pydantic type doing both directions; :func:`tag` and :func:`untag` are the functions.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

FLOAT_TAG = "$float"
_NAMED = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def tag(value: Any) -> Any:
    """``value`` with every non-finite float replaced by its tag (containers copied)."""
    if isinstance(value, float) and not math.isfinite(value):
        name = "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
        return {FLOAT_TAG: name}
    if isinstance(value, dict):
        return {str(key): tag(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [tag(item) for item in value]
    return value


def untag(value: Any) -> Any:
    """The inverse of :func:`tag`."""
    if isinstance(value, dict):
        if len(value) == 1 and value.get(FLOAT_TAG) in _NAMED:
            return _NAMED[value[FLOAT_TAG]]
        return {key: untag(item) for key, item in value.items()}
    if isinstance(value, list):
        return [untag(item) for item in value]
    return value


# Any JSON value; non-finite floats tagged on the wire, plain floats in Python.
FreeJson = Annotated[Any, BeforeValidator(untag), PlainSerializer(tag)]
# A JSON object (configs, summaries, suggestion info).
FreeJsonObject = Annotated[dict[str, Any], BeforeValidator(untag), PlainSerializer(tag)]
