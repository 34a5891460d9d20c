"""The store contract against PostgreSQL, plus what only a real server can show: claims from
several processes, parallel first opens migrating once, and the migrations themselves.

Runs on the throwaway cluster of ``sweeplab.testing.postgres`` (skipped without PostgreSQL
locally; failing in CI).
"""

from __future__ import annotations

import math
import multiprocessing
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from sweeplab.errors import ConflictError, SchemaOutdatedError, SchemaTooNewError
from sweeplab.store.base import MetricRow, NewRun, RunChanges, RunQuery, Store
from sweeplab.store.sql import SqlStore, head_revision, upgrade_schema
from sweeplab.store.sql.schema import VERSION_TABLE, alembic_config
from sweeplab.store.sql.tables import metadata
from sweeplab.testing import postgres
from sweeplab.testing.planners import GridPlanner, claim_in_process, create_run_in_process
from sweeplab.testing.postgres import PostgresCluster, database_name
from sweeplab.testing.store_contract import StoreContract

PROCESSES = 4
CLAIMS_PER_PROCESS = 25


class TestPostgresStore(StoreContract):
    @pytest.fixture(autouse=True)
    def _use_database(self, postgres_url: str) -> None:
        self.url = postgres_url

    def make_store(self, tmp_path: Path) -> Store:
        return SqlStore(self.url)


def test_cluster_is_private_to_loopback(postgres_cluster: PostgresCluster) -> None:
    [(listen,)] = postgres_cluster.query("SHOW listen_addresses")
    [(fsync,)] = postgres_cluster.query("SHOW fsync")
    assert (listen, fsync) == ("127.0.0.1", "off")
    assert postgres_cluster.url("db") == f"postgresql+psycopg://postgres@127.0.0.1:{postgres_cluster.port}/db"


def test_processes_claiming_never_share_a_point(postgres_url: str) -> None:
    store = SqlStore(postgres_url)
    grid_size = PROCESSES * CLAIMS_PER_PROCESS
    sweep = store.create_sweep("proj", {"method": "grid"}, seed=1)
    context = multiprocessing.get_context("spawn")
    with context.Pool(PROCESSES) as pool:
        claimed = pool.starmap(
            claim_in_process,
            [(postgres_url, sweep.sweep_id, grid_size, CLAIMS_PER_PROCESS)] * PROCESSES,
        )
    assert [len(ids) for ids in claimed] == [CLAIMS_PER_PROCESS] * PROCESSES
    runs = store.sweep_runs(sweep.sweep_id)
    assert sorted(int(run.point_key or "-1") for run in runs) == list(range(grid_size))
    assert sorted(run_id for ids in claimed for run_id in ids) == sorted(r.run_id for r in runs)
    assert store.claim_run(sweep.sweep_id, GridPlanner(grid_size), 60.0).run is None
    store.close()


def test_racing_creates_of_one_id_resume_or_conflict(postgres_url: str) -> None:
    """A client's retry can race its first attempt: every caller gets the run (same project)
    or ConflictError (a taken sweep id), never a raw unique-constraint error."""
    store = SqlStore(postgres_url)
    outcomes: list[str] = []

    def create(index: int, barrier: threading.Barrier) -> None:
        barrier.wait()
        run = store.create_run(NewRun(project="p", run_id=f"run{index}"))
        outcomes.append(run.run_id)
        try:
            store.create_sweep("p", {}, seed=1, sweep_id=f"sweep{index}")
            outcomes.append("sweep")
        except ConflictError:
            outcomes.append("conflict")

    for index in range(10):
        barrier = threading.Barrier(4)
        threads = [threading.Thread(target=create, args=(index, barrier)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
    assert sorted(outcomes) == sorted(
        [f"run{index}" for index in range(10) for _ in range(4)]
        + ["sweep"] * 10 + ["conflict"] * 30
    )
    store.close()


def test_processes_opening_an_empty_database_together_migrate_once(
    postgres_empty_url: str,
) -> None:
    context = multiprocessing.get_context("spawn")
    with context.Pool(PROCESSES) as pool:
        run_ids = pool.starmap(create_run_in_process, [(postgres_empty_url, "proj")] * PROCESSES)
    store = SqlStore(postgres_empty_url)
    assert sorted(run.run_id for run in store.list_runs(RunQuery())) == sorted(run_ids)
    store.close()
    assert _revisions(postgres_empty_url) == [head_revision()]


def test_migrations_create_exactly_the_tables_the_code_uses(postgres_empty_url: str) -> None:
    SqlStore(postgres_empty_url).close()
    engine = sa.create_engine(postgres_empty_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "version_table": VERSION_TABLE}
        )
        assert compare_metadata(context, metadata) == []
    engine.dispose()


def test_downgrade_then_upgrade(postgres_empty_url: str) -> None:
    assert upgrade_schema(postgres_empty_url) == (None, head_revision())
    command.downgrade(alembic_config(postgres_empty_url), "base")
    assert _revisions(postgres_empty_url) == []
    with pytest.raises(SchemaOutdatedError, match="sweeplab db upgrade --store postgresql"):
        SqlStore(postgres_empty_url)
    assert upgrade_schema(postgres_empty_url) == (None, head_revision())
    assert upgrade_schema(postgres_empty_url) == (head_revision(), head_revision())
    store = SqlStore(postgres_empty_url)
    store.create_run(NewRun(project="p"))
    store.close()


def test_schema_errors_hide_the_password(
    postgres_cluster: PostgresCluster, postgres_empty_url: str
) -> None:
    # The cluster trusts loopback, so any password connects; it must not be echoed.
    with_password = postgres_empty_url.replace("postgres@", "postgres:s3cret-pw@")
    SqlStore(with_password).close()
    command.downgrade(alembic_config(with_password), "base")
    with pytest.raises(SchemaOutdatedError) as raised:
        SqlStore(with_password)
    assert "s3cret-pw" not in str(raised.value)
    assert "sweeplab db upgrade --store postgresql+psycopg://postgres:***@127.0.0.1" in str(
        raised.value
    )


def test_newer_schema_is_refused(
    postgres_cluster: PostgresCluster, postgres_empty_url: str
) -> None:
    SqlStore(postgres_empty_url).close()
    postgres_cluster.execute(
        f"UPDATE {VERSION_TABLE} SET version_num = '9999_from_the_future'",
        database=database_name(postgres_empty_url),
    )
    with pytest.raises(SchemaTooNewError, match="9999_from_the_future"):
        SqlStore(postgres_empty_url)


def test_non_finite_values_are_stored_as_postgres_can_hold_them(
    postgres_cluster: PostgresCluster, postgres_url: str
) -> None:
    """json refuses NaN/Infinity: they are tagged in JSON columns; metric values are doubles,
    where PostgreSQL keeps ±Infinity and NULL stands for NaN."""
    store = SqlStore(postgres_url)
    run = store.create_run(NewRun(project="p", config={"lr": math.inf}))
    store.update_run(run.run_id, RunChanges(summary={"loss": math.nan, "best": -math.inf}))
    store.log_metrics(run.run_id, [MetricRow(0, "m", math.nan), MetricRow(1, "m", -math.inf)])
    store.close()
    name = database_name(postgres_url)
    [(config, summary)] = postgres_cluster.query(
        "SELECT config::text, summary::text FROM runs", database=name
    )
    assert config == '{"lr": {"$float": "Infinity"}}'
    assert summary == '{"loss": {"$float": "NaN"}, "best": {"$float": "-Infinity"}}'
    values = postgres_cluster.query("SELECT value FROM metrics ORDER BY step", database=name)
    assert values == [(None,), (-math.inf,)]


@pytest.mark.parametrize(
    ("missing", "reason"),
    [
        ("BIN_GLOB", "PostgreSQL is not installed (no initdb under /nonexistent"),
        ("SERVER_USER", "no 'nobody-here' user"),
    ],
)
def test_missing_postgres_skips_locally_and_fails_in_ci(
    monkeypatch: pytest.MonkeyPatch, missing: str, reason: str
) -> None:
    if missing == "BIN_GLOB":
        monkeypatch.setattr(postgres, "BIN_GLOB", "/nonexistent/*/bin")
    else:
        monkeypatch.setattr(postgres, "SERVER_USER", "nobody-here")
        monkeypatch.setattr("os.geteuid", lambda: 0)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=re.escape(reason)):
        postgres.start_cluster_for_tests()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"CI=true but PostgreSQL is unavailable"):
        postgres.start_cluster_for_tests()


def test_database_names_are_plain_identifiers(postgres_cluster: PostgresCluster) -> None:
    with pytest.raises(ValueError, match="letters, digits and underscores"):
        postgres_cluster.create_database('x"; DROP DATABASE postgres; --')


def _revisions(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return [
                str(row[0])
                for row in connection.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}"))
            ]
    finally:
        engine.dispose()


def test_a_cluster_left_running_stops_when_its_process_exits(
    postgres_cluster: PostgresCluster,
) -> None:
    """A run that ends without fixture teardown (interrupted) leaves no server behind."""
    script = (
        "from sweeplab.testing.postgres import start_cluster\n"
        "print(start_cluster().root_dir)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    root_dir = Path(done.stdout.strip())
    assert root_dir.name.startswith("sweeplab-pg-")
    assert not root_dir.exists()


def test_a_server_that_will_not_start_is_reported_with_its_log(
    postgres_cluster: PostgresCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        postgres, "_SERVER_SETTINGS", {**postgres._SERVER_SETTINGS, "shared_buffers": "bogus"}
    )
    made: list[str] = []
    real_mkdtemp = tempfile.mkdtemp

    def recording_mkdtemp(**options: str) -> str:
        made.append(real_mkdtemp(**options))
        return made[-1]

    monkeypatch.setattr(tempfile, "mkdtemp", recording_mkdtemp)
    with pytest.raises(RuntimeError, match=r"(?s)failed to start.*server log:.*shared_buffers"):
        postgres.start_cluster()
    assert len(made) == 1
    assert not Path(made[0]).exists()  # nothing left behind


def test_a_failing_initdb_is_reported_with_its_output(
    postgres_cluster: PostgresCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_bin = Path(tempfile.mkdtemp(prefix="sweeplab-fake-pg-", dir="/tmp"))
    try:
        fake_bin.chmod(0o755)
        for tool in ("initdb", "pg_ctl"):
            script = fake_bin / tool
            script.write_text("#!/bin/sh\necho no space left >&2\nexit 3\n")
            script.chmod(0o755)
        monkeypatch.setattr(postgres, "find_bin_dir", lambda: fake_bin)
        with pytest.raises(RuntimeError, match=r"initdb .* failed with exit 3: no space left"):
            postgres.start_cluster()
    finally:
        shutil.rmtree(fake_bin)
