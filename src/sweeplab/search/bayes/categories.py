"""Find which of a categorical's values a run used, without Python's loose equality.

``False == 0 == 0.0`` and ``True == 1`` in Python, and ``""``/``None`` are falsy: a lookup by
``==`` or by truthiness confuses them (a W&B engine defect). Values are matched by a canonical
key that keeps their JSON type; only if that fails are numbers matched across int/float
(``1`` ↔ ``1.0``, which a JSON round trip may produce), never booleans.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

Key = tuple[Any, ...]


def canonical_key(value: Any) -> Key:
    """A hashable key that differs whenever the JSON type or content differs."""
    if value is None:
        return ("null",)
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int):
        return ("int", value)
    if isinstance(value, float):
        return ("float", value)
    if isinstance(value, str):
        return ("str", value)
    if isinstance(value, list | tuple):
        return ("list", tuple(canonical_key(item) for item in value))
    if isinstance(value, Mapping):
        return ("dict", tuple(sorted((str(k), canonical_key(v)) for k, v in value.items())))
    return ("other", repr(value))


def _loose_key(value: Any) -> Key | None:
    """The cross-type key of a number (bools excluded), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return ("number", float(value))


class CategoryIndex:
    """Maps a value to the position of its first occurrence in ``values``."""

    def __init__(self, values: Sequence[Any]) -> None:
        self._exact: dict[Key, int] = {}
        self._loose: dict[Key, int] = {}
        for position, value in enumerate(values):
            self._exact.setdefault(canonical_key(value), position)
            loose = _loose_key(value)
            if loose is not None:
                self._loose.setdefault(loose, position)

    def find(self, value: Any) -> int | None:
        """Position of ``value`` among the values, or None if it is not one of them."""
        position = self._exact.get(canonical_key(value))
        if position is not None:
            return position
        loose = _loose_key(value)
        return None if loose is None else self._loose.get(loose)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CategoryIndex) and self._exact == other._exact

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._exact.values())))
