"""What a :class:`~sweeplab.store.base.RunQuery` means: filters, order and paging.

Stores may answer a query natively (the SQL store filters columns and sorts by time in SQL),
but every answer must equal :func:`select_runs` on the runs in creation order:

- Filters combine with AND: ``states`` matches any of them, ``tags`` needs every given tag,
  ``config_equals``/``summary_equals`` compare the value at a top-level key as JSON values
  (booleans never equal numbers).
- ``order`` is a field (``created_at``, ``updated_at``, ``name``, ``state``) or
  ``summary.<key>``, with a leading ``-`` for descending. Ties keep creation order (reversed
  when descending). For ``summary.<key>`` only numbers are ordered; runs whose value is
  missing, not a number, or NaN come last, in creation order.
- ``offset`` skips, then ``limit`` caps (``None``: no cap).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sweeplab.domain import RunRecord
from sweeplab.errors import QueryError
from sweeplab.store.base import RunQuery
from sweeplab.store.json_values import json_copy, json_equal

ORDER_FIELDS = ("created_at", "updated_at", "name", "state")
SUMMARY_PREFIX = "summary."


@dataclass(frozen=True)
class RunOrder:
    """A parsed ``RunQuery.order``: a record field or a summary key, and the direction."""

    field: str | None
    summary_key: str | None
    descending: bool


def parse_order(order: str) -> RunOrder:
    """Parse ``order``, or raise :class:`QueryError` naming the accepted forms."""
    descending = order.startswith("-")
    name = order[1:] if descending else order
    if name in ORDER_FIELDS:
        return RunOrder(field=name, summary_key=None, descending=descending)
    if name.startswith(SUMMARY_PREFIX) and len(name) > len(SUMMARY_PREFIX):
        return RunOrder(field=None, summary_key=name[len(SUMMARY_PREFIX) :], descending=descending)
    accepted = ", ".join(ORDER_FIELDS)
    raise QueryError(
        f"cannot order runs by {order!r}: use one of {accepted} or summary.<key>, "
        "with a leading '-' for descending"
    )


def check_paging(query: RunQuery) -> None:
    """Raise :class:`QueryError` for a negative ``limit`` or ``offset``."""
    if query.offset < 0 or (query.limit is not None and query.limit < 0):
        raise QueryError(
            f"run query paging must not be negative, got limit={query.limit} offset={query.offset}"
        )


def needs_python(query: RunQuery) -> bool:
    """Whether a query uses more than column filters and a time order (so SQL cannot finish it)."""
    order = parse_order(query.order)
    return bool(
        query.tags
        or query.config_equals
        or query.summary_equals
        or order.field not in ("created_at", "updated_at")
    )


def select_runs(runs_in_creation_order: Sequence[RunRecord], query: RunQuery) -> list[RunRecord]:
    """The reference answer to ``query`` over ``runs_in_creation_order``."""
    order = parse_order(query.order)
    check_paging(query)
    config_equals = json_copy(dict(query.config_equals))
    summary_equals = json_copy(dict(query.summary_equals))
    matching = [
        run
        for run in runs_in_creation_order
        if _matches(run, query)
        and _equals(run.config, config_equals)
        and _equals(run.summary, summary_equals)
    ]
    ordered = _ordered(matching, order)
    end = None if query.limit is None else query.offset + query.limit
    return ordered[query.offset : end]


def _matches(run: RunRecord, query: RunQuery) -> bool:
    return (
        (query.project is None or run.project == query.project)
        and (query.sweep_id is None or run.sweep_id == query.sweep_id)
        and (not query.states or run.state in query.states)
        and (query.group is None or run.group == query.group)
        and all(tag in run.tags for tag in query.tags)
    )


def _equals(values: Any, wanted: dict[str, Any]) -> bool:
    return all(key in values and json_equal(values[key], value) for key, value in wanted.items())


def _ordered(runs: list[RunRecord], order: RunOrder) -> list[RunRecord]:
    if order.field is not None:
        field = order.field

        def field_key(indexed: tuple[int, RunRecord]) -> tuple[Any, int]:
            value = getattr(indexed[1], field)
            return (value.value if field == "state" else value, indexed[0])

        indexed = sorted(enumerate(runs), key=field_key, reverse=order.descending)
        return [run for _, run in indexed]
    key = order.summary_key or ""
    numbered: list[tuple[float, int, RunRecord]] = []
    rest: list[RunRecord] = []
    for position, run in enumerate(runs):
        value = run.summary.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and not math.isnan(value):
            numbered.append((float(value), position, run))
        else:
            rest.append(run)
    numbered.sort(key=lambda item: (item[0], item[1]), reverse=order.descending)
    return [run for _, _, run in numbered] + rest
