"""``WandbMetricsLogger``: W&B's current Keras metrics callback, on sweeplab.

Logs each epoch's ``logs`` as ``epoch/<name>`` with ``epoch/epoch`` and
``epoch/learning_rate``; with ``log_freq="batch"`` or an integer N, also every N-th batch's
``logs`` as ``batch/<name>`` with ``batch/batch_step`` and ``batch/learning_rate``. As in W&B,
the group being logged at its own frequency gets a ``define_metric`` step axis
(``batch/batch_step`` when batch-wise, else ``epoch/epoch``). A run a sweep stops ends
``fit()`` cleanly.

``initial_global_step`` is accepted for W&B compatibility; Keras 3 optimizers evaluate a
learning-rate schedule at their own iteration count, so resumed training needs nothing extra.
"""

from __future__ import annotations

from typing import Any, Literal

from sweeplab.errors import RunStopped
from sweeplab.integration.keras.framework import keras, learning_rate
from sweeplab.integration.run_link import RunLink, numbers_only, require_run

LogStrategy = Literal["epoch", "batch"]


class WandbMetricsLogger(keras.callbacks.Callback):  # type: ignore[misc]
    """Log ``fit()`` metrics and the learning rate to the current sweeplab run."""

    def __init__(
        self,
        log_freq: LogStrategy | int = "epoch",
        initial_global_step: int = 0,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._link = RunLink(require_run("WandbMetricsLogger"))
        if log_freq == "batch":
            log_freq = 1
        if log_freq != "epoch" and (
            isinstance(log_freq, bool) or not isinstance(log_freq, int) or log_freq < 1
        ):
            raise ValueError(
                "WandbMetricsLogger(log_freq=...) takes 'epoch', 'batch' or a positive "
                f"number of batches, got {log_freq!r}"
            )
        self.logging_batch_wise = isinstance(log_freq, int)
        self.log_freq: int | None = log_freq if isinstance(log_freq, int) else None
        self.global_batch = 0
        self.global_step = initial_global_step
        run = self._link.run
        if self.logging_batch_wise:
            run.define_metric("batch/batch_step")
            run.define_metric("batch/*", step_metric="batch/batch_step")
            # Bound on the instance only when asked: Keras dispatches batch hooks on a thread
            # pool unless some callback overrides them.
            self.on_train_batch_end = self._on_train_batch_end
        else:
            run.define_metric("epoch/epoch")
            run.define_metric("epoch/*", step_metric="epoch/epoch")

    @property
    def run_stopped(self) -> RunStopped | None:
        """The stop that ended ``fit()`` early, if a sweep stopped the run."""
        return self._link.stopped

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        row = {f"epoch/{key}": value for key, value in numbers_only(logs).items()}
        row["epoch/epoch"] = epoch
        rate = learning_rate(self.model)
        if rate is not None:
            row["epoch/learning_rate"] = rate
        if not self._link.log(row):
            self.model.stop_training = True

    def _on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self.global_step += 1
        frequency = self.log_freq or 1
        if batch % frequency:
            return
        row = {f"batch/{key}": value for key, value in numbers_only(logs).items()}
        row["batch/batch_step"] = self.global_batch
        rate = learning_rate(self.model)
        if rate is not None:
            row["batch/learning_rate"] = rate
        self.global_batch += frequency
        if not self._link.log(row):
            self.model.stop_training = True
