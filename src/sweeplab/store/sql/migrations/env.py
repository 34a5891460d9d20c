"""Alembic environment for sweeplab's schema, run programmatically by ``schema.py``.

The caller passes an open connection in ``config.attributes["connection"]`` (already inside
the transaction that holds the database lock); without one, an engine is built from the
``sqlalchemy.url`` option (used when a developer runs ``alembic revision --autogenerate``).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from sweeplab.store.sql.engine import create_sweeplab_engine
from sweeplab.store.sql.schema import VERSION_TABLE
from sweeplab.store.sql.tables import metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        # SQLite cannot ALTER most things; batch mode recreates tables instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _main() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_sweeplab_engine(context.config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.connect() as connection:
            _run(connection)
            connection.commit()
    finally:
        engine.dispose()


_main()
