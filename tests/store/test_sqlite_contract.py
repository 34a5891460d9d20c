"""The store contract against SQLite: a database file, and an in-memory database."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sweeplab.store.base import Store
from sweeplab.store.sql import SqlStore
from sweeplab.testing.store_contract import StoreContract


class TestSqliteFileStore(StoreContract):
    @pytest.fixture(autouse=True)
    def _use_template(self, sqlite_template: Path) -> None:
        self.template = sqlite_template

    def make_store(self, tmp_path: Path) -> Store:
        path = tmp_path / "sweeplab.db"
        shutil.copyfile(self.template, path)
        return SqlStore(f"sqlite:///{path}")


class TestSqliteMemoryStore(StoreContract):
    def make_store(self, tmp_path: Path) -> Store:
        return SqlStore("sqlite://")
