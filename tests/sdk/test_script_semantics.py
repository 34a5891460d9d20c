"""A W&B-style script: init, config, log, summary, finish, against memory and SQLite stores."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import sweeplab.sdk as wandb
from sweeplab.domain import RunState
from sweeplab.sdk.settings import Settings
from sweeplab.store.base import Store
from sweeplab.store.memory import MemoryStore


@pytest.fixture(params=["memory", "sqlite"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "memory":
        return MemoryStore()
    from sweeplab.store.urls import open_store

    return open_store(f"sqlite:///{tmp_path / 'store.db'}")


def test_wandb_style_script(any_store: Store, tmp_path: Path) -> None:
    settings = Settings(store=any_store, sweeplab_dir=tmp_path / "sl", flush_seconds=0.01)
    run = wandb.init(project="demo", config={"lr": 0.01, "epochs": 1}, settings=settings)
    assert wandb.run is run
    assert wandb.config.lr == 0.01
    wandb.config.epochs = 2
    for epoch in range(wandb.config.epochs):
        wandb.log({"epoch": epoch, "loss": 1.0 / (epoch + 1), "acc": float("nan")})
    wandb.summary["best_loss"] = 0.5
    wandb.finish()
    assert wandb.run is None

    stored = any_store.get_run(run.id)
    assert stored.state is RunState.FINISHED
    assert stored.project == "demo"
    assert stored.config == {"lr": 0.01, "epochs": 2}
    assert stored.summary["loss"] == 0.5
    assert stored.summary["best_loss"] == 0.5
    metrics = any_store.read_metrics(run.id)
    assert metrics["loss"] == [(0, 1.0), (1, 0.5)]
    assert metrics["epoch"] == [(0, 0.0), (1, 1.0)]
    assert all(math.isnan(value) for _, value in metrics["acc"])  # NaN kept


def test_default_store_is_sqlite_under_sweeplab_dir(tmp_path: Path) -> None:
    run = wandb.init(project="p", config={"a": 1})
    wandb.log({"x": 1.0})
    wandb.finish()
    assert (tmp_path / "sweeplab" / "sweeplab.db").is_file()
    assert (tmp_path / "sweeplab" / f"run-{run.id}" / "run.records").is_file()
    api = wandb.Api()
    assert api.run(f"p/{run.id}").summary["x"] == 1.0
