"""Small helpers that word config errors the same way everywhere."""

from __future__ import annotations

import difflib
from collections.abc import Sequence


def describe(value: object) -> str:
    """How a value reads in an error message: ``the string '1e-5'``, ``a list``, ``int``."""
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""
