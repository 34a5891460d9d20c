"""Fixtures for the dashboard's unit tests: a populated store and the app over it.

Requests go through ``httpx.ASGITransport`` (no socket, no lifespan: no reaper runs), one
event loop per request, wrapped in a small synchronous client.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from sweeplab.server.app import create_app
from sweeplab.server.settings import ServerSettings
from sweeplab.store.base import Store
from sweeplab.store.memory import MemoryStore
from tests.dashboard.sweep_data import SweepData, populate

BASE_URL = "http://dashboard.test"


class AppClient:
    """Synchronous requests to an ASGI app (each on a fresh event loop)."""

    def __init__(self, app: FastAPI, headers: dict[str, str] | None = None) -> None:
        self.app = app
        self.headers = headers or {}

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        async def send() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(
                transport=transport, base_url=BASE_URL, headers=self.headers
            ) as client:
                return await client.request(method, path, **kwargs)

        return asyncio.run(send())

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)


@pytest.fixture
def store() -> Iterator[Store]:
    memory = MemoryStore()
    yield memory
    memory.close()


@pytest.fixture
def data(store: Store) -> SweepData:
    return populate(store)


@pytest.fixture
def app(store: Store) -> FastAPI:
    return create_app(store, ServerSettings())


@pytest.fixture
def client(app: FastAPI) -> AppClient:
    return AppClient(app)
