"""The schema version of a database, checked on open and upgraded on request.

A fresh database is migrated to the current head when a store opens it. An existing one must
already be at the head: an older schema raises :class:`~sweeplab.errors.SchemaOutdatedError`
naming ``sweeplab db upgrade --store URL`` (which calls :func:`upgrade_schema`), a newer one
raises :class:`~sweeplab.errors.SchemaTooNewError`. Checking reads one row and never imports
Alembic; only migrating does.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sweeplab.errors import SchemaOutdatedError, SchemaTooNewError, StoreError
from sweeplab.store.sql.engine import Database

if TYPE_CHECKING:
    from alembic.config import Config

VERSION_TABLE = "sweeplab_schema_version"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Every revision under migrations/versions, oldest first; the last is the head this code
# needs. A test keeps this in step with the migration scripts.
REVISIONS: tuple[str, ...] = ("0001_initial", "0002_api_keys", "0003_run_version")
SWEEPLAB_TABLES = ("sweeps", "runs", "metrics")
# A key for PostgreSQL's advisory lock, so parallel first opens migrate once.
_MIGRATION_LOCK_KEY = 0x5E_EB_1A_B0


def head_revision() -> str:
    return REVISIONS[-1]


def shown_url(url: str) -> str:
    """``url`` fit for messages: a PostgreSQL password shows as ``***``."""
    return sa.make_url(url).render_as_string(hide_password=True)


def upgrade_command(url: str) -> str:
    return f"sweeplab db upgrade --store {shown_url(url)}"


def alembic_config(url: str, connection: Connection | None = None) -> Config:
    """An Alembic ``Config`` for sweeplab's migrations, built in code (no alembic.ini)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # configparser treats '%' as interpolation; URL-encoded passwords contain it.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


class _Fresh:
    """The revision of a database with no sweeplab tables yet."""


FRESH = _Fresh()


def current_revision(connection: Connection, url: str) -> str | _Fresh | None:
    """The database's revision: a revision id, ``None`` (stamped at base), or :data:`FRESH`."""
    inspector = sa.inspect(connection)
    if not inspector.has_table(VERSION_TABLE):
        present = [name for name in SWEEPLAB_TABLES if inspector.has_table(name)]
        if present:
            raise StoreError(
                f"{shown_url(url)} has tables {', '.join(present)} but no sweeplab schema "
                "version, so it is not a sweeplab database (or was created by hand); point "
                "--store at a sweeplab database or a new file"
            )
        return FRESH
    rows = connection.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).all()
    return str(rows[0][0]) if rows else None


def check_revision(revision: str | None, url: str) -> None:
    """Raise unless ``revision`` is the head this code needs."""
    if revision == head_revision():
        return
    if revision is None or revision in REVISIONS:
        shown = revision or "empty (no revision)"
        raise SchemaOutdatedError(
            f"the database schema at {shown_url(url)} is older than this sweeplab needs "
            f"(database: {shown}, needed: {head_revision()}); back the database up, then "
            f"run: {upgrade_command(url)}"
        )
    raise SchemaTooNewError(
        f"the database schema at {shown_url(url)} is newer than this sweeplab knows (database: "
        f"{revision}, newest known: {head_revision()}); a newer sweeplab wrote it, so upgrade "
        "sweeplab (pip install -U sweeplab) to use it"
    )


def ensure_schema(database: Database) -> None:
    """Migrate a fresh database to the head; raise if an existing one is not at the head."""
    with database.reading() as connection:
        revision = current_revision(connection, database.url)
    if revision is FRESH:
        with database.writing() as connection:
            _lock_for_migration(connection)
            # Another process may have migrated while this one waited for the lock.
            revision = current_revision(connection, database.url)
            if revision is FRESH:
                _upgrade_to_head(connection, database.url)
                return
    assert not isinstance(revision, _Fresh)
    check_revision(revision, database.url)


def upgrade_schema(url: str) -> tuple[str | None, str]:
    """Upgrade the database at ``url`` to the head; returns ``(from_revision, to_revision)``.

    What ``sweeplab db upgrade --store URL`` runs. A database already at the head is left
    alone; a newer one raises :class:`~sweeplab.errors.SchemaTooNewError`.
    """
    database = Database(url)
    try:
        with database.writing() as connection:
            _lock_for_migration(connection)
            revision = current_revision(connection, url)
            before = None if isinstance(revision, _Fresh) else revision
            if before is not None and before not in REVISIONS:
                check_revision(before, url)
            if before != head_revision():
                _upgrade_to_head(connection, url)
            return before, head_revision()
    finally:
        database.dispose()


def _upgrade_to_head(connection: Connection, url: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(url, connection), "head")


def _lock_for_migration(connection: Connection) -> None:
    # SQLite's BEGIN IMMEDIATE already excludes other writers; PostgreSQL needs a lock that
    # exists before any table does.
    if connection.dialect.name == "postgresql":
        connection.execute(
            sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
        )
