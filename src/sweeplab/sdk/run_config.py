"""``sweeplab.config``: a run's hyperparameters, with W&B's locking of sweep values.

Values are JSON-like; nested dicts are :class:`AttrDict` so ``config.optimizer.lr`` works as
well as ``config["optimizer"]["lr"]``. Every change is handed to a callback that persists it
(the run queues it for the writer thread, which updates the store).

Keys set by a sweep are *locked*: a later ``config.x = ...`` or ``update({"x": ...})`` leaves
the sweep's value in place and warns ``Config item 'x' was locked by 'sweep' (ignored update).``
(W&B's wording). Unlike W&B, changing an unlocked key's value is allowed without
``allow_val_change=True`` (the argument is accepted for compatibility).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import PurePath
from typing import Any

from sweeplab.sdk.user_warnings import warn_user
from sweeplab.sdk.values import as_number

ChangeCallback = Callable[[dict[str, Any]], None]


class AttrDict(dict[str, Any]):
    """A dict whose keys can also be read and written as attributes (nested config values)."""

    def __getattr__(self, key: str) -> Any:
        try:
            return self[key]
        except KeyError:
            raise AttributeError(f"config has no key {key!r}") from None

    def __setattr__(self, key: str, value: Any) -> None:
        self[key] = value


def json_friendly(value: Any, where: str) -> Any:
    """``value`` as a JSON-like config value; nested mappings become :class:`AttrDict`."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Mapping):
        return AttrDict({str(k): json_friendly(v, f"{where}.{k}") for k, v in value.items()})
    if isinstance(value, list | tuple):
        return [json_friendly(item, f"{where}[{index}]") for index, item in enumerate(value)]
    if isinstance(value, enum.Enum):
        return json_friendly(value.value, where)
    if isinstance(value, PurePath):
        return str(value)
    number = as_number(value)
    if number is not None:
        return number
    tolist = getattr(value, "tolist", None)  # numpy arrays
    if callable(tolist):
        return json_friendly(tolist(), where)
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        warn_user(
            f"config {where!r}: a {type(value).__name__} is not a JSON value; stored as its "
            "text (str(value)). Store plain numbers, strings, lists or dicts instead."
        )
        return str(value)
    return value


def as_mapping(data: Any, what: str) -> Mapping[str, Any]:
    """``data`` as a mapping: dicts as they are, argparse namespaces and similar by ``vars``."""
    if data is None:
        return {}
    if isinstance(data, Mapping):
        return data
    if hasattr(data, "__dict__"):
        return {key: value for key, value in vars(data).items() if not key.startswith("_")}
    raise TypeError(f"{what} takes a dict (or an argparse.Namespace), got a {type(data).__name__}")


def plain(value: Any) -> Any:
    """A deep copy with plain dicts and lists (what JSON and the store see)."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


class Config:
    """A run's config: attribute and item access, ``update``, ``setdefaults``, ``as_dict``."""

    def __init__(self, on_change: ChangeCallback | None = None) -> None:
        object.__setattr__(self, "_items", {})
        object.__setattr__(self, "_locked", {})
        object.__setattr__(self, "_on_change", on_change)

    _items: dict[str, Any]
    _locked: dict[str, str]
    _on_change: ChangeCallback | None

    # --- reading -----------------------------------------------------------------------------

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        try:
            return self._items[key]
        except KeyError:
            raise AttributeError(
                f"config has no key {key!r} (keys: {', '.join(self._items) or 'none'})"
            ) from None

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Config):
            return self._items == other._items
        return isinstance(other, Mapping) and self._items == dict(other)

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"Config({plain(self._items)!r})"

    def keys(self) -> list[str]:
        return list(self._items)

    def values(self) -> list[Any]:
        return list(self._items.values())

    def items(self) -> list[tuple[str, Any]]:
        return list(self._items.items())

    def get(self, key: str, default: Any = None) -> Any:
        return self._items.get(key, default)

    def as_dict(self) -> dict[str, Any]:
        """A deep copy as plain dicts."""
        return plain(self._items)  # type: ignore[no-any-return]

    def locked_keys(self) -> dict[str, str]:
        """Keys that cannot change, and who locked them (``"sweep"``)."""
        return dict(self._locked)

    # --- writing -----------------------------------------------------------------------------

    def __setitem__(self, key: str, value: Any) -> None:
        self.update({key: value})

    def __setattr__(self, key: str, value: Any) -> None:
        self.update({key: value})

    def update(self, data: Any, allow_val_change: bool | None = None) -> None:
        """Set every key of ``data`` (a dict or an argparse namespace); locked keys are kept."""
        del allow_val_change  # accepted for W&B compatibility; changes are always allowed
        changed = {}
        for raw_key, value in as_mapping(data, "config.update()").items():
            key = str(raw_key).strip("-")
            friendly = json_friendly(value, key)
            if key in self._locked:
                if friendly != self._items.get(key):
                    warn_user(
                        f"Config item '{key}' was locked by '{self._locked[key]}' (ignored update)."
                    )
                continue
            self._items[key] = friendly
            changed[key] = friendly
        self._changed(changed)

    def setdefaults(self, data: Any) -> None:
        """Set the keys of ``data`` that the config does not have yet."""
        missing = {
            key: value
            for key, value in as_mapping(data, "config.setdefaults()").items()
            if str(key).strip("-") not in self._items
        }
        self.update(missing)

    def _merge_locked(self, data: Mapping[str, Any], user: str) -> None:
        """Set ``data`` (merging nested dicts into what is there) and lock its top-level keys."""
        changed = {}
        for raw_key, value in data.items():
            key = str(raw_key).strip("-")
            friendly = json_friendly(value, key)
            current = self._items.get(key)
            if isinstance(current, dict) and isinstance(friendly, dict):
                friendly = _merged(current, friendly)
            self._items[key] = friendly
            self._locked[key] = user
            changed[key] = friendly
        self._changed(changed)

    def _set_callback(self, on_change: ChangeCallback | None) -> None:
        object.__setattr__(self, "_on_change", on_change)

    def _changed(self, changed: dict[str, Any]) -> None:
        if changed and self._on_change is not None:
            self._on_change(plain(changed))


def _merged(base: dict[str, Any], override: dict[str, Any]) -> AttrDict:
    result = AttrDict(base)
    for key, value in override.items():
        current = result.get(key)
        result[key] = (
            _merged(current, value)
            if isinstance(current, dict) and isinstance(value, dict)
            else value
        )
    return result
