"""Store URLs: :func:`open_store` picks an implementation by scheme.

| URL | store |
| --- | --- |
| ``memory://`` | :class:`~sweeplab.store.memory.MemoryStore` |
| ``sqlite:///relative.db``, ``sqlite:////absolute/path.db`` | SQLite via :class:`SqlStore` |
| ``postgresql+psycopg://user:pw@host/db`` (or ``postgresql://``) | PostgreSQL via ``SqlStore`` |
| ``http://``, ``https://`` | a sweeplab server (arrives with the server) |

Implementations are imported here, on first use, so ``import sweeplab`` never loads SQLAlchemy.
"""

from __future__ import annotations

import os
from pathlib import Path

from sweeplab.errors import StoreUrlError
from sweeplab.store.base import Store

DIR_VARIABLES = ("SWEEPLAB_DIR", "WANDB_DIR")
DEFAULT_DIR = "sweeplab"
DATABASE_FILE = "sweeplab.db"

_SQL_SCHEMES = ("sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg")
_REMOTE_SCHEMES = ("http", "https")


def sweeplab_dir() -> Path:
    """Where local data lives: ``$SWEEPLAB_DIR``, else ``$WANDB_DIR``, else ``./sweeplab``."""
    for variable in DIR_VARIABLES:
        value = os.environ.get(variable)
        if value:
            return Path(value).expanduser()
    return Path(DEFAULT_DIR)


def default_store_url() -> str:
    """The embedded store: ``sqlite:///<sweeplab_dir()>/sweeplab.db`` with an absolute path.

    The directory is created when the store is opened, not here.
    """
    return f"sqlite:///{(sweeplab_dir() / DATABASE_FILE).resolve()}"


def url_scheme(url: str) -> str:
    """The lower-cased scheme of ``url`` (``""`` when it has none)."""
    scheme, separator, _ = url.partition("://")
    return scheme.lower() if separator else ""


def open_store(url: str) -> Store:
    """Open the store ``url`` names; raise :class:`StoreUrlError` for a scheme sweeplab lacks."""
    scheme = url_scheme(url)
    if scheme == "memory":
        from sweeplab.store.memory import MemoryStore

        return MemoryStore()
    if scheme in _SQL_SCHEMES:
        from sweeplab.store.sql import SqlStore

        return SqlStore(url)
    if scheme in _REMOTE_SCHEMES:
        raise StoreUrlError(
            f"cannot open {url!r}: the remote (HTTP) store arrives with the sweeplab server; "
            "for now use the embedded store (unset SWEEPLAB_BASE_URL) or a sqlite:/// or "
            "postgresql+psycopg:// URL"
        )
    raise StoreUrlError(
        f"unknown store URL {url!r}: use memory://, sqlite:///path/to/sweeplab.db, "
        "postgresql+psycopg://user:password@host/database or http(s)://host:port"
    )
