"""SIGINT to ``sweeplab agent`` reaches the running child; the agent then exits, 130."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from sweeplab.domain import RunState
from sweeplab.store.base import Store
from tests.e2e.conftest import clean_environ, run_cli, start_cli

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")

PROGRAM = """
import sys, time
ready, got = sys.argv[1], sys.argv[2]
open(ready, "w").close()
try:
    time.sleep(60)
except KeyboardInterrupt:
    open(got, "w").write("SIGINT")
    raise SystemExit(130)
"""


def test_sigint_is_forwarded_and_ends_the_agent(tmp_path: Path, sweeplab_dir: Path,
                                                store: Store) -> None:
    ready, got = tmp_path / "ready", tmp_path / "got"
    (tmp_path / "train.py").write_text(PROGRAM)
    (tmp_path / "sweep.yaml").write_text(
        "program: train.py\nmethod: grid\nparameters:\n  a: {values: [1, 2]}\n"
        f"command: ['${{interpreter}}', '${{program}}', '{ready}', '{got}']\n"
    )
    env = clean_environ(sweeplab_dir)
    created = run_cli(["sweep", "sweep.yaml"], env, tmp_path)
    assert created.returncode == 0, created.stderr
    sweep_id = created.stdout.strip()

    agent = start_cli(["agent", sweep_id], env, tmp_path)
    deadline = time.monotonic() + 30
    while not ready.exists():
        assert time.monotonic() < deadline, "the run never started"
        time.sleep(0.05)
    agent.send_signal(signal.SIGINT)
    _, err = agent.communicate(timeout=30)
    assert agent.returncode == 130, err
    assert got.read_text() == "SIGINT"  # the child got the signal the agent received
    assert "received SIGINT: passed it on" in err
    [run] = store.sweep_runs(sweep_id)  # no second run was started
    assert run.state is RunState.STOPPED
    assert run.end_reason == "interrupted: the agent received SIGINT and passed it on"
