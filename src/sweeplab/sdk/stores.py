"""Which store a run writes to, opened once per process and URL.

``Settings.store`` (an injected object) wins; then ``SWEEPLAB_STORE_URL``; then
``SWEEPLAB_BASE_URL`` (a server); else the embedded SQLite store under the sweeplab dir.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from sweeplab.sdk.settings import Settings

if TYPE_CHECKING:
    from sweeplab.store.base import Store

_lock = threading.Lock()
_open_stores: dict[str, Store] = {}


def store_url(settings: Settings) -> str:
    """The URL of the store ``settings`` point at."""
    if settings.store_url:
        return settings.store_url
    if settings.base_url:
        return settings.base_url
    from sweeplab.store.urls import DATABASE_FILE

    return f"sqlite:///{(settings.sweeplab_dir / DATABASE_FILE).resolve()}"


def store_for(settings: Settings) -> Store:
    """The store for ``settings``, opened on first use and then shared by later runs."""
    if settings.store is not None:
        return settings.store
    url = store_url(settings)
    with _lock:
        store = _open_stores.get(url)
        if store is None:
            from sweeplab.store.urls import open_store

            if url.startswith("sqlite:"):
                settings.sweeplab_dir.mkdir(parents=True, exist_ok=True)
            store = _open_stores[url] = open_store(url)
        return store


def close_stores() -> None:
    """Close every store this module opened (tests; the process exit does it anyway)."""
    with _lock:
        for store in _open_stores.values():
            store.close()
        _open_stores.clear()
