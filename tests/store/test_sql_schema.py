"""Schema versions: fresh databases migrate on open, old and new ones are refused clearly."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from sweeplab.errors import SchemaOutdatedError, SchemaTooNewError, StoreError
from sweeplab.store.base import NewRun, RunChanges, RunQuery
from sweeplab.store.sql import SqlStore, head_revision, schema, upgrade_schema
from sweeplab.store.sql.schema import VERSION_TABLE, alembic_config
from sweeplab.store.sql.tables import metadata


def _database(tmp_path: Path) -> tuple[str, Path]:
    path = tmp_path / "sweeplab.db"
    return f"sqlite:///{path}", path


def _stamp(path: Path, revision: str | None) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute(f"DELETE FROM {VERSION_TABLE}")
        if revision is not None:
            connection.execute(f"INSERT INTO {VERSION_TABLE} VALUES (?)", (revision,))


def _revision(path: Path) -> list[tuple[str]]:
    with sqlite3.connect(path) as connection:
        return connection.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchall()


def test_fresh_database_is_migrated_to_head_on_open(tmp_path: Path) -> None:
    url, path = _database(tmp_path)
    SqlStore(url).close()
    assert _revision(path) == [(head_revision(),)]


def test_revision_list_matches_the_migration_scripts() -> None:
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    oldest_first = [script.revision for script in reversed(list(scripts.walk_revisions()))]
    assert tuple(oldest_first) == schema.REVISIONS
    assert scripts.get_current_head() == head_revision()


def test_migrations_create_exactly_the_tables_the_code_uses(tmp_path: Path) -> None:
    url, _ = _database(tmp_path)
    SqlStore(url).close()
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "version_table": VERSION_TABLE}
        )
        assert compare_metadata(context, metadata) == []
    engine.dispose()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    url, path = _database(tmp_path)
    SqlStore(url).close()
    _stamp(path, "9999_from_the_future")
    with pytest.raises(SchemaTooNewError, match=r"9999_from_the_future.*upgrade sweeplab"):
        SqlStore(url)
    with pytest.raises(SchemaTooNewError, match="newer"):
        upgrade_schema(url)


def test_known_older_revision_is_refused_with_the_upgrade_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, path = _database(tmp_path)
    SqlStore(url).close()
    monkeypatch.setattr(schema, "REVISIONS", ("0000_older", *schema.REVISIONS))
    _stamp(path, "0000_older")
    with pytest.raises(SchemaOutdatedError) as raised:
        SqlStore(url)
    assert f"sweeplab db upgrade --store {url}" in str(raised.value)
    assert "0000_older" in str(raised.value)


def test_downgraded_database_is_refused_until_upgraded(tmp_path: Path) -> None:
    url, path = _database(tmp_path)
    SqlStore(url).close()
    command.downgrade(alembic_config(url), "base")
    assert _revision(path) == []
    with pytest.raises(SchemaOutdatedError, match=r"sweeplab db upgrade --store sqlite:///"):
        SqlStore(url)
    assert upgrade_schema(url) == (None, head_revision())
    store = SqlStore(url)
    store.create_run(NewRun(project="p"))
    assert len(store.list_runs(RunQuery())) == 1
    store.close()


def test_upgrade_schema_creates_and_then_leaves_alone(tmp_path: Path) -> None:
    url, path = _database(tmp_path)
    assert upgrade_schema(url) == (None, head_revision())
    assert upgrade_schema(url) == (head_revision(), head_revision())
    assert _revision(path) == [(head_revision(),)]


def test_database_with_sweeplab_tables_but_no_version_is_refused(tmp_path: Path) -> None:
    url, path = _database(tmp_path)
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE runs (anything TEXT)")
    with pytest.raises(StoreError, match="not a sweeplab database"):
        SqlStore(url)


def test_other_tables_may_share_the_database(tmp_path: Path) -> None:
    url, path = _database(tmp_path)
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE my_own_table (anything TEXT)")
    SqlStore(url).close()
    assert _revision(path) == [(head_revision(),)]


def test_a_database_with_runs_upgrades_from_0002_keeping_them(tmp_path: Path) -> None:
    """0003 adds ``runs.version``: runs stored before it get version 0 and claim as usual."""
    url, _ = _database(tmp_path)
    store = SqlStore(url)
    sweep = store.create_sweep("p", {"method": "grid"}, seed=1)
    old = store.create_run(NewRun(project="p", sweep_id=sweep.sweep_id))
    store.close()
    command.downgrade(alembic_config(url), "0002_api_keys")
    with pytest.raises(SchemaOutdatedError, match="0002_api_keys"):
        SqlStore(url)
    assert upgrade_schema(url) == ("0002_api_keys", head_revision())
    store = SqlStore(url)
    try:
        assert store.get_run(old.run_id).run_id == old.run_id
        store.update_run(old.run_id, RunChanges(summary={"loss": 1.0}))
        engine = sa.create_engine(url)
        with engine.connect() as connection:
            versions = connection.exec_driver_sql("SELECT version FROM runs").scalars().all()
        engine.dispose()
        assert versions == [1]
    finally:
        store.close()
