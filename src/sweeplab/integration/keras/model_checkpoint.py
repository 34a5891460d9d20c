"""``WandbModelCheckpoint``: Keras's ``ModelCheckpoint`` with W&B's signature, on sweeplab.

Keras does the saving (``save_best_only``, ``save_freq``, ``{epoch:02d}`` placeholders, ...).
W&B uploads each checkpoint as an artifact; sweeplab has no artifacts, so instead:

- a relative ``filepath`` is placed in the run's directory (``<run dir>/<filepath>``), so the
  runs of a sweep do not overwrite each other's checkpoints; an absolute one is kept as given;
- the run summary records where the checkpoints are: ``model_checkpoint/latest`` (the last file
  written) and ``model_checkpoint/best`` (the last file written while ``monitor`` improved).

``options`` (a TensorFlow ``SaveOptions``) does not exist in Keras 3 and is ignored with a
warning.
"""

from __future__ import annotations

import math
import os
import warnings
from pathlib import Path
from typing import Any, Literal

from sweeplab.integration.keras.framework import keras, mode_is_max
from sweeplab.integration.run_link import RunLink, require_run

Mode = Literal["auto", "min", "max"]
SaveStrategy = Literal["epoch"]


class WandbModelCheckpoint(keras.callbacks.ModelCheckpoint):  # type: ignore[misc]
    """Save the model (or its weights) during ``fit()`` and record the paths in the run."""

    def __init__(  # noqa: PLR0917 - W&B's (and Keras's) signature
        self,
        filepath: str | os.PathLike[str],
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        save_weights_only: bool = False,
        mode: Mode = "auto",
        save_freq: SaveStrategy | int = "epoch",
        options: Any = None,
        initial_value_threshold: float | None = None,
        **kwargs: Any,
    ) -> None:
        link = RunLink(require_run("WandbModelCheckpoint"))
        if options is not None:
            warnings.warn(
                "WandbModelCheckpoint(options=...) is ignored: Keras 3 has no save options",
                UserWarning,
                stacklevel=2,
            )
        path = Path(filepath)
        if not path.is_absolute() and link.run.dir is not None:
            path = link.run.dir / path
        super().__init__(
            filepath=str(path),
            monitor=monitor,
            verbose=verbose,
            save_best_only=save_best_only,
            save_weights_only=save_weights_only,
            mode=mode,
            save_freq=save_freq,
            initial_value_threshold=initial_value_threshold,
            **kwargs,
        )
        self._link = link
        maximize = mode_is_max(monitor, mode)
        self._local_best = (
            float(initial_value_threshold)
            if initial_value_threshold is not None
            else (-math.inf if maximize else math.inf)
        )
        self._maximize = maximize

    def _save_model(self, epoch: int, batch: int | None, logs: dict[str, Any] | None) -> None:
        # Keras decides whether to save; a file whose modification changed was written.
        filepath = Path(self._get_file_path(epoch, batch, logs or {}))
        before = _signature(filepath)
        super()._save_model(epoch, batch, logs)
        after = _signature(filepath)
        if after is None or after == before:
            return
        self._link.set_summary("model_checkpoint/latest", str(filepath))
        if self._improved((logs or {}).get(self.monitor)):
            self._link.set_summary("model_checkpoint/best", str(filepath))

    def _improved(self, current: Any) -> bool:
        if not isinstance(current, int | float) or math.isnan(current):
            return False
        better = current > self._local_best if self._maximize else current < self._local_best
        if better:
            self._local_best = float(current)
        return better


def _signature(path: Path) -> tuple[int, int] | None:
    """What changes when a file is rewritten: its modification time and size."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size)
