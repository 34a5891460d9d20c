"""``sweeplab server`` as a child process on a free loopback port, with its memory sampled."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType

import httpx

START_TIMEOUT_SECONDS = 60.0
# ``--server app``: the same app as ``sweeplab server`` builds, run by uvicorn binding its own
# socket, to tell the app's costs from the command's (see the report).
_APP_LAUNCHER = """
import sys
import uvicorn
from sweeplab.server.app import create_app
from sweeplab.server.settings import ServerSettings
from sweeplab.store import open_store
url, port = sys.argv[1], int(sys.argv[2])
app = create_app(open_store(url), ServerSettings(port=port))
uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", proxy_headers=True)
"""
STOP_TIMEOUT_SECONDS = 15.0
RSS_SAMPLE_SECONDS = 0.2


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rss_bytes(pid: int) -> int:
    """Resident memory of ``pid`` (0 once it is gone), from /proc."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time ``pid`` has used so far (0 once it is gone), from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # Fields 14 and 15 of stat (utime, stime), counted after the ")" that ends the name.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ServerProcess:
    """``python -m sweeplab.cli.main server --store URL`` on 127.0.0.1 (or, with
    ``launcher="app"``, ``create_app`` under ``uvicorn.run``); a context manager.

    :meth:`reset_peak` / :attr:`peak_rss_bytes` give the largest resident size seen since.
    """

    def __init__(self, store_url: str, work_dir: Path, launcher: str = "cli") -> None:
        self.store_url = store_url
        self.launcher = launcher
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._log_path = work_dir / f"server-{self.port}.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._peak_rss = 0
        self._stop_sampling = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> ServerProcess:
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("SWEEPLAB_", "WANDB_"))}
        env["SWEEPLAB_DIR"] = str(self._log_path.parent / "sweeplab")
        with self._log_path.open("wb") as log:
            self._process = subprocess.Popen(self.command(), env=env, stdout=log, stderr=log)
        self._wait_until_healthy()
        self._sampler.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop_sampling.set()
        process = self._process
        if process is None:
            return
        process.send_signal(signal.SIGINT)
        try:
            process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def command(self) -> list[str]:
        if self.launcher == "app":
            return [sys.executable, "-c", _APP_LAUNCHER, self.store_url, str(self.port)]
        return [
            sys.executable, "-m", "sweeplab.cli.main", "server",
            "--store", self.store_url, "--host", "127.0.0.1", "--port", str(self.port),
        ]

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    @property
    def rss_bytes(self) -> int:
        return rss_bytes(self.pid)

    @property
    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    @property
    def peak_rss_bytes(self) -> int:
        return max(self._peak_rss, self.rss_bytes)

    def reset_peak(self) -> None:
        self._peak_rss = self.rss_bytes

    def log_tail(self, chars: int = 3000) -> str:
        return self._log_path.read_text(errors="replace")[-chars:]

    def _sample(self) -> None:
        while not self._stop_sampling.wait(RSS_SAMPLE_SECONDS):
            self._peak_rss = max(self._peak_rss, self.rss_bytes)

    def _wait_until_healthy(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"sweeplab server exited with {self._process.returncode}:\n{self.log_tail()}"
                )
            with contextlib.suppress(httpx.HTTPError):  # not listening yet
                if httpx.get(f"{self.base_url}/healthz", timeout=1.0).status_code == 200:
                    return
            time.sleep(0.1)
        self._process.kill()
        raise RuntimeError(
            f"sweeplab server did not answer /healthz within {START_TIMEOUT_SECONDS:.0f} s:\n"
            f"{self.log_tail()}"
        )
