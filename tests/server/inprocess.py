"""An in-process sweeplab server for tests: a sync httpx transport over the ASGI app.

httpx's :class:`~httpx.ASGITransport` is asynchronous, while the store API (and so
``RemoteStore``) is synchronous. :class:`SyncASGITransport` runs an event loop on a thread of
its own and hands each request to ``ASGITransport`` there, so ``RemoteStore`` and
``ApiClient`` talk to the real app — routing, auth, validation, error handling — without a
socket.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from fastapi import FastAPI

from sweeplab.server.app import create_app
from sweeplab.server.settings import ServerSettings
from sweeplab.store.base import Store
from sweeplab.store.remote import RemoteStore
from sweeplab.wire.retry import RetryPolicy

BASE_URL = "http://sweeplab.test"
# Tests must not wait on backoff: one retry, no pause worth the name.
FAST_RETRY = RetryPolicy(attempts=2, base_seconds=0.0, max_seconds=0.0)


class SyncASGITransport(httpx.BaseTransport):
    """Requests to ``app`` on an event loop thread; the app's lifespan (its background tasks:
    reaping, judging early termination) runs from construction until :meth:`close`."""

    def __init__(self, app: FastAPI) -> None:
        self._asgi = httpx.ASGITransport(app=app)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._lifespan = app.router.lifespan_context(app)
        asyncio.run_coroutine_threadsafe(self._lifespan.__aenter__(), self._loop).result()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def send() -> httpx.Response:
            request.stream = httpx.ByteStream(request.read())
            response = await self._asgi.handle_async_request(request)
            content = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers, content=content)

        return asyncio.run_coroutine_threadsafe(send(), self._loop).result()

    def close(self) -> None:
        if self._loop.is_running():
            ending = self._lifespan.__aexit__(None, None, None)
            asyncio.run_coroutine_threadsafe(ending, self._loop).result()
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._loop.close()


@contextmanager
def remote_store_over(
    store: Store, settings: ServerSettings | None = None, api_key: str | None = None
) -> Iterator[RemoteStore]:
    """A ``RemoteStore`` talking to ``create_app(store, settings)`` in this process (by default
    without background reaping: contract tests reap with times of their own)."""
    settings = settings or ServerSettings(reap_interval_seconds=3600.0)
    transport = SyncASGITransport(create_app(store, settings))
    remote = RemoteStore(BASE_URL, api_key, transport=transport, retry=FAST_RETRY)
    try:
        yield remote
    finally:
        remote.close()
        transport.close()


def client_for(app: FastAPI, api_key: str | None = None) -> httpx.Client:
    """A plain httpx client of ``app`` (raw requests: status codes, headers, bodies)."""
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    return httpx.Client(transport=SyncASGITransport(app), base_url=BASE_URL, headers=headers)
