"""``WandbCallback``: W&B's legacy Keras callback (``from wandb.keras import WandbCallback``),
kept working on Keras 3 after W&B removed it.

What it does, as the legacy callback did:

- at each epoch's end, logs that epoch's ``logs`` (``loss``, ``val_loss``, every compiled
  metric) unprefixed, with ``epoch``, as one history row;
- keeps ``best_<monitor>`` and ``best_epoch`` in the run summary (``log_best_prefix``), judged
  by ``monitor`` and ``mode``, continuing from a resumed run's summary;
- saves the best model into the run directory (``save_model=True``: ``model-best.keras``, or
  ``model-best.weights.h5`` with ``save_weights_only=True``; Keras 3 needs these suffixes,
  the legacy callback wrote ``model-best.h5``);
- with ``log_batch_frequency=N``, also logs the batch ``logs`` every N batches.

sweeplab additions: a run a sweep stops ends ``fit()`` cleanly at the end of the current batch
or epoch (``model.stop_training``), and ``callback.run_stopped`` holds the
:class:`~sweeplab.RunStopped` it caught. A monitored value of 0 counts (the legacy callback
skipped falsy values), NaN never does.

Not supported (accepted, with one warning naming them): media and histogram options
(``log_weights``, ``log_gradients``, ``data_type``/``input_type``/``output_type`` images,
``log_evaluation`` tables, ``generator``, ``compute_flops``); ``save_graph`` is ignored.
"""

from __future__ import annotations

import math
import operator
import warnings
from pathlib import Path
from typing import Any

from sweeplab.errors import RunStopped
from sweeplab.integration.keras.framework import keras, mode_is_max
from sweeplab.integration.run_link import RunLink, numbers_only, require_run

_MODES = ("auto", "min", "max")


class WandbCallback(keras.callbacks.Callback):  # type: ignore[misc]
    """Log Keras ``fit()`` metrics to the current sweeplab run (W&B's legacy callback).

    Call ``sweeplab.init()`` first. See the module docstring for what is logged and saved.
    """

    def __init__(  # noqa: PLR0917 - the legacy callback's signature
        self,
        monitor: str = "val_loss",
        verbose: int = 0,
        mode: str = "auto",
        save_weights_only: bool = False,
        log_weights: bool = False,
        log_gradients: bool = False,
        save_model: bool = True,
        training_data: Any = None,
        validation_data: Any = None,
        labels: Any = None,
        data_type: Any = None,
        predictions: int = 36,
        generator: Any = None,
        input_type: Any = None,
        output_type: Any = None,
        log_evaluation: bool = False,
        validation_steps: int | None = None,
        class_colors: Any = None,
        log_batch_frequency: int | None = None,
        log_best_prefix: str | None = "best_",
        save_graph: bool = True,
        validation_indexes: Any = None,
        validation_row_processor: Any = None,
        prediction_row_processor: Any = None,
        infer_missing_processors: bool = True,
        log_evaluation_frequency: int = 0,
        compute_flops: bool = False,
    ) -> None:
        super().__init__()
        del predictions, save_graph, infer_missing_processors  # only meaningful for media
        self._link = RunLink(require_run("WandbCallback"))
        _warn_unsupported(
            {
                "log_weights": log_weights,
                "log_gradients": log_gradients,
                "training_data": training_data,
                "validation_data": validation_data,
                "labels": labels,
                "data_type": data_type,
                "generator": generator,
                "input_type": input_type,
                "output_type": output_type,
                "log_evaluation": log_evaluation,
                "validation_steps": validation_steps,
                "class_colors": class_colors,
                "validation_indexes": validation_indexes,
                "validation_row_processor": validation_row_processor,
                "prediction_row_processor": prediction_row_processor,
                "log_evaluation_frequency": log_evaluation_frequency,
                "compute_flops": compute_flops,
            }
        )
        if mode not in _MODES:
            warnings.warn(
                f"WandbCallback mode {mode!r} is unknown (use 'auto', 'min' or 'max'); "
                "falling back to 'auto', as W&B's callback did",
                UserWarning,
                stacklevel=2,
            )
            mode = "auto"
        if log_batch_frequency is not None and (
            isinstance(log_batch_frequency, bool)
            or not isinstance(log_batch_frequency, int)
            or log_batch_frequency < 1
        ):
            raise ValueError(
                "WandbCallback(log_batch_frequency=...) takes a positive number of batches "
                f"or None, got {log_batch_frequency!r}"
            )
        self.monitor = monitor
        self.mode = mode
        self.verbose = verbose
        self.save_model = save_model
        self.save_weights_only = save_weights_only
        self.log_batch_frequency = log_batch_frequency
        self.log_best_prefix = log_best_prefix
        maximize = mode_is_max(monitor, mode)
        self.monitor_op = operator.gt if maximize else operator.lt
        self.best: float = -math.inf if maximize else math.inf
        previous_best = self._link.run.summary.get(f"{log_best_prefix}{monitor}")
        if log_best_prefix and isinstance(previous_best, int | float):
            self.best = float(previous_best)  # a resumed run keeps its best
        self.current: float | None = None
        run_dir = self._link.run.dir
        file_name = "model-best.weights.h5" if save_weights_only else "model-best.keras"
        self.filepath: Path | None = run_dir / file_name if run_dir is not None else None
        if log_batch_frequency is not None:
            # Bound on the instance only when asked: Keras dispatches batch hooks on a thread
            # pool unless some callback overrides them, and logging every batch costs that.
            self.on_train_batch_end = self._log_batch

    @property
    def run_stopped(self) -> RunStopped | None:
        """The stop that ended ``fit()`` early, if a sweep stopped the run."""
        return self._link.stopped

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if not self._link.active:
            self._stop_training()
            return
        values = numbers_only(logs)
        # Summary and model first: once log() stops the run, the run takes no more changes.
        self._track_best(epoch, values.get(self.monitor))
        if not self._link.log({"epoch": epoch, **values}):
            self._stop_training()

    def _log_batch(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        frequency = self.log_batch_frequency
        if frequency and batch % frequency == 0 and not self._link.log(numbers_only(logs)):
            self._stop_training()

    def _track_best(self, epoch: int, current: Any) -> None:
        if not isinstance(current, int | float) or math.isnan(current):
            return
        self.current = float(current)
        if not self.monitor_op(self.current, self.best):
            return
        if self.log_best_prefix:
            self._link.set_summary(f"{self.log_best_prefix}{self.monitor}", self.current)
            self._link.set_summary(f"{self.log_best_prefix}epoch", epoch)
        if self.save_model and self.filepath is not None:
            if self.verbose:
                print(
                    f"Epoch {epoch:05d}: {self.monitor} improved from {self.best:0.5f} to "
                    f"{self.current:0.5f}, saving model to {self.filepath}"
                )
            self._save(self.filepath)
        self.best = self.current

    def _save(self, filepath: Path) -> None:
        filepath.parent.mkdir(parents=True, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(str(filepath), overwrite=True)
        else:
            self.model.save(str(filepath), overwrite=True)

    def _stop_training(self) -> None:
        if self.model is not None:
            self.model.stop_training = True


def _warn_unsupported(given: dict[str, Any]) -> None:
    """One warning naming every media/histogram option that was turned on."""
    used = sorted(name for name, value in given.items() if not _is_off(value))
    if used:
        warnings.warn(
            f"WandbCallback: sweeplab ignores {', '.join(used)} (media, histograms, tables "
            "and gradients are not logged); metrics, best values and the best model are",
            UserWarning,
            stacklevel=3,
        )


def _is_off(value: Any) -> bool:
    # The options' "off" values: None, False, 0, an empty list. Arrays are never compared.
    if value is None:
        return True
    if isinstance(value, bool | int):
        return not value
    return isinstance(value, list | tuple) and not value
