"""Fixtures for server tests: an app over a memory store, raw clients, keys, a live server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn

from sweeplab.server.api_keys import issue_api_key
from sweeplab.server.app import create_app
from sweeplab.server.settings import ServerSettings
from sweeplab.store.base import Store
from sweeplab.store.memory import MemoryStore
from tests.server.inprocess import client_for

ClientFactory = Callable[..., httpx.Client]


@pytest.fixture
def store() -> Iterator[Store]:
    opened = MemoryStore()
    yield opened
    opened.close()


@pytest.fixture
def settings() -> ServerSettings:
    # The in-process app runs its lifespan: a background reaper that woke mid-test would
    # take runs the test reaps (or expects running) itself.
    return ServerSettings(key_cache_seconds=0.0, reap_interval_seconds=3600.0)


@pytest.fixture
def client(store: Store, settings: ServerSettings) -> Iterator[httpx.Client]:
    """A client of an open server (no keys) over ``store``."""
    with client_for(create_app(store, settings)) as opened:
        yield opened


@dataclass(frozen=True)
class Keys:
    read_write: str
    read_only: str


@pytest.fixture
def keys(store: Store) -> Keys:
    """One key of each kind in ``store`` (so its server requires keys from now on)."""
    read_write, _ = issue_api_key(store, read_only=False, name="rw")
    read_only, _ = issue_api_key(store, read_only=True, name="ro")
    return Keys(read_write=read_write, read_only=read_only)


@dataclass
class LiveServer:
    url: str
    server: uvicorn.Server
    thread: threading.Thread


@pytest.fixture
def live_server(store: Store, settings: ServerSettings) -> Iterator[LiveServer]:
    """``create_app(store)`` under uvicorn on a free loopback port, on a thread (lifespan on)."""
    # IPPROTO_TCP so asyncio disables Nagle (see sweeplab.cli.server_commands._listen).
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    config = uvicorn.Config(
        create_app(store, settings), log_level="warning", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started, "uvicorn did not start"
    yield LiveServer(f"http://127.0.0.1:{listener.getsockname()[1]}", server, thread)
    server.should_exit = True
    thread.join(10)
    listener.close()
