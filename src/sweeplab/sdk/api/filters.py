"""Run filters and orders for ``Api().runs()``: a MongoDB-style subset, as W&B's API takes.

A filter is a dict; its entries must all hold (AND). An entry maps a *field* to a value
(equality) or to operators:

- fields: ``state``, ``name`` (also ``display_name``), ``group``, ``job_type``, ``tags``,
  ``sweep`` (also ``sweep_id``), ``id`` (also ``run_id``), ``created_at`` (also
  ``createdAt``), ``config.<path>``, ``summary.<path>`` (also ``summary_metrics.<path>``);
  a path goes into nested dicts by dots, and a trailing ``.value`` (W&B's stored form) is
  ignored when the path does not exist as written.
- operators: ``$eq $ne $gt $gte $lt $lte $in $nin $exists $regex``; logical ``$and``,
  ``$or`` and ``$nor`` take lists of filters.
- ``tags`` matches when the run has the tag (``{"tags": "best"}``), or any of ``$in``.

Equality compares JSON values (``1 == 1.0``, booleans never equal numbers).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sweeplab.domain import RunRecord
from sweeplab.errors import QueryError
from sweeplab.store.json_values import json_equal

_MISSING = object()
_ALIASES = {
    "display_name": "name",
    "sweep_id": "sweep",
    "run_id": "id",
    "createdAt": "created_at",
    "jobType": "job_type",
}
_FIELDS: dict[str, Callable[[RunRecord], Any]] = {
    "state": lambda run: run.state.value,
    "name": lambda run: run.name or run.run_id,
    "group": lambda run: run.group,
    "job_type": lambda run: run.job_type,
    "tags": lambda run: list(run.tags),
    "sweep": lambda run: run.sweep_id,
    "id": lambda run: run.run_id,
    "project": lambda run: run.project,
    "created_at": lambda run: run.created_at,
    "updated_at": lambda run: run.updated_at,
}


def field_value(run: RunRecord, name: str) -> Any:
    """The value a filter or an order means by ``name`` (``_MISSING`` when absent)."""
    name = _ALIASES.get(name, name)
    if name in _FIELDS:
        return _FIELDS[name](run)
    for prefix, values in (
        ("config.", run.config),
        ("summary.", run.summary),
        ("summary_metrics.", run.summary),
    ):
        if name.startswith(prefix):
            path = name[len(prefix) :]
            found = _walk(values, path)
            if found is _MISSING and path.endswith(".value"):
                found = _walk(values, path.removesuffix(".value"))
            return found
    raise QueryError(
        f"unknown run field {name!r} in a filter or order: use one of "
        f"{', '.join(sorted(_FIELDS))}, config.<key> or summary.<key>"
    )


def _walk(values: Mapping[str, Any], path: str) -> Any:
    if path in values:  # a flat key with dots ("train.loss" logged as such)
        return values[path]
    current: Any = values
    for part in path.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return _MISSING
        current = current[part]
    return current


def matches(run: RunRecord, filters: Mapping[str, Any]) -> bool:
    """Whether ``run`` satisfies ``filters`` (see the module docstring)."""
    for key, condition in filters.items():
        if key == "$and":
            if not all(matches(run, part) for part in _filter_list(key, condition)):
                return False
        elif key == "$or":
            if not any(matches(run, part) for part in _filter_list(key, condition)):
                return False
        elif key == "$nor":
            if any(matches(run, part) for part in _filter_list(key, condition)):
                return False
        elif key.startswith("$"):
            raise QueryError(f"unknown logical operator {key!r}: use $and, $or or $nor")
        elif not _field_matches(key, field_value(run, key), condition):
            return False
    return True


def _filter_list(operator: str, condition: Any) -> Sequence[Mapping[str, Any]]:
    if not isinstance(condition, list | tuple) or not all(
        isinstance(part, Mapping) for part in condition
    ):
        raise QueryError(f"{operator} takes a list of filter dicts, got {condition!r}")
    return condition


def _is_operator_dict(condition: Any) -> bool:
    return (
        isinstance(condition, Mapping)
        and bool(condition)
        and all(str(key).startswith("$") for key in condition)
    )


def _field_matches(name: str, value: Any, condition: Any) -> bool:
    is_tags = _ALIASES.get(name, name) == "tags"
    if not _is_operator_dict(condition):
        if is_tags and not isinstance(condition, list):
            return condition in value
        return value is not _MISSING and json_equal(value, condition)
    return all(
        _apply(name, operator, value, operand, is_tags) for operator, operand in condition.items()
    )


def _compare(value: Any, operand: Any, test: Callable[[Any, Any], bool]) -> bool:
    if value is _MISSING or value is None or isinstance(value, bool):
        return False
    both_numbers = isinstance(value, int | float) and isinstance(operand, int | float)
    if both_numbers:
        return not math.isnan(value) and test(value, operand)
    if isinstance(value, str) and isinstance(operand, str):
        return test(value, operand)
    return False


def _apply(name: str, operator: str, value: Any, operand: Any, is_tags: bool) -> bool:
    if operator == "$eq":
        return _field_matches(name, value, operand)
    if operator == "$ne":
        return not _field_matches(name, value, operand)
    if operator in ("$in", "$nin"):
        if not isinstance(operand, list | tuple):
            raise QueryError(f"{name}: {operator} takes a list, got {operand!r}")
        if is_tags:
            found = any(tag in value for tag in operand)
        else:
            found = value is not _MISSING and any(json_equal(value, item) for item in operand)
        return found if operator == "$in" else not found
    if operator == "$exists":
        return (value is not _MISSING and value is not None) == bool(operand)
    if operator == "$regex":
        return isinstance(value, str) and re.search(str(operand), value) is not None
    tests: dict[str, Callable[[Any, Any], bool]] = {
        "$gt": lambda a, b: a > b,
        "$gte": lambda a, b: a >= b,
        "$lt": lambda a, b: a < b,
        "$lte": lambda a, b: a <= b,
    }
    if operator in tests:
        return _compare(value, operand, tests[operator])
    raise QueryError(
        f"{name}: unknown operator {operator!r}; use $eq $ne $gt $gte $lt $lte $in $nin "
        "$exists or $regex"
    )


def sort_runs(runs: list[RunRecord], order: str | None) -> list[RunRecord]:
    """``runs`` sorted by ``order`` (``[+|-]field``, W&B style); missing values come last."""
    if not order:
        return runs
    descending = order.startswith("-")
    name = order.lstrip("+-")
    keyed = [(field_value(run, name), index, run) for index, run in enumerate(runs)]
    present = [item for item in keyed if _sortable(item[0])]
    absent = [item for item in keyed if not _sortable(item[0])]
    kinds = {isinstance(value, str) for value, _, _ in present}
    if len(kinds) > 1:  # mixed strings and numbers: order by text
        present = [(str(value), index, run) for value, index, run in present]
    present.sort(key=lambda item: item[0], reverse=descending)
    return [run for _, _, run in present] + [run for _, _, run in absent]


def _sortable(value: Any) -> bool:
    if isinstance(value, bool) or value is _MISSING or value is None:
        return False
    if isinstance(value, float):
        return not math.isnan(value)
    return isinstance(value, int | str)
