"""``sweeplab.login()``: nothing to do for the embedded store; keep a key for a server."""

from __future__ import annotations

import os

from sweeplab.credentials import save_api_key
from sweeplab.errors import UsageError
from sweeplab.sdk.settings import Settings


def login(
    key: str | None = None,
    host: str | None = None,
    *,
    relogin: bool | None = None,
    anonymous: str | None = None,
    timeout: int | None = None,
    verify: bool = False,
) -> bool:
    """Remember an API key for a sweeplab server; returns ``True``.

    Without a server (no ``host`` and no ``SWEEPLAB_BASE_URL``) there is nothing to log in to:
    the embedded store needs no key, and this returns ``True`` at once. With one, the key
    (``key``, else ``SWEEPLAB_API_KEY``) is saved in the credentials file, readable by the
    owner only (mode 0600); the key is not checked against the server here. ``relogin``,
    ``anonymous``, ``timeout`` and ``verify`` are accepted for W&B compatibility.
    """
    del relogin, anonymous, timeout, verify
    settings = Settings.load()
    base_url = host or settings.base_url
    if not base_url:
        return True
    api_key = key or settings.api_key
    if not api_key:
        raise UsageError(
            f"login to {base_url}: no API key; pass login(key=...) or set SWEEPLAB_API_KEY"
        )
    save_api_key(base_url, api_key, os.environ)
    return True
