"""API keys in the SQL store (the memory store's are covered with the remote store tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sweeplab.errors import ConflictError, NotFoundError
from sweeplab.store.base import NewRun
from sweeplab.store.sql import SqlStore


def test_sql_store_keeps_keys(tmp_path: Path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'keys.db'}")
    try:
        assert not store.has_api_keys() and store.list_api_keys() == []
        first = store.create_api_key("a" * 64, read_only=False, name="ci", now=1.0)
        second = store.create_api_key("b" * 64, read_only=True, now=2.0)
        assert store.has_api_keys()
        assert store.find_api_key("a" * 64) == first
        assert store.find_api_key("c" * 64) is None
        assert store.list_api_keys() == [first, second]
        assert (second.read_only, first.name) == (True, "ci")
        with pytest.raises(ConflictError, match="already exists"):
            store.create_api_key("a" * 64, read_only=True)
        store.delete_api_key(first.key_id)
        assert store.list_api_keys() == [second]
        with pytest.raises(NotFoundError, match=first.key_id):
            store.delete_api_key(first.key_id)
    finally:
        store.close()


def test_sql_store_lists_projects(tmp_path: Path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'p.db'}")
    try:
        store.create_sweep("b", {"method": "random", "parameters": {}}, seed=1)
        store.create_run(NewRun(project="a"))
        store.create_run(NewRun(project="b"))
        assert store.list_projects() == ["a", "b"]
    finally:
        store.close()
