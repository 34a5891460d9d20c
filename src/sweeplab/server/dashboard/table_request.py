"""What a runs-table URL asks for: the query string parsed and validated into a TableRequest.

Query parameters (all optional, all validated, errors name the parameter and the fix):

``sort``      ``name``, ``state``, ``created``, ``updated`` or ``summary.<key>``; ``-`` prefix
              for descending (default ``-created``)
``state``     keep runs in these states (repeatable)
``sweep``     keep one sweep's runs;   ``run_group``: keep one W&B group;  ``tag``: (repeatable)
``where``     ``config.<key>=<value>`` or ``summary.<key>=<value>`` (repeatable; the value is
              read as JSON when it parses, else as text)
``cols``      comma-separated columns: ``config.<key>``, ``summary.<key>`` and the built-in
              ``state``, ``created``, ``runtime``, ``sweep``, ``group``, ``tags`` (or ``col``
              repeated, as the column chooser's checkboxes send them)
``group_by``  ``state``, ``sweep``, ``group``, ``job_type`` or ``config.<key>``; with
              ``group_metric=summary.<key>``, each group's mean/min/max of it
``page``, ``per_page``  1-based page, 10..500 rows per page (default 50)

Empty values mean "not given" (the toolbar form always sends every field).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sweeplab.domain import RunState
from sweeplab.errors import RequestError
from sweeplab.store.base import RunQuery

DEFAULT_PER_PAGE = 50
PER_PAGE_RANGE = (10, 500)
MAX_KEY_CHARS = 200
MAX_FILTERS = 20
MAX_COLUMNS = 40

BUILTIN_COLUMNS = {
    "state": "State",
    "created": "Created",
    "runtime": "Runtime",
    "sweep": "Sweep",
    "group": "Group",
    "tags": "Tags",
}
# Column → the store's order field, for the columns the store can sort by.
BUILTIN_ORDERS = {
    "name": "name",
    "state": "state",
    "created": "created_at",
    "updated": "updated_at",
}
GROUP_FIELDS = ("state", "sweep", "group", "job_type")


@dataclass(frozen=True)
class TableRequest:
    """A validated runs-table query."""

    project: str
    sort: str = "-created"
    states: tuple[RunState, ...] = ()
    sweep_id: str | None = None
    run_group: str | None = None
    tags: tuple[str, ...] = ()
    config_equals: Mapping[str, Any] = field(default_factory=dict)
    summary_equals: Mapping[str, Any] = field(default_factory=dict)
    columns: tuple[str, ...] | None = None  # None: chosen from the runs
    group_by: str | None = None
    group_metric: str | None = None
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    def run_query(self, limit: int | None, offset: int) -> RunQuery:
        return RunQuery(
            project=self.project,
            sweep_id=self.sweep_id,
            states=self.states,
            group=self.run_group,
            tags=self.tags,
            config_equals=dict(self.config_equals),
            summary_equals=dict(self.summary_equals),
            order=store_order(self.sort),
            limit=limit,
            offset=offset,
        )


def _check_key(parameter: str, key: str) -> str:
    if not key or len(key) > MAX_KEY_CHARS:
        raise RequestError(
            f"{parameter}: a key must have 1 to {MAX_KEY_CHARS} characters, got {len(key)}"
        )
    return key


def store_order(sort: str) -> str:
    """The ``RunQuery.order`` for a table ``sort`` value (validated by :func:`parse_sort`)."""
    descending = sort.startswith("-")
    column = sort.lstrip("-")
    field_name = BUILTIN_ORDERS.get(column, column)
    return ("-" if descending else "") + field_name


def parse_sort(sort: str) -> str:
    column = sort.removeprefix("-")
    if column in BUILTIN_ORDERS:
        return sort
    if column.startswith("summary."):
        _check_key("sort", column.removeprefix("summary."))
        return sort
    raise RequestError(
        f"sort: cannot sort by {column[:80]!r}; use name, state, created, updated or "
        "summary.<key>, with a leading '-' for descending"
    )


def _parse_where(items: Sequence[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    if len(items) > MAX_FILTERS:
        raise RequestError(f"where: at most {MAX_FILTERS} filters, got {len(items)}")
    config: dict[str, Any] = {}
    summary: dict[str, Any] = {}
    for item in items:
        target, _, rest = item.partition(".")
        key, equals, text = rest.partition("=")
        if target not in ("config", "summary") or not equals:
            raise RequestError(
                f"where: {item[:80]!r} is not 'config.<key>=<value>' or 'summary.<key>=<value>'"
            )
        (config if target == "config" else summary)[_check_key("where", key)] = _json_or_text(text)
    return config, summary


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _parse_int(parameter: str, text: str | None, default: int, low: int, high: int) -> int:
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise RequestError(f"{parameter}: expected a whole number, got {text[:40]!r}") from None
    if not low <= value <= high:
        raise RequestError(f"{parameter}: must be between {low} and {high}, got {value}")
    return value


def _parse_columns(text: str | None) -> tuple[str, ...] | None:
    if text is None or not text.strip():
        return None
    columns = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    if len(columns) > MAX_COLUMNS:
        raise RequestError(f"cols: at most {MAX_COLUMNS} columns, got {len(columns)}")
    for column in columns:
        if column in BUILTIN_COLUMNS:
            continue
        prefix, _, key = column.partition(".")
        if prefix not in ("config", "summary"):
            raise RequestError(
                f"cols: unknown column {column[:80]!r}; use config.<key>, summary.<key> or "
                f"one of {', '.join(BUILTIN_COLUMNS)}"
            )
        _check_key("cols", key)
    return columns


def _parse_group_by(text: str | None) -> str | None:
    if not text:
        return None
    if text in GROUP_FIELDS:
        return text
    if text.startswith("config."):
        _check_key("group_by", text.removeprefix("config."))
        return text
    raise RequestError(
        f"group_by: cannot group by {text[:80]!r}; use {', '.join(GROUP_FIELDS)} or config.<key>"
    )


def parse_table_request(project: str, params: Sequence[tuple[str, str]]) -> TableRequest:
    """Validate the query string's (key, value) pairs; raises RequestError naming the problem."""
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for key, value in params:
        single[key] = value
        multi.setdefault(key, []).append(value)
    states: list[RunState] = []
    for text in multi.get("state", []):
        try:
            states.append(RunState(text))
        except ValueError:
            names = ", ".join(state.value for state in RunState)
            raise RequestError(f"state: unknown run state {text[:40]!r}; use {names}") from None
    # An empty form field means "no filter" (the toolbar form always sends every field).
    config_equals, summary_equals = _parse_where([item for item in multi.get("where", []) if item])
    group_metric = single.get("group_metric") or None
    if group_metric is not None and not group_metric.startswith("summary."):
        raise RequestError(f"group_metric: expected summary.<key>, got {group_metric[:80]!r}")
    if group_metric is not None:
        _check_key("group_metric", group_metric.removeprefix("summary."))
    tags = tuple(_check_key("tag", tag) for tag in multi.get("tag", []) if tag)
    return TableRequest(
        project=project,
        sort=parse_sort(single.get("sort") or "-created"),
        states=tuple(dict.fromkeys(states)),
        sweep_id=single.get("sweep") or None,
        run_group=single.get("run_group") or None,
        tags=tags,
        config_equals=config_equals,
        summary_equals=summary_equals,
        columns=_parse_columns(single.get("cols") or ",".join(multi.get("col", []))),
        group_by=_parse_group_by(single.get("group_by")),
        group_metric=group_metric,
        page=_parse_int("page", single.get("page"), 1, 1, 1_000_000),
        per_page=_parse_int("per_page", single.get("per_page"), DEFAULT_PER_PAGE, *PER_PAGE_RANGE),
    )
