"""Hyperband stops bad runs: they end ``stopped``, with the rule's reason, in both launchers."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from sweeplab.domain import RunState
from sweeplab.store.base import Store
from tests.e2e.conftest import clean_environ, run_cli

# Four grid points; the loss is ``a`` at every step. Bands at iterations 2, 4, 8, ... (eta 2).
# Points 1 and 2 are short and finish; 3 and 4 would log for 20 s, but at band 1 their loss is
# worse than the threshold set by the runs before them, so they are stopped (at the first band
# a heartbeat sees them at).
SWEEP_YAML = """
program: train.py
method: grid
metric: {name: loss, goal: minimize}
parameters:
  a: {values: [1, 2, 3, 4]}
early_terminate: {type: hyperband, min_iter: 2, eta: 2}
"""

TRAIN = """
import time
import sweeplab.sdk as wandb

def train():
    wandb.init()
    steps = 4 if wandb.config.a <= 2 else 400
    for step in range(steps):
        wandb.log({"loss": float(wandb.config.a)})
        time.sleep(0.05)

if __name__ == "__main__":
    train()
"""

IN_PROCESS = """
import sys
from train import train
from sweeplab.sdk.sweeps import agent
agent(sys.argv[1], function=train)
"""

FAST = {
    "SWEEPLAB_LEASE_SECONDS": "10",
    "SWEEPLAB_HEARTBEAT_SECONDS": "0.1",
    "SWEEPLAB_FLUSH_SECONDS": "0.05",
    "SWEEPLAB_SHIP_SECONDS": "0.05",
    "SWEEPLAB_AGENT_KILL_GRACE_SECONDS": "5",
}


def _sweep(tmp_path: Path, env: dict[str, str]) -> str:
    (tmp_path / "train.py").write_text(TRAIN)
    (tmp_path / "sweep.yaml").write_text(SWEEP_YAML)
    created = run_cli(["sweep", "sweep.yaml"], env, tmp_path)
    assert created.returncode == 0, created.stderr
    return created.stdout.strip()


def _check(store: Store, sweep_id: str) -> None:
    runs = {run.config["a"]: run for run in store.sweep_runs(sweep_id)}
    assert sorted(runs) == [1, 2, 3, 4]
    assert runs[1].state is RunState.FINISHED and runs[2].state is RunState.FINISHED
    for a in (3, 4):
        run = runs[a]
        assert run.state is RunState.STOPPED, (a, run.state, run.end_reason)
        assert run.end_reason.startswith("early termination (hyperband): stopped at band ")
        assert f"was {a}, worse than the threshold" in run.end_reason
        logged = len(store.read_metrics(run.run_id)["loss"])
        assert 2 <= logged < 400  # stopped early, after reaching the band


def test_cli_agent_stops_runs(tmp_path: Path, sweeplab_dir: Path, store: Store) -> None:
    env = clean_environ(sweeplab_dir, **FAST)
    sweep_id = _sweep(tmp_path, env)
    done = run_cli(["agent", sweep_id], env, tmp_path, timeout_seconds=90)
    assert done.returncode == 0, done.stderr
    stopped_line = r"stopped( \(exit code -?\d+\))?: early termination \(hyperband\)"
    assert re.search(stopped_line, done.stderr), done.stderr
    _check(store, sweep_id)


def test_in_process_agent_stops_runs(tmp_path: Path, sweeplab_dir: Path, store: Store) -> None:
    env = clean_environ(sweeplab_dir, **FAST)
    sweep_id = _sweep(tmp_path, env)
    (tmp_path / "agent.py").write_text(IN_PROCESS)
    done = subprocess.run(
        [sys.executable, "agent.py", sweep_id], env=env, cwd=tmp_path, capture_output=True,
        text=True, timeout=90, check=False,
    )
    assert done.returncode == 0, done.stderr
    _check(store, sweep_id)
