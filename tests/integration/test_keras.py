"""Keras 3 callbacks: the legacy WandbCallback, WandbMetricsLogger, WandbModelCheckpoint."""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import sweeplab
from sweeplab.domain import RunState
from sweeplab.errors import UsageError
from sweeplab.sdk.settings import Settings
from sweeplab.store.memory import MemoryStore
from tests.integration.conftest import framework, request_stop, sweep_run

keras: Any = framework("keras")

from sweeplab.integration.keras import (  # noqa: E402 - after the framework check
    WandbCallback,
    WandbMetricsLogger,
    WandbModelCheckpoint,
)

pytestmark = pytest.mark.integration

EPOCHS = 3


def _data() -> tuple[Any, Any]:
    rng = np.random.default_rng(0)
    x = rng.random((64, 8)).astype("float32")
    y = (x.sum(axis=1) > 4).astype("int32")
    return x, y


def _model(learning_rate: Any = 0.05) -> Any:
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input((8,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(2)]
    )
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def _fit(model: Any, callbacks: list[Any], epochs: int = EPOCHS) -> Any:
    x, y = _data()
    return model.fit(x, y, validation_split=0.25, epochs=epochs, batch_size=16, verbose=0,
                     callbacks=callbacks)


def _history(store: MemoryStore, run_id: str) -> dict[str, list[float]]:
    return {key: [value for _, value in points] for key, points in store.read_metrics(run_id).items()}


def test_the_sweeplab_keras_alias_is_the_same_class() -> None:
    import sweeplab.keras as alias
    from sweeplab.keras import WandbCallback as FromAlias

    assert FromAlias is WandbCallback
    assert alias.WandbMetricsLogger is WandbMetricsLogger
    assert alias.WandbModelCheckpoint is WandbModelCheckpoint
    assert issubclass(WandbCallback, keras.callbacks.Callback)


@pytest.mark.parametrize("callback", [WandbCallback, WandbMetricsLogger])
def test_callbacks_need_a_run(callback: Any) -> None:
    with pytest.raises(UsageError, match=r"sweeplab.init\(\) before " + callback.__name__):
        callback()


def test_model_checkpoint_needs_a_run(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"before WandbModelCheckpoint\(\)"):
        WandbModelCheckpoint(str(tmp_path / "m.keras"))


def test_wandb_callback_logs_epochs_best_values_and_the_best_model(
    store: MemoryStore, settings: Settings
) -> None:
    run = sweeplab.init(project="k", settings=settings)
    callback = WandbCallback()
    history = _fit(_model(), [callback]).history
    run.finish()
    logged = _history(store, run.id)
    # Each epoch's logs, unprefixed, with the epoch, one row per epoch.
    assert logged["epoch"] == [0.0, 1.0, 2.0]
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert logged[key] == pytest.approx(history[key]), key
    best_epoch = int(np.argmin(history["val_loss"]))
    summary = store.get_run(run.id).summary
    assert summary["best_val_loss"] == pytest.approx(min(history["val_loss"]))
    assert summary["best_epoch"] == best_epoch
    assert callback.run_stopped is None
    # The best model is saved in the run directory and loads back.
    assert run.dir is not None and callback.filepath == run.dir / "model-best.keras"
    loaded = keras.models.load_model(callback.filepath)
    assert loaded.count_params() == _model().count_params()


def test_mode_max_and_auto_guess_for_accuracy(settings: Settings) -> None:
    run = sweeplab.init(project="k", settings=settings)
    auto = WandbCallback(monitor="val_accuracy", save_model=False)
    explicit_min = WandbCallback(monitor="val_accuracy", mode="min", save_model=False,
                                 log_best_prefix="low_")
    history = _fit(_model(), [auto, explicit_min]).history
    assert auto.best == max(history["val_accuracy"])
    assert run.summary["best_val_accuracy"] == max(history["val_accuracy"])
    assert run.summary["low_val_accuracy"] == min(history["val_accuracy"])
    assert explicit_min.best == min(history["val_accuracy"])


def test_no_best_values_without_a_prefix_and_no_model_when_save_model_is_off(
    settings: Settings,
) -> None:
    run = sweeplab.init(project="k", settings=settings)
    callback = WandbCallback(log_best_prefix=None, save_model=False)
    _fit(_model(), [callback])
    assert not any(key.startswith("best_") for key in run.summary)
    assert run.dir is not None and not (run.dir / "model-best.keras").exists()
    assert math.isfinite(callback.best)


def test_weights_only_saves_keras_weights_file(settings: Settings) -> None:
    run = sweeplab.init(project="k", settings=settings)
    callback = WandbCallback(save_weights_only=True, verbose=1)
    _fit(_model(), [callback], epochs=1)
    assert run.dir is not None and (run.dir / "model-best.weights.h5").is_file()


def test_a_resumed_run_keeps_its_best_value(settings: Settings) -> None:
    run = sweeplab.init(project="k", settings=settings)
    run.summary["best_val_loss"] = -1.0  # as if an earlier session reached it
    callback = WandbCallback(save_model=False)
    _fit(_model(), [callback], epochs=1)
    assert callback.best == -1.0 and run.summary["best_val_loss"] == -1.0


def test_batch_logging_every_n_batches(store: MemoryStore, settings: Settings) -> None:
    run = sweeplab.init(project="k", settings=settings)
    # 48 training rows in batches of 16: batches 0, 1, 2 per epoch; every 2nd is 0 and 2.
    _fit(_model(), [WandbCallback(log_batch_frequency=2, save_model=False)], epochs=2)
    run.finish()
    logged = _history(store, run.id)
    assert len(logged["epoch"]) == 2
    assert len(logged["loss"]) == 2 * 2 + 2  # two batch rows and one epoch row per epoch


@pytest.mark.parametrize("frequency", [0, -1, 1.5, True, "2"])
def test_bad_batch_frequency_is_refused(settings: Settings, frequency: Any) -> None:
    sweeplab.init(project="k", settings=settings)
    with pytest.raises(ValueError, match=r"log_batch_frequency=\.\.\.\) takes a positive number"):
        WandbCallback(log_batch_frequency=frequency)


def test_unknown_mode_falls_back_to_auto_with_a_warning(settings: Settings) -> None:
    sweeplab.init(project="k", settings=settings)
    with pytest.warns(UserWarning, match="mode 'minimum' is unknown"):
        callback = WandbCallback(mode="minimum")
    assert callback.mode == "auto" and callback.best == math.inf


def test_media_options_are_accepted_with_one_warning(settings: Settings) -> None:
    sweeplab.init(project="k", settings=settings)
    x, y = _data()
    with pytest.warns(UserWarning, match="ignores data_type, log_weights, validation_data"):
        WandbCallback(log_weights=True, data_type="image", validation_data=(x, y))


def test_a_stopped_run_ends_fit_cleanly(store: MemoryStore) -> None:
    class StopAfterFirstEpoch(keras.callbacks.Callback):  # type: ignore[misc]
        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            if epoch == 0:
                request_stop(store, run)

    with sweep_run(store, {"lr": 0.1}) as run_id:
        run = sweeplab.init(settings=Settings(flush_seconds=0.01))
        callback = WandbCallback(save_model=False)
        metrics = WandbMetricsLogger()
        # The stop is requested after our callbacks logged epoch 0; epoch 1's log() stops.
        history = _fit(_model(), [callback, metrics, StopAfterFirstEpoch()], epochs=10).history
        assert len(history["loss"]) == 2  # fit() returned after epoch 1, without an error
        assert callback.run_stopped is not None
        assert callback.run_stopped.reason == "hyperband: test stop"
        assert metrics.run_stopped is None  # it never logged after the stop: the run is over
    stored = store.get_run(run_id)
    assert stored.state is RunState.STOPPED and stored.end_reason == "hyperband: test stop"
    assert _history(store, run_id)["epoch"] == [0.0, 1.0]


def test_a_stop_during_batch_logging_ends_the_epoch(store: MemoryStore) -> None:
    class StopAtSecondBatch(keras.callbacks.Callback):  # type: ignore[misc]
        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            if batch == 1:
                request_stop(store, run)

    with sweep_run(store, {"lr": 0.1}) as run_id:
        run = sweeplab.init(settings=Settings(flush_seconds=0.01))
        callback = WandbCallback(log_batch_frequency=1, save_model=False)
        history = _fit(_model(), [StopAtSecondBatch(), callback], epochs=5).history
        assert callback.run_stopped is not None
        assert len(history["loss"]) == 1  # the first epoch ended early, and so did fit()
    assert store.get_run(run_id).state is RunState.STOPPED
    assert len(_history(store, run_id)["loss"]) == 2  # batches 0 and 1


def test_metrics_logger_logs_epoch_keys_and_the_learning_rate(
    store: MemoryStore, settings: Settings
) -> None:
    run = sweeplab.init(project="k", settings=settings)
    history = _fit(_model(learning_rate=0.05), [WandbMetricsLogger()]).history
    run.finish()
    logged = _history(store, run.id)
    assert logged["epoch/epoch"] == [0.0, 1.0, 2.0]
    assert logged["epoch/val_loss"] == pytest.approx(history["val_loss"])
    assert logged["epoch/learning_rate"] == pytest.approx([0.05] * EPOCHS)
    assert not any(key.startswith("batch/") for key in logged)
    assert "loss" not in logged  # everything is under epoch/
    definition = run.summary.definition("epoch/*")  # W&B's step axis
    assert definition is not None and definition.step_metric == "epoch/epoch"


def test_metrics_logger_batch_wise_with_a_schedule(store: MemoryStore, settings: Settings) -> None:
    run = sweeplab.init(project="k", settings=settings)
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    _fit(_model(learning_rate=schedule), [WandbMetricsLogger(log_freq=2)], epochs=2)
    run.finish()
    logged = _history(store, run.id)
    # Batches 0, 1, 2 per epoch; every 2nd (0 and 2) in each of the 2 epochs.
    assert logged["batch/batch_step"] == [0.0, 2.0, 4.0, 6.0]
    rates = logged["batch/learning_rate"]
    assert rates[0] == pytest.approx(0.1 * 0.5)  # after the first step
    assert all(later < earlier for earlier, later in itertools.pairwise(rates))
    assert len(logged["epoch/epoch"]) == 2  # epochs are logged too, as in W&B


@pytest.mark.parametrize("log_freq", [0, "sometimes", 2.5, False])
def test_metrics_logger_refuses_a_bad_frequency(settings: Settings, log_freq: Any) -> None:
    sweeplab.init(project="k", settings=settings)
    with pytest.raises(ValueError, match=r"log_freq=\.\.\.\) takes 'epoch', 'batch'"):
        WandbMetricsLogger(log_freq=log_freq)


def test_model_checkpoint_saves_in_the_run_directory(settings: Settings) -> None:
    run = sweeplab.init(project="k", settings=settings)
    checkpoint = WandbModelCheckpoint("checkpoints/model-{epoch:02d}.keras")
    _fit(_model(), [checkpoint])
    assert run.dir is not None
    saved = sorted(path.name for path in (run.dir / "checkpoints").iterdir())
    assert saved == ["model-01.keras", "model-02.keras", "model-03.keras"]
    assert run.summary["model_checkpoint/latest"] == str(run.dir / "checkpoints/model-03.keras")
    assert run.summary["model_checkpoint/best"].startswith(str(run.dir / "checkpoints"))


def test_model_checkpoint_best_only_keeps_an_absolute_path(
    settings: Settings, tmp_path: Path
) -> None:
    run = sweeplab.init(project="k", settings=settings)
    target = tmp_path / "best.weights.h5"
    with pytest.warns(UserWarning, match="options=...\\) is ignored"):
        checkpoint = WandbModelCheckpoint(
            target, save_best_only=True, save_weights_only=True, options="legacy"
        )
    _fit(_model(), [checkpoint])
    assert target.is_file()
    assert run.summary["model_checkpoint/best"] == str(target)
    assert run.summary["model_checkpoint/latest"] == str(target)
