"""A project's runs table: the rows of one page, its columns, and groups of runs.

Sorting, filtering and paging happen in the store (``RunQuery``), so a page of 50 rows out of
10,000 reads 50 runs (plus one, to know whether there is a next page). Grouping needs every
matching run and is computed here, bounded by ``GROUP_MAX_RUNS``. What the URL asks for is
parsed by :mod:`.table_request`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sweeplab.domain import RunRecord
from sweeplab.server.dashboard.table_request import BUILTIN_COLUMNS, BUILTIN_ORDERS, TableRequest
from sweeplab.store.base import RunQuery, Store

GROUP_MAX_RUNS = 50_000
# Columns offered in the column chooser are discovered from this many recent runs.
DISCOVERY_RUN_COUNT = 200
DEFAULT_CONFIG_COLUMNS = 6
DEFAULT_SUMMARY_COLUMNS = 6
DEFAULT_BUILTINS = ("state", "created", "runtime")


def flatten(values: Mapping[str, Any], prefix: str = "", depth: int = 3) -> dict[str, Any]:
    """Nested mappings as dotted keys (``{"opt": {"lr": 1}}`` → ``{"opt.lr": 1}``)."""
    flat: dict[str, Any] = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value and depth > 1:
            flat.update(flatten(value, name + ".", depth - 1))
        else:
            flat[name] = value
    return flat


@dataclass(frozen=True)
class Column:
    """A table column: its id (``config.lr``), header text, and the sort value if sortable."""

    key: str
    label: str
    sort: str | None = None


def cell_value(run: RunRecord, column: str) -> Any:
    """The raw value of ``column`` for ``run`` (formatting is the template's job)."""
    if column == "state":
        return run.state.value
    if column == "created":
        return run.created_at
    if column == "runtime":
        return max(0.0, run.updated_at - run.created_at) if run.created_at else None
    if column == "sweep":
        return run.sweep_id
    if column == "group":
        return run.group
    if column == "tags":
        return ", ".join(run.tags)
    prefix, _, key = column.partition(".")
    source = run.config if prefix == "config" else run.summary
    if key in source:
        return source[key]
    return flatten(source).get(key)


def discover_columns(runs: Sequence[RunRecord]) -> tuple[list[str], list[str]]:
    """The config and summary keys the given runs have (bookkeeping ``_keys`` left out)."""
    config_keys: dict[str, None] = {}
    summary_keys: dict[str, None] = {}
    for run in runs:
        for key in flatten(run.config):
            if not key.startswith("_"):
                config_keys[key] = None
        for key, value in flatten(run.summary).items():
            if not key.startswith("_") and not isinstance(value, Mapping):
                summary_keys[key] = None
    return sorted(config_keys), sorted(summary_keys)


def columns_for(
    request: TableRequest, config_keys: Sequence[str], summary_keys: Sequence[str]
) -> list[Column]:
    """The columns shown: those asked for, else the built-ins and the first keys found."""
    chosen = request.columns
    if chosen is None:
        chosen = (
            *DEFAULT_BUILTINS,
            *(f"config.{key}" for key in config_keys[:DEFAULT_CONFIG_COLUMNS]),
            *(f"summary.{key}" for key in summary_keys[:DEFAULT_SUMMARY_COLUMNS]),
        )
    columns = []
    for key in chosen:
        if key in BUILTIN_COLUMNS:
            sort = key if key in BUILTIN_ORDERS else None
            columns.append(Column(key, BUILTIN_COLUMNS[key], sort))
        else:
            prefix, _, name = key.partition(".")
            columns.append(Column(key, name, key if prefix == "summary" else None))
    return columns


@dataclass(frozen=True)
class RunsPage:
    """One page of runs, whether more follow, and the columns to offer."""

    runs: list[RunRecord]
    has_next: bool
    columns: list[Column]
    config_keys: list[str]
    summary_keys: list[str]


def load_page(store: Store, request: TableRequest) -> RunsPage:
    """The requested page (``per_page + 1`` read to learn if a next page exists)."""
    offset = (request.page - 1) * request.per_page
    rows = store.list_runs(request.run_query(limit=request.per_page + 1, offset=offset))
    page_runs = rows[: request.per_page]
    recent = store.list_runs(
        RunQuery(project=request.project, order="-created_at", limit=DISCOVERY_RUN_COUNT)
    )
    config_keys, summary_keys = discover_columns([*page_runs, *recent])
    return RunsPage(
        runs=page_runs,
        has_next=len(rows) > request.per_page,
        columns=columns_for(request, config_keys, summary_keys),
        config_keys=config_keys,
        summary_keys=summary_keys,
    )


@dataclass(frozen=True)
class GroupRow:
    """One group of runs: its value, size, states, and the metric's mean/min/max."""

    label: str
    count: int
    states: dict[str, int]
    mean: float | None
    minimum: float | None
    maximum: float | None
    filter_param: tuple[str, str] | None  # (query key, value) that lists this group's runs


def group_runs(store: Store, request: TableRequest) -> tuple[list[GroupRow], int]:
    """Groups of every matching run (at most ``GROUP_MAX_RUNS`` read) and how many were read."""
    assert request.group_by is not None
    runs = store.list_runs(request.run_query(limit=GROUP_MAX_RUNS, offset=0))
    groups: dict[str, list[RunRecord]] = {}
    raw_values: dict[str, Any] = {}
    for run in runs:
        raw = _group_value(run, request.group_by)
        label = (
            "—" if raw is None else (raw if isinstance(raw, str) else json.dumps(raw, default=str))
        )
        groups.setdefault(label, []).append(run)
        raw_values.setdefault(label, raw)
    metric_key = request.group_metric.removeprefix("summary.") if request.group_metric else None
    rows = [
        _group_row(label, members, metric_key, request.group_by, raw_values[label])
        for label, members in groups.items()
    ]
    rows.sort(key=lambda row: (-row.count, row.label))
    return rows, len(runs)


def _group_value(run: RunRecord, group_by: str) -> Any:
    if group_by == "state":
        return run.state.value
    if group_by == "sweep":
        return run.sweep_id
    if group_by == "group":
        return run.group
    if group_by == "job_type":
        return run.job_type
    return cell_value(run, group_by)


def _group_row(
    label: str, members: Sequence[RunRecord], metric_key: str | None, group_by: str, raw: Any
) -> GroupRow:
    states: dict[str, int] = {}
    for run in members:
        states[run.state.value] = states.get(run.state.value, 0) + 1
    values = []
    if metric_key is not None:
        for run in members:
            value = run.summary_metric(metric_key)
            if value is not None and math.isfinite(value):
                values.append(value)
    return GroupRow(
        label=label,
        count=len(members),
        states=states,
        mean=sum(values) / len(values) if values else None,
        minimum=min(values) if values else None,
        maximum=max(values) if values else None,
        filter_param=_group_filter(group_by, raw),
    )


def _group_filter(group_by: str, raw: Any) -> tuple[str, str] | None:
    """The query parameter that narrows the table to one group, where the store can filter."""
    if raw is None:
        return None
    if group_by == "state":
        return ("state", str(raw))
    if group_by == "sweep":
        return ("sweep", str(raw))
    if group_by == "group":
        return ("run_group", str(raw))
    if group_by.startswith("config."):
        key = group_by.removeprefix("config.")
        if "." in key:
            return None  # the store filters top-level config keys only
        return ("where", f"config.{key}={json.dumps(raw)}")
    return None
