"""``sweeplab server`` as a real process on loopback, for end-to-end tests.

:func:`running_server` starts ``sweeplab server --port 0`` over any database URL (SQLite
here; the PostgreSQL tests pass theirs), waits until it answers ``/healthz``, yields its
address, and stops it at the end (SIGTERM, then SIGKILL if it lingers).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

URL_LINE_PREFIX = "sweeplab server on "


@dataclass
class ServerProcess:
    url: str
    process: subprocess.Popen[str]

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])


def start_server(
    store_url: str,
    env: Mapping[str, str],
    cwd: Path,
    extra_args: Sequence[str] = (),
    *,
    port: int = 0,
    timeout_seconds: float = 30.0,
) -> ServerProcess:
    """Start a server and return once it answers; raise with its output if it does not."""
    process = subprocess.Popen(
        [
            sys.executable, "-m", "sweeplab.cli.main", "server",
            "--store", store_url, "--port", str(port), *extra_args,
        ],
        env=dict(env), cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    line = process.stdout.readline()  # blocks until the URL line, or EOF if it failed
    if not line.startswith(URL_LINE_PREFIX):
        process.kill()
        _, stderr = process.communicate(timeout=10)
        raise AssertionError(f"sweeplab server did not start: {line!r} {stderr}")
    server = ServerProcess(url=line[len(URL_LINE_PREFIX) :].strip(), process=process)
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1.0).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    stop_server(server)
    raise AssertionError(f"sweeplab server at {server.url} never became healthy")


def stop_server(server: ServerProcess, timeout_seconds: float = 10.0) -> str:
    """Stop it gracefully (SIGTERM) and return what it wrote to stderr."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
    try:
        _, stderr = server.process.communicate(timeout=timeout_seconds)
    except subprocess.TimeoutExpired:
        server.process.kill()
        _, stderr = server.process.communicate()
    return stderr


def kill_server(server: ServerProcess) -> None:
    """``kill -9``: the server vanishes without any cleanup."""
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.communicate(timeout=10)


@contextmanager
def running_server(
    store_url: str, env: Mapping[str, str], cwd: Path, extra_args: Sequence[str] = ()
) -> Iterator[ServerProcess]:
    server = start_server(store_url, env, cwd, extra_args)
    try:
        yield server
    finally:
        stop_server(server)
