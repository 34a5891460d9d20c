"""Metric rows in SQL: idempotent batch inserts and ordered reads (SQLAlchemy Core)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Dialect

from sweeplab.store.base import MetricRow
from sweeplab.store.sql.tables import metrics, runs


def new_rows(connection: Connection, run_id: str, rows: Sequence[MetricRow]) -> list[MetricRow]:
    """The rows of the batch the run does not hold yet (first of in-batch repeats wins)."""
    batch: dict[tuple[str, int], MetricRow] = {}
    for row in rows:
        batch.setdefault((row.key, row.step), row)
    if not batch:
        return []
    steps = [step for _, step in batch]
    keys = sorted({key for key, _ in batch})
    held = connection.execute(
        sa.select(metrics.c.key, metrics.c.step).where(
            metrics.c.run_id == run_id,
            metrics.c.step.between(min(steps), max(steps)),
            metrics.c.key.in_(keys),
        )
    )
    for key, step in held:
        batch.pop((key, step), None)
    return list(batch.values())


def insert_rows(connection: Connection, run_id: str, rows: Sequence[MetricRow]) -> int:
    """Insert with "on conflict do nothing", so a concurrent writer of the same rows is harmless.

    The statement is the dialect's insert construct, compiled once; rows go to the driver's
    ``executemany`` directly, because per-row parameter processing in SQLAlchemy costs about
    twice the insert itself (a 20k-row batch is the SDK's normal shipment). Returns the
    driver's count of inserted rows (exact with sqlite3 and psycopg 3, which sum
    ``executemany``'s row counts).
    """
    if not rows:
        return 0
    sql, positional = _compiled_insert(connection.dialect)
    # Values in table column order (the order a positional insert binds them); NULL stands
    # for NaN (what MetricValue does per row).
    values = [
        (run_id, row.key, row.step, None if math.isnan(v := float(row.value)) else v, row.wall_time)
        for row in rows
    ]
    if positional:
        result = connection.exec_driver_sql(sql, values)
    else:
        columns = tuple(metrics.columns.keys())
        result = connection.exec_driver_sql(
            sql, [dict(zip(columns, row, strict=True)) for row in values]
        )
    return int(result.rowcount)


_compiled_inserts: dict[tuple[str, str], tuple[str, bool]] = {}


def _compiled_insert(dialect: Dialect) -> tuple[str, bool]:
    """The insert-or-ignore SQL for ``dialect``, and whether its parameters are positional."""
    cache_key = (dialect.name, dialect.paramstyle)
    if cache_key not in _compiled_inserts:
        make_insert: Any = postgresql.insert if dialect.name == "postgresql" else sqlite.insert
        compiled = make_insert(metrics).on_conflict_do_nothing().compile(dialect=dialect)
        _compiled_inserts[cache_key] = (str(compiled), compiled.positional)
    return _compiled_inserts[cache_key]


def read_rows(
    connection: Connection, run_id: str, keys: Sequence[str] | None
) -> dict[str, list[tuple[int, float]]]:
    """Each key's ``(step, value)`` pairs in step order."""
    query = sa.select(metrics.c.key, metrics.c.step, metrics.c.value).where(
        metrics.c.run_id == run_id
    )
    if keys is not None:
        query = query.where(metrics.c.key.in_(list(keys)))
    result: dict[str, list[tuple[int, float]]] = {}
    for key, step, value in connection.execute(query.order_by(metrics.c.key, metrics.c.step)):
        result.setdefault(key, []).append((int(step), value))
    return result


def sweep_histories(
    connection: Connection, sweep_id: str, key: str
) -> dict[str, tuple[float, ...]]:
    """Every run of the sweep (creation order) with its values of ``key`` in step order."""
    run_ids = connection.execute(
        sa.select(runs.c.run_id).where(runs.c.sweep_id == sweep_id).order_by(runs.c.seq)
    ).scalars()
    values: dict[str, list[float]] = {run_id: [] for run_id in run_ids}
    query = (
        sa.select(metrics.c.run_id, metrics.c.value)
        .join(runs, runs.c.run_id == metrics.c.run_id)
        .where(runs.c.sweep_id == sweep_id, metrics.c.key == key)
        .order_by(metrics.c.run_id, metrics.c.step)
    )
    for run_id, value in connection.execute(query):
        values[run_id].append(value)
    return {run_id: tuple(run_values) for run_id, run_values in values.items()}
