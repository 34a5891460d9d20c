"""``sweeplab server`` stops at once with a live-update stream open: the stop signal ends the
stream, so uvicorn's graceful-shutdown timeout (3 s) never has to cut it off."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import httpx

from sweeplab.store.base import NewRun
from sweeplab.store.remote import RemoteStore
from tests.e2e.conftest import clean_environ
from tests.server.processes import start_server

SHUTDOWN_LIMIT_SECONDS = 6.0  # the server gives open streams 3 s


def test_open_streams_do_not_block_shutdown(tmp_path: Path) -> None:
    env = clean_environ(tmp_path / "sweeplab")
    server = start_server(f"sqlite:///{tmp_path / 'server.db'}", env, tmp_path)
    try:
        remote = RemoteStore(server.url)
        run = remote.create_run(NewRun(project="p"))  # running: its stream stays open
        remote.close()
        opened = threading.Event()

        def listen() -> None:
            url = f"{server.url}/dashboard/live/runs"
            try:
                with httpx.stream("GET", url, params={"run": run.run_id}, timeout=30) as stream:
                    opened.set()
                    for _ in stream.iter_raw():
                        pass
            except httpx.HTTPError:
                pass  # the server went away, as it should

        listener = threading.Thread(target=listen, daemon=True)
        listener.start()
        assert opened.wait(10), "the live stream never opened"
        started = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(timeout=SHUTDOWN_LIMIT_SECONDS + 5)
        assert time.monotonic() - started < SHUTDOWN_LIMIT_SECONDS
        listener.join(5)
        _, stderr = server.process.communicate(timeout=10)
        assert "graceful shutdown exceeded" not in stderr, stderr
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.communicate()
