"""A script written for W&B runs unchanged with ``import sweeplab as wandb``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sweeplab.domain import RunState
from sweeplab.store.base import Store
from tests.e2e.conftest import clean_environ

WANDB_SCRIPT = '''
import sweeplab as wandb

defaults = {"learning_rate": 0.1, "batch_size": 32, "epochs": 5}
sweep_config = {
    "method": "random",
    "metric": {"name": "val_loss", "goal": "minimize"},
    "parameters": {
        "learning_rate": {"distribution": "log_uniform_values", "min": 1e-4, "max": 1e-1},
        "batch_size": {"values": [16, 32, 64]},
    },
}


def train():
    wandb.init(config=defaults)
    wandb.config.epochs = 2
    for epoch in range(wandb.config.epochs):
        loss = wandb.config.learning_rate * 10 / (epoch + 1)
        wandb.log({"epoch": epoch, "val_loss": loss, "nested": {"acc": 1 - loss}})


sweep_id = wandb.sweep(sweep_config, project="wandb-style")
wandb.agent(sweep_id, function=train, count=10)
print(sweep_id)
'''

def test_wandb_style_script_makes_ten_runs(tmp_path: Path, sweeplab_dir: Path, store: Store) -> None:
    script = tmp_path / "train.py"
    script.write_text(WANDB_SCRIPT)
    done = subprocess.run(
        [sys.executable, str(script)], env=clean_environ(sweeplab_dir), cwd=tmp_path,
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    sweep_id = done.stdout.strip().splitlines()[-1]
    sweep = store.get_sweep(sweep_id)
    assert sweep.project == "wandb-style"
    runs = store.sweep_runs(sweep_id)
    assert len(runs) == 10
    assert len({run.run_id for run in runs}) == 10
    for run in runs:
        assert run.state is RunState.FINISHED, run.end_reason
        assert run.project == "wandb-style"
        assert 1e-4 <= run.config["learning_rate"] <= 1e-1
        assert run.config["batch_size"] in (16, 32, 64)
        assert run.config["epochs"] == 2
        history = store.read_metrics(run.run_id)
        assert [step for step, _ in history["val_loss"]] == [0, 1]
        assert history["val_loss"][0][1] == run.config["learning_rate"] * 10
        assert [value for _, value in history["epoch"]] == [0.0, 1.0]
        assert len(history["nested.acc"]) == 2
    assert len({run.config["learning_rate"] for run in runs}) == 10
    assert "agent done after 10 runs" in done.stderr
