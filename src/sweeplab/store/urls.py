"""Store URLs: :func:`open_store` picks an implementation by scheme.

| URL | store |
| --- | --- |
| ``memory://`` | :class:`~sweeplab.store.memory.MemoryStore` |
| ``sqlite:///relative.db``, ``sqlite:////absolute/path.db`` | SQLite via :class:`SqlStore` |
| ``postgresql+psycopg://user:pw@host/db`` (or ``postgresql://``) | PostgreSQL via ``SqlStore`` |
| ``http://host:port``, ``https://host/sub/path`` | a sweeplab server via ``RemoteStore`` |

Implementations are imported here, on first use, so ``import sweeplab`` never loads SQLAlchemy.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from sweeplab.credentials import env_value, saved_api_key
from sweeplab.errors import StoreUrlError
from sweeplab.store.base import Store

if TYPE_CHECKING:
    from sweeplab.wire.retry import RetryPolicy

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


def is_server_url(url: str) -> bool:
    """Whether ``url`` names a sweeplab server (``http://`` or ``https://``)."""
    return url_scheme(url) in _REMOTE_SCHEMES


def _open_remote(url: str) -> Store:
    """A ``RemoteStore`` for the server at ``url``, with ``SWEEPLAB_API_KEY`` (or
    ``WANDB_API_KEY``), else the key ``sweeplab login URL`` saved for it."""
    from sweeplab.store.remote import RemoteStore

    if "?" in url or "#" in url:
        raise StoreUrlError(
            f"server URL {url!r} must not carry a query or fragment; give the server's base "
            "address (http://host:8080), and the key in SWEEPLAB_API_KEY or `sweeplab login`"
        )
    api_key = env_value("API_KEY") or saved_api_key(url)
    return RemoteStore(url, api_key, retry=_retry_policy())


def _retry_policy() -> RetryPolicy | None:
    """``SWEEPLAB_HTTP_RETRIES``: how many tries a server request gets (default: 6)."""
    from sweeplab.wire.retry import RetryPolicy

    text = os.environ.get("SWEEPLAB_HTTP_RETRIES")
    if not text:
        return None
    if not text.isdigit() or int(text) < 1:
        raise StoreUrlError(f"SWEEPLAB_HTTP_RETRIES={text!r}: expected a whole number >= 1")
    return RetryPolicy(attempts=int(text))


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
        return _open_remote(url)
    raise StoreUrlError(
        f"unknown store URL {url!r}: use memory://, sqlite:///path/to/sweeplab.db, "
        "postgresql+psycopg://user:password@host/database or http(s)://host:port"
    )
