"""Shared fixtures for store tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from sweeplab.store.sql import SqlStore


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite database; copying it is faster than migrating per test."""
    path = tmp_path_factory.mktemp("template") / "sweeplab.db"
    SqlStore(f"sqlite:///{path}").close()  # closing checkpoints the WAL into the file
    return path
