"""PyTorch Lightning: SweeplabLogger (also WandbLogger) with a real Trainer on a tiny model."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest

import sweeplab
from sweeplab.domain import RunState
from sweeplab.errors import RunStopped
from sweeplab.sdk.settings import Settings
from sweeplab.store.memory import MemoryStore
from tests.integration.conftest import framework, request_stop, sweep_run

torch: Any = framework("torch")
pl: Any = framework("lightning.pytorch")

from sweeplab.integration.lightning import (  # noqa: E402 - after the framework check
    STEP_KEY,
    SweeplabLogger,
    WandbLogger,
)

pytestmark = pytest.mark.integration

BATCHES_PER_EPOCH = 4


class TinyModel(pl.LightningModule):  # type: ignore[misc]
    """A linear classifier on random data; logs train_loss per step and val_loss per epoch."""

    def __init__(self, lr: float = 0.1, hidden: int = 4, activation: Any = torch.relu,
                 on_step: Any = None) -> None:
        super().__init__()
        self.save_hyperparameters(ignore=["on_step"])
        self.layers = torch.nn.Sequential(torch.nn.Linear(8, hidden), torch.nn.ReLU(),
                                          torch.nn.Linear(hidden, 2))
        self.on_step = on_step

    def training_step(self, batch: Any, batch_index: int) -> Any:
        x, y = batch
        loss = torch.nn.functional.cross_entropy(self.layers(x), y)
        self.log("train_loss", loss, on_step=True, on_epoch=False)
        if self.on_step is not None:
            self.on_step(self.global_step)
        return loss

    def validation_step(self, batch: Any, batch_index: int) -> None:
        x, y = batch
        self.log("val_loss", torch.nn.functional.cross_entropy(self.layers(x), y))

    def configure_optimizers(self) -> Any:
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


def _loader() -> Any:
    generator = torch.Generator().manual_seed(0)
    x = torch.rand(BATCHES_PER_EPOCH * 8, 8, generator=generator)
    y = (x.sum(dim=1) > 4).long()
    dataset = torch.utils.data.TensorDataset(x, y)
    return torch.utils.data.DataLoader(dataset, batch_size=8)


def _trainer(logger: Any, epochs: int = 2, **options: Any) -> Any:
    return pl.Trainer(
        max_epochs=epochs, logger=logger, accelerator="cpu", enable_checkpointing=False,
        enable_progress_bar=False, enable_model_summary=False, log_every_n_steps=1,
        num_sanity_val_steps=0, **options,
    )


def _history(store: MemoryStore, run_id: str) -> dict[str, list[float]]:
    return {key: [value for _, value in points] for key, points in store.read_metrics(run_id).items()}


def test_wandb_logger_is_the_same_class() -> None:
    assert WandbLogger is SweeplabLogger
    assert issubclass(SweeplabLogger, pl.loggers.logger.Logger)


def test_fit_logs_hyperparameters_and_metrics_with_the_step(
    store: MemoryStore, settings: Settings
) -> None:
    logger = SweeplabLogger(project="lit", name="tiny", settings=settings)
    assert logger.version is None and logger.name == "lit"
    _trainer(logger).fit(TinyModel(lr=0.05, hidden=4), _loader(), _loader())
    run = logger.experiment
    assert run.project == "lit" and run.name == "tiny"
    assert logger.version == run.id and logger.name == "lit"
    # Hyperparameters; a callable is stored by its name, as W&B does.
    assert run.config["lr"] == 0.05 and run.config["hidden"] == 4
    assert run.config["activation"] == "relu"
    # finalize("success") left the run open: trainer.validate() can still log.
    assert not run.finished
    _trainer(logger).validate(TinyModel(lr=0.05), _loader(), verbose=False)
    run.finish()
    logged = store.read_metrics(run.id)
    assert len(logged["train_loss"]) == 2 * BATCHES_PER_EPOCH
    assert len(logged["val_loss"]) == 2 + 1  # two epochs and the validate() call
    fit_steps = [value for _, value in logged[STEP_KEY]][:-1]  # the last is validate()'s
    assert fit_steps == sorted(fit_steps) and fit_steps[0] == 0
    assert fit_steps[-1] == 2 * BATCHES_PER_EPOCH - 1
    assert store.get_run(run.id).state is RunState.FINISHED


def test_the_logger_joins_the_current_run(settings: Settings) -> None:
    run = sweeplab.init(project="mine", config={"lr": 0.2}, settings=settings)
    logger = WandbLogger(project="ignored")
    assert logger.experiment is run
    logger.log_hyperparams(argparse.Namespace(batch_size=16, nested={"a": len}))
    assert run.config["batch_size"] == 16 and run.config["nested"] == {"a": "len"}
    logger.log_metrics({"acc": 0.5}, step=7)
    logger.log_metrics({"acc": 0.6})
    assert run.summary["acc"] == 0.6 and run.summary[STEP_KEY] == 7


def test_prefix_is_joined_with_a_dash(store: MemoryStore, settings: Settings) -> None:
    run = sweeplab.init(project="p", settings=settings)
    logger = SweeplabLogger(prefix="fold1")
    logger.log_metrics({"loss": 1.0}, step=3)
    run.finish()
    assert set(store.read_metrics(run.id)) == {"fold1-loss", STEP_KEY}


def test_the_logger_starts_a_run_with_the_given_options(tmp_path: Path) -> None:
    logger = SweeplabLogger(project="off", id="fixedid1", offline=True,
                            save_dir=tmp_path / "logs", group="g")
    run = logger.experiment
    assert run.offline and run.id == "fixedid1" and run.group == "g"
    assert run.dir is not None and run.dir.parent == tmp_path / "logs"
    assert logger.save_dir == str(tmp_path / "logs") and logger.version == "fixedid1"


def test_a_failing_fit_ends_the_run_failed_with_the_error(
    store: MemoryStore, settings: Settings
) -> None:
    def explode(step: int) -> None:
        if step == 2:
            raise RuntimeError("diverged at step 2")

    logger = SweeplabLogger(project="lit", settings=settings)
    with pytest.raises(RuntimeError, match="diverged"):
        _trainer(logger).fit(TinyModel(on_step=explode), _loader())
    stored = store.get_run(logger.experiment.id)
    assert stored.state is RunState.FAILED
    assert stored.end_reason.startswith("RuntimeError: diverged at step 2")


def test_finalize_failed_without_an_exception_fails_the_run(settings: Settings) -> None:
    logger = SweeplabLogger(project="lit", settings=settings)
    run = logger.experiment
    logger.finalize("success")
    assert not run.finished
    logger.finalize("failed")
    assert run.state is RunState.FAILED


def test_a_stopped_run_ends_fit_with_run_stopped(store: MemoryStore) -> None:
    def stop_at_third_step(step: int) -> None:
        if step == 2:
            request_stop(store, run)

    with sweep_run(store, {"lr": 0.1}) as run_id:
        run = sweeplab.init(settings=Settings(flush_seconds=0.01))
        logger = SweeplabLogger()
        with pytest.raises(RunStopped, match="hyperband: test stop"):
            _trainer(logger, epochs=5).fit(TinyModel(on_step=stop_at_third_step), _loader())
    stored = store.get_run(run_id)
    assert stored.state is RunState.STOPPED and stored.end_reason == "hyperband: test stop"
    assert len(_history(store, run_id)["train_loss"]) == 3


def test_log_model_records_checkpoint_paths(tmp_path: Path, settings: Settings) -> None:
    run = sweeplab.init(project="lit", settings=settings)
    logger = SweeplabLogger(log_model=True, save_dir=tmp_path / "ckpt")
    trainer = pl.Trainer(
        max_epochs=1, logger=logger, accelerator="cpu", enable_progress_bar=False,
        enable_model_summary=False, log_every_n_steps=1, num_sanity_val_steps=0,
    )
    trainer.fit(TinyModel(), _loader(), _loader())
    best = run.summary["model_checkpoint/best"]
    assert Path(best).is_file() and best.startswith(str(tmp_path / "ckpt"))
    assert run.summary["model_checkpoint/latest"] == best


def test_watch_is_a_no_op_with_a_warning(settings: Settings) -> None:
    logger = SweeplabLogger(project="lit", settings=settings)
    with pytest.warns(UserWarning, match="watch\\(\\) does nothing"):
        logger.watch(TinyModel())
