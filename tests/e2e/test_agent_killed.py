"""``kill -9`` of an agent and its run: the run is reaped as crashed, the sweep goes on."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from sweeplab.domain import RunState, SweepState
from sweeplab.store.base import Store
from tests.e2e.conftest import clean_environ, run_cli, start_cli

pytestmark = pytest.mark.skipif(os.name != "posix", reason="kill -9 is POSIX")

LEASE_SECONDS = 1.5

# Point a=1 logs three steps, writes its pid and hangs; the others log one step and finish.
PROGRAM = """
import os, sys, time
import sweeplab.sdk as wandb
run = wandb.init()
if wandb.config.a == 1:
    for step in range(3):
        wandb.log({"loss": float(step)})
    open(sys.argv[1], "w").write(str(os.getpid()))
    time.sleep(120)
wandb.log({"loss": 0.5})
"""


def _wait_for(path: Path, timeout_seconds: float) -> str:
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return path.read_text()
        time.sleep(0.05)
    raise AssertionError(f"{path} never appeared")


def _wait_for_rows(store: Store, run_id: str, rows: int, timeout_seconds: float) -> None:
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if len(store.read_metrics(run_id).get("loss", [])) >= rows:
            return
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} never shipped {rows} rows")


def test_killed_agent_run_crashes_and_the_sweep_goes_on(tmp_path: Path, sweeplab_dir: Path,
                                                         store: Store) -> None:
    (tmp_path / "train.py").write_text(PROGRAM)
    pid_file = tmp_path / "child.pid"
    (tmp_path / "sweep.yaml").write_text(
        "program: train.py\nmethod: grid\nparameters:\n  a: {values: [1, 2, 3]}\n"
        f"command: ['${{interpreter}}', '${{program}}', '{pid_file}']\n"
    )
    env = clean_environ(
        sweeplab_dir,
        SWEEPLAB_LEASE_SECONDS=str(LEASE_SECONDS),
        SWEEPLAB_HEARTBEAT_SECONDS="0.3",
        SWEEPLAB_FLUSH_SECONDS="0.05",
        SWEEPLAB_SHIP_SECONDS="0.05",
    )
    created = run_cli(["sweep", "sweep.yaml"], env, tmp_path)
    assert created.returncode == 0, created.stderr
    sweep_id = created.stdout.strip()

    doomed = start_cli(["agent", sweep_id], env, tmp_path)
    child_pid = int(_wait_for(pid_file, 30))
    [orphan] = store.sweep_runs(sweep_id)
    _wait_for_rows(store, orphan.run_id, 3, timeout_seconds=30)
    # The machine dies: the agent and its run's process go at once, with no chance to clean up.
    os.kill(doomed.pid, signal.SIGKILL)
    os.kill(child_pid, signal.SIGKILL)
    doomed.communicate(timeout=10)
    assert store.get_run(orphan.run_id).state is RunState.RUNNING  # nobody has noticed yet
    time.sleep(LEASE_SECONDS + 0.2)  # the lease runs out

    survivor = run_cli(["agent", sweep_id], env, tmp_path, timeout_seconds=60)
    assert survivor.returncode == 0, survivor.stderr

    runs = {run.config["a"]: run for run in store.sweep_runs(sweep_id)}
    assert sorted(runs) == [1, 2, 3]
    crashed = store.get_run(orphan.run_id)
    assert crashed.state is RunState.CRASHED
    assert "lease expired" in crashed.end_reason
    # Nothing it logged before dying is lost.
    assert [value for _, value in store.read_metrics(orphan.run_id)["loss"]] == [0.0, 1.0, 2.0]
    # It keeps its grid point: the other agent ran the two other points, then the grid ended.
    assert runs[2].state is RunState.FINISHED and runs[3].state is RunState.FINISHED
    assert store.get_sweep(sweep_id).state is SweepState.FINISHED
