"""End to end over HTTP: ``sweeplab server`` + 8 ``sweeplab agent`` processes on one sweep.

A 40-point grid with hyperband, agents reaching the server only through
``SWEEPLAB_BASE_URL``: every point runs exactly once, runs hyperband condemns end
``stopped`` with its reason, and an agent killed with ``kill -9`` (with its run's process)
leaves its run to be reaped as ``crashed`` while the other agents finish the sweep.

:func:`run_sweep_through_server` takes any database URL; the PostgreSQL tests reuse it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from sweeplab.domain import RunRecord, RunState, SweepState
from sweeplab.store import open_store
from tests.e2e.conftest import clean_environ, run_cli, start_cli
from tests.server.processes import running_server

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.name != "posix", reason="kill -9 is POSIX"),
]

AGENTS = 8
GRID_POINTS = 40
LEASE_SECONDS = 2.0

# The loss is ``a`` at every step, so later (larger) points are worse than the threshold
# the first runs set at each band, and hyperband stops them. Point 1 writes "pid ppid" and
# hangs, so the test can kill its agent and it.
PROGRAM = """
import os, sys, time
import sweeplab.sdk as wandb
wandb.init()
a = wandb.config.a
if a == 1:
    wandb.log({"loss": 1.0})
    with open(sys.argv[1], "w") as handle:
        handle.write(f"{os.getpid()} {os.getppid()}")
    time.sleep(120)
for step in range(16):
    wandb.log({"loss": float(a)})
    time.sleep(0.05)
"""

SWEEP_YAML = f"""
program: train.py
method: grid
metric: {{name: loss, goal: minimize}}
parameters:
  a: {{values: {list(range(1, GRID_POINTS + 1))}}}
early_terminate: {{type: hyperband, min_iter: 2, eta: 2}}
command: ['${{interpreter}}', '${{program}}', '{{pid_file}}']
"""


def _wait_for_text(path: Path, timeout_seconds: float) -> str:
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return path.read_text()
        time.sleep(0.05)
    raise AssertionError(f"{path} never appeared")


def run_sweep_through_server(store_url: str, tmp_path: Path) -> None:
    """The whole scenario against a server over ``store_url`` (see the module docstring)."""
    pid_file = tmp_path / "doomed.pid"
    (tmp_path / "train.py").write_text(PROGRAM)
    (tmp_path / "sweep.yaml").write_text(SWEEP_YAML.replace("{pid_file}", str(pid_file)))
    base_env = clean_environ(tmp_path / "sweeplab")
    with running_server(store_url, base_env, tmp_path, ["--reap-seconds", "0.5"]) as server:
        env = clean_environ(
            tmp_path / "sweeplab",
            SWEEPLAB_BASE_URL=server.url,
            SWEEPLAB_LEASE_SECONDS=str(LEASE_SECONDS),
            SWEEPLAB_HEARTBEAT_SECONDS="0.25",
            SWEEPLAB_FLUSH_SECONDS="0.05",
            SWEEPLAB_SHIP_SECONDS="0.05",
            SWEEPLAB_AGENT_KILL_GRACE_SECONDS="5",
        )
        created = run_cli(["sweep", "sweep.yaml"], env, tmp_path)
        assert created.returncode == 0, created.stderr
        sweep_id = created.stdout.strip()

        agents = [start_cli(["agent", sweep_id], env, tmp_path) for _ in range(AGENTS)]
        child_pid, agent_pid = map(int, _wait_for_text(pid_file, 60).split())
        [doomed] = [agent for agent in agents if agent.pid == agent_pid]
        os.kill(doomed.pid, signal.SIGKILL)
        os.kill(child_pid, signal.SIGKILL)
        doomed.communicate(timeout=10)
        survivors = [agent for agent in agents if agent is not doomed]
        for agent in survivors:
            try:
                _, stderr = agent.communicate(timeout=180)
            except subprocess.TimeoutExpired:
                for other in survivors:
                    other.kill()
                raise
            assert agent.returncode == 0, stderr
        # The doomed run's lease runs out and the server's reaper marks it crashed.
        deadline = time.monotonic() + LEASE_SECONDS + 10
        store = open_store(store_url)
        try:
            while time.monotonic() < deadline:
                states = Counter(run.state for run in store.sweep_runs(sweep_id))
                if states[RunState.RUNNING] == 0:
                    break
                time.sleep(0.2)
            _check(store.sweep_runs(sweep_id), store.get_sweep(sweep_id).state)
        finally:
            store.close()


def _check(runs: list[RunRecord], sweep_state: SweepState) -> None:
    points = [run.config["a"] for run in runs]
    assert sorted(points) == list(range(1, GRID_POINTS + 1))  # 40 runs, no point twice
    assert len({run.run_id for run in runs}) == GRID_POINTS
    by_point = {run.config["a"]: run for run in runs}
    assert by_point[1].state is RunState.CRASHED, by_point[1]
    assert "lease expired" in by_point[1].end_reason
    stopped = [run for run in runs if run.state is RunState.STOPPED]
    assert stopped, Counter(run.state.value for run in runs)
    for run in stopped:
        assert run.end_reason.startswith("early termination (hyperband): "), run.end_reason
    others = [run for run in runs if run.state not in (RunState.STOPPED, RunState.CRASHED)]
    assert all(run.state is RunState.FINISHED for run in others), [r.state for r in others]
    assert sweep_state is SweepState.FINISHED


def test_agents_share_a_sweep_through_the_server(tmp_path: Path) -> None:
    run_sweep_through_server(f"sqlite:///{tmp_path / 'server' / 'sweeplab.db'}", tmp_path)
