"""The store contract against the in-memory store."""

from __future__ import annotations

from pathlib import Path

import pytest

from sweeplab.store.base import Store
from sweeplab.store.memory import MemoryStore
from sweeplab.testing.store_contract import StoreContract


class TestMemoryStore(StoreContract):
    def make_store(self, tmp_path: Path) -> Store:
        return MemoryStore()


def test_contract_needs_make_store(tmp_path: Path) -> None:
    with pytest.raises(NotImplementedError, match="make_store"):
        StoreContract().make_store(tmp_path)
