"""A server outage loses nothing: the SDK's run log buffers rows until the server is back.

A run logs steadily through ``SWEEPLAB_BASE_URL``; the server is killed (``kill -9``) in the
middle and restarted on the same port a moment later. Every row arrives, and the run ends
``finished``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sweeplab.domain import RunState
from sweeplab.store import open_store
from tests.e2e.conftest import clean_environ
from tests.server.processes import kill_server, start_server, stop_server

pytestmark = pytest.mark.skipif(os.name != "posix", reason="kill -9 is POSIX")

STEPS = 80

PROGRAM = f"""
import time
import sweeplab.sdk as wandb
run = wandb.init(project="outage")
print(run.id, flush=True)
for step in range({STEPS}):
    wandb.log({{"loss": float(step)}})
    time.sleep(0.05)
wandb.finish()
"""


def test_rows_logged_while_the_server_is_down_arrive(tmp_path: Path) -> None:
    store_url = f"sqlite:///{tmp_path / 'server' / 'sweeplab.db'}"
    env = clean_environ(tmp_path / "sweeplab")
    server = start_server(store_url, env, tmp_path)
    (tmp_path / "train.py").write_text(PROGRAM)
    run_env = dict(env, SWEEPLAB_BASE_URL=server.url, SWEEPLAB_FLUSH_SECONDS="0.05",
                   SWEEPLAB_SHIP_SECONDS="0.05")
    run = subprocess.Popen(
        [sys.executable, "train.py"], env=run_env, cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert run.stdout is not None
        run_id = run.stdout.readline().strip()
        time.sleep(0.8)  # some rows reach the server
        kill_server(server)
        time.sleep(1.5)  # the run goes on logging into its local log
        server = start_server(store_url, env, tmp_path, port=server.port)
        _, stderr = run.communicate(timeout=60)
        assert run.returncode == 0, stderr
    finally:
        run.kill()
        stop_server(server)
    store = open_store(store_url)
    try:
        record = store.get_run(run_id)
        losses = store.read_metrics(run_id)["loss"]
    finally:
        store.close()
    assert [step for step, _ in losses] == list(range(STEPS))
    assert [value for _, value in losses] == [float(step) for step in range(STEPS)]
    assert record.state is RunState.FINISHED
