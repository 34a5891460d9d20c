"""A throwaway PostgreSQL cluster for tests and benchmarks, and pytest fixtures around it.

:func:`start_cluster` runs Debian's ``initdb`` and ``pg_ctl`` (found under
``/usr/lib/postgresql/*/bin``) to start a private server that lives in a temporary directory:
it listens only on 127.0.0.1 on a free port, keeps its unix socket in that directory, trusts
loopback connections and runs with ``fsync`` off (a test database never needs to survive a
power cut). :meth:`PostgresCluster.stop` stops it and deletes the directory. PostgreSQL
refuses to run as root, so when this process is root the server runs as the ``postgres``
user (``runuser``) and the directory is handed to that user; otherwise it runs as the
current user.

Fixtures (register with ``pytest_plugins = ["sweeplab.testing.postgres"]``):

- ``postgres_cluster`` (session): the cluster. Without PostgreSQL the test is *skipped*
  with the reason, except under CI (``CI=true``), where it fails: CI installs PostgreSQL
  (``.ci/install-postgres.sh``), so a missing one is a broken CI, not a reason to skip.
- ``postgres_url`` (function): the ``postgresql+psycopg://`` URL of a database migrated to the
  current schema and emptied for this test (one database is shared by the session and
  truncated before each test, which is ~10 times faster than a new one).
- ``postgres_empty_url`` (function): a new database with no tables, for migration tests.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

BIN_GLOB = "/usr/lib/postgresql/*/bin"
SERVER_USER = "postgres"
INSTALL_HINT = "install it with: bash .ci/install-postgres.sh (Debian's postgresql package)"
START_TIMEOUT_SECONDS = 30
_START_ATTEMPTS = 3
# Settings for speed: nothing here must survive a crash of the machine.
_SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    # The load benchmark runs a server with a pool of its own plus direct writers.
    "max_connections": "200",
}
LOCK_TIMEOUT_SECONDS = 10
# Alembic's version table (sweeplab.store.sql.schema.VERSION_TABLE; not imported, so this
# module does not load SQLAlchemy).
VERSION_TABLE = "sweeplab_schema_version"
_database_numbers = itertools.count(1)


class PostgresUnavailable(RuntimeError):  # noqa: N818 - reads as a condition, like pytest's Skipped
    """PostgreSQL cannot be started here (not installed, no psycopg, no ``postgres`` user)."""


def find_bin_dir() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` holding ``initdb`` and ``pg_ctl``."""
    candidates = [
        Path(path)
        for path in glob.glob(BIN_GLOB)
        if (Path(path) / "initdb").exists() and (Path(path) / "pg_ctl").exists()
    ]
    return max(candidates, key=_major_version, default=None)


def _major_version(bin_dir: Path) -> int:
    version = bin_dir.parent.name
    return int(version) if version.isdigit() else 0


def unavailable_reason() -> str | None:
    """Why a cluster cannot be started here, or ``None`` when it can."""
    if find_bin_dir() is None:
        return f"PostgreSQL is not installed (no initdb under {BIN_GLOB}); {INSTALL_HINT}"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg 3 is not installed; install it with: pip install 'sweeplab[postgres]'"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root needs runuser to start PostgreSQL as the postgres user"
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam(SERVER_USER)
        except KeyError:
            return f"running as root but there is no {SERVER_USER!r} user; {INSTALL_HINT}"
    return None


@dataclass
class PostgresCluster:
    """A running throwaway server; :meth:`stop` ends it and deletes its files."""

    bin_dir: Path
    root_dir: Path
    port: int
    run_as: str | None
    host: str = "127.0.0.1"
    startup_seconds: float = 0.0
    _stopped: bool = field(default=False, repr=False)

    @property
    def data_dir(self) -> Path:
        return self.root_dir / "data"

    @property
    def log_file(self) -> Path:
        return self.root_dir / "server.log"

    def url(self, database: str) -> str:
        """The sweeplab store URL of ``database`` on this cluster."""
        return f"postgresql+psycopg://postgres@{self.host}:{self.port}/{database}"

    def create_database(self, name: str = "", template: str = "") -> str:
        """Create a database (named ``name`` or generated, copied from ``template`` if given);
        returns its URL."""
        name = name or f"sweeplab_test_{os.getpid()}_{next(_database_numbers)}"
        statement = f'CREATE DATABASE "{_identifier(name)}"'
        if template:
            statement += f' TEMPLATE "{_identifier(template)}"'
        self.execute(statement)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop ``name``, closing any connection still open to it."""
        self.execute(f'DROP DATABASE IF EXISTS "{_identifier(name)}" WITH (FORCE)')

    def empty_database(self, name: str) -> None:
        """Delete every row of every table in ``name`` except the schema version."""
        import psycopg

        with psycopg.connect(
            host=self.host, port=self.port, user="postgres", dbname=name, autocommit=True
        ) as connection:
            tables = connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> %s",
                (VERSION_TABLE,),
            ).fetchall()
            if not tables:
                return
            listed = ", ".join(f'"{_identifier(table)}"' for (table,) in tables)
            # A process left holding a lock (a killed server's backend) must not hang the run.
            connection.execute(f"SET lock_timeout = '{LOCK_TIMEOUT_SECONDS}s'".encode())
            connection.execute(f"TRUNCATE {listed} RESTART IDENTITY CASCADE".encode())

    def execute(self, statement: str, database: str = "postgres") -> None:
        """Run SQL outside a transaction (as ``CREATE DATABASE`` needs) in ``database``."""
        self.query(statement, database)

    def query(self, statement: str, database: str = "postgres") -> list[tuple[object, ...]]:
        """Run SQL outside a transaction; the rows of the last statement, if it has any."""
        import psycopg

        with psycopg.connect(
            host=self.host, port=self.port, user="postgres", dbname=database, autocommit=True
        ) as connection:
            cursor = connection.execute(statement.encode())
            return list(cursor.fetchall()) if cursor.description is not None else []

    def stop(self) -> None:
        """Stop the server at once (its data is thrown away) and delete its directory."""
        if self._stopped:
            return
        self._stopped = True
        try:
            _run(
                self,
                [str(self.bin_dir / "pg_ctl"), "stop", "-D", str(self.data_dir), "-m",
                 "immediate", "-w"],
            )
        finally:
            shutil.rmtree(self.root_dir, ignore_errors=True)


def start_cluster() -> PostgresCluster:
    """Start a throwaway cluster; raises :class:`PostgresUnavailable` when it cannot be done
    here, and :class:`RuntimeError` (with the server log) when PostgreSQL fails to start."""
    reason = unavailable_reason()
    if reason is not None:
        raise PostgresUnavailable(reason)
    bin_dir = find_bin_dir()
    assert bin_dir is not None
    run_as = SERVER_USER if os.geteuid() == 0 else None
    # A short path under /tmp, not $TMPDIR or pytest's tmp_path: the server's unix socket path
    # must fit in 107 bytes, and the postgres user must be able to reach it.
    root_dir = Path(
        tempfile.mkdtemp(prefix="sweeplab-pg-", dir="/tmp" if os.path.isdir("/tmp") else None)
    )
    if run_as is not None:
        shutil.chown(root_dir, user=run_as, group=run_as)
    cluster = PostgresCluster(bin_dir=bin_dir, root_dir=root_dir, port=0, run_as=run_as)
    started = time.monotonic()
    try:
        _initdb(cluster)
        for attempt in range(1, _START_ATTEMPTS + 1):
            cluster.port = _free_port()
            if _pg_ctl_start(cluster, last_attempt=attempt == _START_ATTEMPTS):
                cluster.startup_seconds = time.monotonic() - started
                # Interrupted runs skip fixture teardown; a server left behind would outlive
                # them. Only the process that started it stops it (not a forked child).
                atexit.register(_stop_if_started_here, cluster, os.getpid())
                return cluster
    except BaseException:
        cluster.stop()
        raise
    raise AssertionError("unreachable: the last start attempt raises")  # pragma: no cover


@contextlib.contextmanager
def running_cluster() -> Iterator[PostgresCluster]:
    """A throwaway cluster for the duration of a ``with`` block."""
    cluster = start_cluster()
    try:
        yield cluster
    finally:
        cluster.stop()


def _stop_if_started_here(cluster: PostgresCluster, starter_pid: int) -> None:
    if os.getpid() == starter_pid:
        cluster.stop()


def _initdb(cluster: PostgresCluster) -> None:
    _run(
        cluster,
        [
            str(cluster.bin_dir / "initdb"),
            "-D", str(cluster.data_dir),
            "-U", "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        ],
        check=True,
    )


def _pg_ctl_start(cluster: PostgresCluster, last_attempt: bool) -> bool:
    """Start the server on ``cluster.port``; ``False`` if it failed and may be retried (the
    free port was taken in between), raise on the last attempt."""
    options = " ".join(
        [f"-p {cluster.port}", f"-k {cluster.root_dir}"]
        + [f"-c {name}={value}" for name, value in _SERVER_SETTINGS.items()]
    )
    result = _run(
        cluster,
        [
            str(cluster.bin_dir / "pg_ctl"), "start",
            "-D", str(cluster.data_dir),
            "-l", str(cluster.log_file),
            "-o", options,
            "-w", "-t", str(START_TIMEOUT_SECONDS),
        ],
    )
    if result.returncode == 0:
        return True
    if not last_attempt:
        return False
    log = cluster.log_file.read_text(errors="replace") if cluster.log_file.exists() else ""
    raise RuntimeError(
        f"PostgreSQL failed to start on 127.0.0.1:{cluster.port} (pg_ctl exit "
        f"{result.returncode}): {result.stdout}{result.stderr}\nserver log:\n{log[-4000:]}"
    )


def _run(
    cluster: PostgresCluster, command: list[str], check: bool = False
) -> subprocess.CompletedProcess[str]:
    if cluster.run_as is not None:
        command = ["runuser", "-u", cluster.run_as, "--", *command]
    result = subprocess.run(
        command, capture_output=True, text=True, check=False, cwd=cluster.root_dir,
        timeout=START_TIMEOUT_SECONDS * 2,
    )
    if check and result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed with exit {result.returncode}: "
            f"{result.stdout}{result.stderr}"
        )
    return result


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _identifier(name: str) -> str:
    """``name`` if it is a plain identifier; database names here are generated, never typed."""
    if not name or not all(char.isalnum() or char == "_" for char in name):
        raise ValueError(
            f"database name {name!r} must be letters, digits and underscores only"
        )
    return name


def database_name(url: str) -> str:
    """The database part of a cluster URL."""
    return url.rsplit("/", 1)[-1]


# --- pytest fixtures -------------------------------------------------------------------------


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


def start_cluster_for_tests() -> PostgresCluster:
    """:func:`start_cluster`, or skip the test (fail it under ``CI=true``) when PostgreSQL is
    unavailable here."""
    try:
        return start_cluster()
    except PostgresUnavailable as missing:
        if in_ci():
            pytest.fail(f"CI=true but PostgreSQL is unavailable: {missing}", pytrace=False)
        pytest.skip(f"PostgreSQL is unavailable: {missing}")


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A throwaway cluster for the whole test session (skipped without PostgreSQL, except in
    CI, where that fails)."""
    cluster = start_cluster_for_tests()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def postgres_shared_database(postgres_cluster: PostgresCluster) -> str:
    """The URL of one database migrated to the current schema, shared by the session's tests
    (each emptied first by ``postgres_url``: truncating takes ~20 ms where copying a database
    takes ~150 ms and migrating one ~250 ms)."""
    from sweeplab.store.sql import SqlStore

    url = postgres_cluster.create_database(f"sweeplab_shared_{os.getpid()}")
    SqlStore(url).close()
    return url


@pytest.fixture
def postgres_url(postgres_cluster: PostgresCluster, postgres_shared_database: str) -> str:
    """A migrated database with no rows, for one test (it is emptied again for the next)."""
    postgres_cluster.empty_database(database_name(postgres_shared_database))
    return postgres_shared_database


@pytest.fixture
def postgres_empty_url(postgres_cluster: PostgresCluster) -> Iterator[str]:
    """A new database with no tables at all (no migration has run), dropped afterwards."""
    url = postgres_cluster.create_database()
    try:
        yield url
    finally:
        postgres_cluster.drop_database(database_name(url))
