"""The compiled metric insert for each dialect (PostgreSQL compiled without a server)."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import psycopg
from sqlalchemy.dialects.sqlite import pysqlite

from sweeplab.store.sql.metric_rows import _compiled_insert
from sweeplab.store.sql.tables import metrics


def test_sqlite_insert_is_positional_in_table_column_order() -> None:
    sql, positional = _compiled_insert(pysqlite.dialect())
    assert positional
    assert sql.endswith("ON CONFLICT DO NOTHING")
    assert tuple(metrics.columns.keys()) == ("run_id", "key", "step", "value", "wall_time")
    assert sql.startswith('INSERT INTO metrics (run_id, "key", step, value, wall_time)')


def test_postgresql_insert_uses_named_parameters() -> None:
    sql, positional = _compiled_insert(psycopg.dialect())  # type: ignore[no-untyped-call]
    assert not positional
    assert "%(run_id)s" in sql
    assert sql.endswith("ON CONFLICT DO NOTHING")
