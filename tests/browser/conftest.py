"""Browser tests: a real server (uvicorn on a loopback port, in a thread) over a SQLite store
holding a real sweep, driven by Debian's Chromium through the ``playwright`` package.

Chromium is the system one (``/usr/bin/chromium``, installed by ``.ci/install-chromium.sh``);
``playwright install`` is never used. Outside CI a machine without Chromium or playwright skips
these tests; in CI (``CI=true``) that is a failure, so they can never silently not run.
Screenshots of every page land in ``build/screenshots/`` (test artifacts; ``build/`` is ignored
by git).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest

from sweeplab.store.base import Store
from tests.dashboard.sweep_data import SweepData, populate

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests must run in CI: {reason} (run .ci/install-chromium.sh)")
    pytest.skip(reason)


@dataclass(frozen=True)
class LiveServer:
    """A running server: its URL, its store and the sweep in it."""

    url: str
    store: Store
    data: SweepData


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    import uvicorn

    from sweeplab.server.app import create_app
    from sweeplab.server.settings import ServerSettings
    from sweeplab.store import open_store

    directory = tmp_path_factory.mktemp("browser-store")
    store = open_store(f"sqlite:///{directory / 'sweeplab.db'}")
    data = populate(store)
    # IPPROTO_TCP so asyncio disables Nagle (see sweeplab.cli.server_commands._listen).
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))  # a free port, held until uvicorn takes the socket
    port = listener.getsockname()[1]
    settings = ServerSettings(port=port)
    config = uvicorn.Config(
        create_app(store, settings),
        log_level="warning",
        timeout_graceful_shutdown=2,
        lifespan="on",
    )
    uvicorn_server = uvicorn.Server(config)
    thread = threading.Thread(
        target=uvicorn_server.run, kwargs={"sockets": [listener]}, daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 15
    while not uvicorn_server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start within 15 s")
        time.sleep(0.05)
    try:
        yield LiveServer(url=f"http://127.0.0.1:{port}", store=store, data=data)
    finally:
        uvicorn_server.should_exit = True
        thread.join(timeout=10)
        store.close()


@pytest.fixture(scope="package")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[test]')")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1400, "height": 900},
        )
        context.set_default_timeout(15_000)
        try:
            yield context
        finally:
            context.close()


# Reports every Content-Security-Policy violation (a blocked script, eval, style...) to the test.
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__sweeplabCspViolation(event.violatedDirective + " blocked " + (event.blockedURI || "?")
    + " at " + event.sourceFile + ":" + event.lineNumber);
});
"""


@dataclass
class BrowserPage:
    """A page with what it reported: dialogs opened, script errors thrown and CSP violations."""

    page: Any
    dialogs: list[str]
    errors: list[str]
    csp_violations: list[str]

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def browser(browser_context: Any) -> Iterator[BrowserPage]:
    page = browser_context.new_page()
    dialogs: list[str] = []
    errors: list[str] = []
    violations: list[str] = []

    def on_violation(message: str) -> None:
        violations.append(message)

    page.expose_function("__sweeplabCspViolation", on_violation)
    page.add_init_script(_CSP_LISTENER)

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield BrowserPage(page, dialogs, errors, violations)
    finally:
        page.close()
    # Every page keeps its CSP: no blocked script, eval or style, in any test.
    assert violations == []
