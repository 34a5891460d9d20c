"""A PyTorch Lightning logger: ``Trainer(logger=SweeplabLogger(project="p"))``.

``SweeplabLogger`` takes W&B's ``WandbLogger`` arguments and is importable under that name, so
``from sweeplab.integration.lightning import WandbLogger`` replaces
``from lightning.pytorch.loggers import WandbLogger``. It works with ``lightning.pytorch`` and
``pytorch_lightning`` trainers (Lightning does not check a logger's class).

- **run**: the current run if there is one (inside a sweep agent: the claimed run), else
  ``sweeplab.init(project=, name=, id=, dir=, mode=, **kwargs)`` on first use.
- **hyperparameters** (``save_hyperparameters()``, ``log_hyperparams``) go to ``run.config``;
  callables are stored by name, as W&B does.
- **metrics**: each ``log_metrics(metrics, step)`` call is one history row with
  ``trainer/global_step`` = ``step`` (W&B's key; the SDK's own step keeps counting rows, so a
  metric logged twice at one trainer step is never dropped). ``prefix`` is joined with ``-``.
- **finalize**: ``"success"`` leaves the run open, so ``trainer.test()`` can log to it after
  ``fit()`` (``sweeplab.finish()``, the agent or interpreter exit ends it, as with W&B);
  ``"failed"`` ends it from the exception Lightning is handling: ``stopped`` for
  ``RunStopped`` and Ctrl-C, ``failed`` with the traceback otherwise.
- **stopping**: when a sweep stops the run, ``log_metrics`` raises ``sweeplab.RunStopped``;
  Lightning tears the trainer down and re-raises it from ``fit()``, and the agent records the
  run ``stopped``. (A logger cannot reach its trainer to set ``should_stop``.)
- ``log_model`` records checkpoint paths in the summary (``model_checkpoint/best``,
  ``model_checkpoint/latest``) instead of uploading artifacts; ``watch()`` is a no-op.
"""

from __future__ import annotations

import os
import sys
import warnings
from argparse import Namespace
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sweeplab.integration.frameworks import require_first
from sweeplab.integration.run_link import numbers_only

if TYPE_CHECKING:
    from sweeplab.sdk.tracked_run import Run

_pl: Any = require_first(
    ("lightning.pytorch", "pytorch_lightning"),
    framework="PyTorch Lightning",
    extra="lightning",
    integration="sweeplab.integration.lightning",
)
_Method = TypeVar("_Method", bound=Callable[..., Any])


def _rank_zero_only(method: _Method) -> _Method:
    """Lightning's ``rank_zero_only``: run only in the process of rank 0 (typed)."""
    return cast("_Method", _pl.utilities.rank_zero_only(method))


def _rank_zero_experiment(method: _Method) -> _Method:
    """Lightning's ``rank_zero_experiment``: other ranks get a dummy experiment (typed)."""
    return cast("_Method", _pl.loggers.logger.rank_zero_experiment(method))


PREFIX_SEPARATOR = "-"
STEP_KEY = "trainer/global_step"


class SweeplabLogger(_pl.loggers.logger.Logger):  # type: ignore[misc]
    """Log a Lightning ``Trainer``'s hyperparameters and metrics to a sweeplab run."""

    def __init__(  # noqa: PLR0917 - WandbLogger's signature
        self,
        name: str | None = None,
        save_dir: str | os.PathLike[str] | None = None,
        version: str | None = None,
        offline: bool = False,
        dir: str | os.PathLike[str] | None = None,
        id: str | None = None,
        anonymous: bool | None = None,
        project: str | None = None,
        log_model: bool | str = False,
        experiment: Run | None = None,
        prefix: str = "",
        checkpoint_name: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__()
        del anonymous, checkpoint_name  # W&B cloud options without a sweeplab meaning
        self._name = name
        chosen_dir = save_dir if save_dir is not None else dir
        self._save_dir = os.fspath(chosen_dir) if chosen_dir is not None else None
        self._id = version or id
        self._offline = offline
        self._project = project
        self._log_model = log_model
        self._prefix = prefix
        self._init_kwargs = kwargs
        self._experiment: Run | None = experiment

    # --- the run -------------------------------------------------------------------------------

    @property
    @_rank_zero_experiment
    def experiment(self) -> Run:
        """The sweeplab run (started on first use if no run is current)."""
        if self._experiment is None:
            import sweeplab
            from sweeplab.sdk.session import current_run

            current = current_run()
            if current is not None:
                self._experiment = current
            else:
                self._experiment = sweeplab.init(
                    project=self._project,
                    name=self._name,
                    id=self._id,
                    dir=self._save_dir,
                    mode="offline" if self._offline else None,
                    **self._init_kwargs,
                )
        return self._experiment

    @property
    def name(self) -> str | None:
        """The project (Lightning puts checkpoints under ``save_dir/name/version``)."""
        if self._experiment is not None:
            return self._experiment.project
        return self._project

    @property
    def version(self) -> str | None:
        """The run id."""
        if self._experiment is not None:
            return self._experiment.id
        return self._id

    @property
    def save_dir(self) -> str | None:
        return self._save_dir

    # --- what Lightning calls ------------------------------------------------------------------

    @_rank_zero_only
    def log_hyperparams(
        self, params: Mapping[str, Any] | Namespace, *args: Any, **kwargs: Any
    ) -> None:
        self.experiment.config.update(_plain_params(params), allow_val_change=True)

    @_rank_zero_only
    def log_metrics(self, metrics: Mapping[str, Any], step: int | None = None) -> None:
        row = {
            (f"{self._prefix}{PREFIX_SEPARATOR}{key}" if self._prefix else key): value
            for key, value in numbers_only(metrics).items()
        }
        if step is not None:
            row[STEP_KEY] = step
        self.experiment.log(row)

    @_rank_zero_only
    def finalize(self, status: str) -> None:
        if status != "failed" or self._experiment is None or self._experiment.finished:
            return
        error = sys.exc_info()[1]
        if error is not None:
            self._experiment._finish_from_exception(error)
        else:
            self._experiment.finish(exit_code=1)

    def after_save_checkpoint(self, checkpoint_callback: Any) -> None:
        if not self._log_model or self._experiment is None or self._experiment.finished:
            return
        summary = self._experiment.summary
        best = getattr(checkpoint_callback, "best_model_path", "")
        latest = getattr(checkpoint_callback, "last_model_path", "") or best
        if best:
            summary["model_checkpoint/best"] = str(best)
        if latest:
            summary["model_checkpoint/latest"] = str(latest)

    def watch(self, model: Any, log: str | None = "gradients", log_freq: int = 100,
              log_graph: bool = True) -> None:
        """W&B's gradient/parameter histograms; sweeplab does not log them (one warning)."""
        del model, log, log_freq, log_graph
        warnings.warn(
            "SweeplabLogger.watch() does nothing: sweeplab logs no gradient or parameter "
            "histograms",
            UserWarning,
            stacklevel=2,
        )


WandbLogger = SweeplabLogger


def _plain_params(params: Mapping[str, Any] | Namespace | None) -> dict[str, Any]:
    """Hyperparameters as a dict; callables (a model class, an activation) by their name."""
    if params is None:
        return {}
    values = vars(params) if isinstance(params, Namespace) else dict(params)
    return {str(key): _plain_value(value) for key, value in values.items()}


def _plain_value(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(key): _plain_value(item) for key, item in value.items()}
    if isinstance(value, Namespace):
        return _plain_params(value)
    if callable(value):
        return getattr(value, "__name__", None) or type(value).__name__
    return value
