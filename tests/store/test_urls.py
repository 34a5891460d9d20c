"""open_store picks a store by URL; default_store_url follows SWEEPLAB_DIR / WANDB_DIR."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sweeplab.errors import StoreError, StoreUrlError
from sweeplab.store import default_store_url, open_store, sweeplab_dir
from sweeplab.store.memory import MemoryStore
from sweeplab.store.sql import SqlStore
from sweeplab.store.sql.engine import normalise_url


def test_memory_url() -> None:
    assert isinstance(open_store("memory://"), MemoryStore)


def test_sqlite_url_creates_the_directory(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "sweeplab.db"
    store = open_store(f"sqlite:///{path}")
    assert isinstance(store, SqlStore)
    store.close()
    assert path.exists()


@pytest.mark.parametrize("url", ["http://localhost:8080", "HTTPS://sweeps.example.com/sub"])
def test_server_urls_open_a_remote_store(url: str) -> None:
    from sweeplab.store.remote import RemoteStore

    store = open_store(url)
    assert isinstance(store, RemoteStore)
    assert store.base_url == url
    store.close()


@pytest.mark.parametrize("url", ["ftp://host/x", "/just/a/path.db", "mysql://u@h/db"])
def test_unknown_url(url: str) -> None:
    with pytest.raises(StoreUrlError, match="unknown store URL"):
        open_store(url)


def test_postgresql_urls_use_psycopg_3() -> None:
    assert normalise_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"


def test_postgresql_without_psycopg_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # makes ``import psycopg`` fail
    with pytest.raises(StoreError, match=r"pip install 'sweeplab\[postgres\]'") as raised:
        open_store("postgresql://me:secret@db.example/sweeps")
    assert "secret" not in str(raised.value)


def test_default_store_url_honours_sweeplab_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SWEEPLAB_DIR", str(tmp_path / "mine"))
    monkeypatch.setenv("WANDB_DIR", str(tmp_path / "wandb"))
    assert sweeplab_dir() == tmp_path / "mine"
    assert default_store_url() == f"sqlite:///{tmp_path / 'mine' / 'sweeplab.db'}"


def test_default_store_url_falls_back_to_wandb_dir_then_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SWEEPLAB_DIR", raising=False)
    monkeypatch.setenv("WANDB_DIR", str(tmp_path / "wandb"))
    assert default_store_url() == f"sqlite:///{tmp_path / 'wandb' / 'sweeplab.db'}"
    monkeypatch.delenv("WANDB_DIR")
    monkeypatch.chdir(tmp_path)
    url = default_store_url()
    assert url == f"sqlite:///{tmp_path.resolve() / 'sweeplab' / 'sweeplab.db'}"
    assert not (tmp_path / "sweeplab").exists()  # created when the store opens, not before
    open_store(url).close()
    assert (tmp_path / "sweeplab" / "sweeplab.db").exists()


def test_importing_the_store_package_does_not_import_sqlalchemy() -> None:
    code = "import sweeplab, sweeplab.store, sys; print('sqlalchemy' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True
    )
    assert result.stdout.strip() == "False", result.stderr
