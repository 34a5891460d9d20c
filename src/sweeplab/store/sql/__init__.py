"""The SQL store: SQLite and PostgreSQL through SQLAlchemy 2 Core, schema by Alembic.

Importing this package imports SQLAlchemy; :func:`sweeplab.store.open_store` does so only when
asked for a SQL URL.
"""

from sweeplab.store.sql.schema import head_revision, upgrade_schema
from sweeplab.store.sql.store import SqlStore

__all__ = ["SqlStore", "head_revision", "upgrade_schema"]
