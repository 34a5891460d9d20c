"""The store contract against ``RemoteStore`` → a sweeplab server in-process → a store.

The server runs over SQLite (a file, as deployed) and over the memory store, so a failure
points at the HTTP layer rather than one backend.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from sweeplab.store.base import Store
from sweeplab.store.memory import MemoryStore
from sweeplab.store.sql import SqlStore
from sweeplab.testing.store_contract import StoreContract
from tests.server.inprocess import remote_store_over


class _RemoteContract(StoreContract):
    backend: Store

    def make_backend(self, tmp_path: Path) -> Store:
        raise NotImplementedError

    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[Store]:
        backend = self.make_backend(tmp_path)
        try:
            with remote_store_over(backend) as remote:
                yield remote
        finally:
            backend.close()


class TestRemoteOverSqlite(_RemoteContract):
    @pytest.fixture(autouse=True)
    def _use_template(self, sqlite_template: Path) -> None:
        self.template = sqlite_template

    def make_backend(self, tmp_path: Path) -> Store:
        path = tmp_path / "sweeplab.db"
        shutil.copyfile(self.template, path)
        return SqlStore(f"sqlite:///{path}")


class TestRemoteOverMemory(_RemoteContract):
    def make_backend(self, tmp_path: Path) -> Store:
        return MemoryStore()
