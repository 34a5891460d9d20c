"""Who may do what: the API-key check every route declares through a FastAPI dependency.

Every route of the app (the JSON API and the dashboard alike) must depend on exactly one of:

- :func:`require_read` — reading data (GET pages and API reads, SSE streams);
- :func:`require_write` — changing data (POST/PATCH/PUT/DELETE);
- :func:`allow_public` — deliberately open to anyone (``/healthz``); keep this list tiny.

A test enumerates every route and fails when one depends on none of them.

How a request is authenticated
------------------------------
A key travels as ``Authorization: Bearer <key>`` (the API client, agents and scripts), or in
the ``sweeplab_api_key`` cookie (a browser on the dashboard; set it ``HttpOnly`` and
``SameSite=Strict``). A write authenticated by the cookie alone must also carry the header
``X-Sweeplab-Request: 1``: a cross-site form cannot add a custom header, so this stops
cross-site request forgery against a logged-in browser.

When is a key needed
--------------------
While the store holds no API key and the settings do not demand one, the server is *open*
(:class:`Principal` ``key_id=None``, may write): that is ``sweeplab server`` on loopback right
after a notebook sweep. ``sweeplab server`` refuses to listen on any other address in that
state. Once a key exists, reads need a key (any key) and writes need a read-write key:
no key → 401, a read-only key writing → 403.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request

from sweeplab.errors import AuthenticationError, PermissionDeniedError
from sweeplab.server.api_keys import hash_api_key
from sweeplab.server.settings import ServerSettings
from sweeplab.store.base import ApiKeyRecord, Store

API_KEY_COOKIE = "sweeplab_api_key"
CSRF_HEADER = "X-Sweeplab-Request"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_MAX_CACHED_KEYS = 1024
_MAX_KEY_CHARS = 200


@dataclass(frozen=True)
class Principal:
    """The caller of one request. ``key_id`` is ``None`` on an open server (no keys)."""

    key_id: str | None
    can_write: bool


class Authenticator:
    """Checks keys against the store, caching hits for ``settings.key_cache_seconds``.

    The cache keeps a hot path (agents heartbeating every few seconds) off the database; the
    price is that a revoked key keeps working until its cache entry ages out. Misses are not
    cached, so a freshly created key works at once.
    """

    def __init__(
        self,
        store: Store,
        settings: ServerSettings,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._settings = settings
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, tuple[ApiKeyRecord, float]] = {}
        self._required: tuple[bool, float] | None = None

    def auth_required(self) -> bool:
        """Whether requests need a key: the settings say so, or the store holds any key."""
        if self._settings.require_auth is not None:
            return self._settings.require_auth
        now = self._clock()
        with self._lock:
            if self._required is not None and self._required[1] > now:
                return self._required[0]
        required = self._store.has_api_keys()
        with self._lock:
            # Once required, stay required: a stale "open" answer must never outlive a key.
            ttl = self._settings.key_cache_seconds if not required else float("inf")
            self._required = (required, now + ttl)
        return required

    def lookup(self, api_key: str) -> ApiKeyRecord | None:
        """The stored key ``api_key`` stands for, or ``None`` when it is unknown."""
        if not api_key or len(api_key) > _MAX_KEY_CHARS:
            return None
        key_hash = hash_api_key(api_key)
        now = self._clock()
        with self._lock:
            cached = self._keys.get(key_hash)
            if cached is not None and cached[1] > now:
                return cached[0]
        record = self._store.find_api_key(key_hash)
        if record is not None:
            with self._lock:
                if len(self._keys) >= _MAX_CACHED_KEYS:
                    self._keys.clear()
                self._keys[key_hash] = (record, now + self._settings.key_cache_seconds)
        return record

    def authenticate(self, request: Request, *, write: bool) -> Principal:
        """The request's principal, or raise 401/403 errors for the exception handler."""
        if not self.auth_required():
            return Principal(key_id=None, can_write=True)
        api_key, from_cookie = _presented_key(request)
        if api_key is None:
            raise AuthenticationError(
                "this sweeplab server requires an API key: send 'Authorization: Bearer <key>' "
                "(create one on the server with `sweeplab server create-key`, then run "
                "`sweeplab login URL` or set SWEEPLAB_API_KEY)"
            )
        record = self.lookup(api_key)
        if record is None:
            raise AuthenticationError(
                "unknown API key; check SWEEPLAB_API_KEY or run `sweeplab login URL` again "
                "with a key from `sweeplab server create-key`"
            )
        if write and record.read_only:
            raise PermissionDeniedError(
                f"API key {record.key_id} is read-only; use a read-write key "
                "(`sweeplab server create-key` without --read-only) to change data"
            )
        unsafe = request.method not in _SAFE_METHODS
        if write and from_cookie and unsafe and request.headers.get(CSRF_HEADER) != "1":
            raise PermissionDeniedError(
                f"a write authenticated by cookie must carry the header {CSRF_HEADER}: 1"
            )
        return Principal(key_id=record.key_id, can_write=not record.read_only)


def _presented_key(request: Request) -> tuple[str | None, bool]:
    """The key the request carries and whether it came from the cookie."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip(), False
    cookie = request.cookies.get(API_KEY_COOKIE)
    if cookie:
        return cookie, True
    return None, False


def authenticator_of(request: Request) -> Authenticator:
    """The app's :class:`Authenticator` (``create_app`` puts it on ``app.state``)."""
    authenticator: Authenticator = request.app.state.authenticator
    return authenticator


def require_read(request: Request) -> Principal:
    """FastAPI dependency for routes that read: any valid key (none on an open server).

    Use as ``Depends(require_read)`` on a route or ``dependencies=[Depends(require_read)]`` on
    a router. Raises 401 without a valid key.
    """
    return authenticator_of(request).authenticate(request, write=False)


def require_write(request: Request) -> Principal:
    """FastAPI dependency for routes that change data: a read-write key.

    Raises 401 without a valid key and 403 for a read-only key (or a cookie-authenticated
    write without the ``X-Sweeplab-Request: 1`` header).
    """
    return authenticator_of(request).authenticate(request, write=True)


def allow_public() -> None:
    """FastAPI dependency marking a route deliberately open to anyone (e.g. ``/healthz``).

    It checks nothing; it exists so that "public" is a decision the route-enumeration test can
    see rather than an omission.
    """
