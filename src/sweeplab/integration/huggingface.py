"""A Hugging Face ``transformers`` callback: ``Trainer(..., callbacks=[SweeplabCallback()])``.

Follows transformers' own ``WandbCallback`` (also importable here under that name), so runs look
the same as under W&B:

- **run**: the current run if there is one (inside a sweep agent: the claimed run), else
  ``sweeplab.init()`` at the start of training, named ``args.run_name``, in the project
  ``SWEEPLAB_PROJECT`` / ``WANDB_PROJECT``, else ``huggingface``.
- **config**: the model's config and then the ``TrainingArguments`` (``args.to_dict()``,
  which win on equal keys), plus ``model/num_parameters``.
- **on_log** → one history row: ``loss`` → ``train/loss``, ``eval_loss`` → ``eval/loss``,
  ``test_*`` → ``test/*``, with ``train/global_step``. The end-of-training totals
  (``train_runtime``, ``train_loss``, ``total_flos``, ...) go to the summary only.
- **stopping**: when a sweep stops the run, training ends at the next step boundary
  (``control.should_training_stop``) and ``callback.run_stopped`` holds the
  ``RunStopped``.

Pass ``report_to="none"`` in ``TrainingArguments`` so that transformers does not add its own
W&B callback as well. The run is left open after ``train()`` (``evaluate()`` may still log);
``sweeplab.finish()``, the agent or interpreter exit ends it, as with W&B.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sweeplab.errors import RunStopped
from sweeplab.integration.frameworks import require
from sweeplab.integration.run_link import RunLink, numbers_only

if TYPE_CHECKING:
    from sweeplab.sdk.tracked_run import Run

_transformers: Any = require(
    "transformers",
    framework="Hugging Face transformers",
    extra="huggingface",
    integration="sweeplab.integration.huggingface",
)

DEFAULT_PROJECT = "huggingface"
STEP_KEY = "train/global_step"
# Logged once, at the end of training: summary values, not history.
SINGLE_VALUE_SCALARS = frozenset(
    {"train_runtime", "train_samples_per_second", "train_steps_per_second", "train_loss",
     "total_flos"}
)


class SweeplabCallback(_transformers.TrainerCallback):  # type: ignore[misc]
    """Log a ``Trainer``'s configuration and metrics to a sweeplab run."""

    def __init__(self) -> None:
        self._link: RunLink | None = None

    @property
    def run(self) -> Run | None:
        """The run this callback writes to (``None`` before training starts)."""
        return self._link.run if self._link is not None else None

    @property
    def run_stopped(self) -> RunStopped | None:
        """The stop that ended training early, if a sweep stopped the run."""
        return self._link.stopped if self._link is not None else None

    def setup(self, args: Any, state: Any, model: Any = None) -> None:
        """Join or start the run and record the configuration (once per training)."""
        if not state.is_world_process_zero:
            return
        run = _current_or_new_run(args)
        self._link = RunLink(run)
        config: dict[str, Any] = {}
        model_config = getattr(model, "config", None)
        if model_config is not None:
            as_dict = model_config if isinstance(model_config, dict) else model_config.to_dict()
            config.update(as_dict)
        config.update(args.to_dict())
        run.config.update(config, allow_val_change=True)
        if hasattr(model, "num_parameters"):
            run.config["model/num_parameters"] = model.num_parameters()
        run.define_metric(STEP_KEY)
        run.define_metric("*", step_metric=STEP_KEY)

    def on_train_begin(self, args: Any, state: Any, control: Any, model: Any = None,
                       **kwargs: Any) -> None:
        if self._link is None or not self._link.active:
            self.setup(args, state, model)

    def on_log(self, args: Any, state: Any, control: Any, model: Any = None,
               logs: Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
        if self._link is None:
            self.setup(args, state, model)
        if self._link is None or not state.is_world_process_zero:
            return control
        values = numbers_only(logs)
        for key in SINGLE_VALUE_SCALARS & values.keys():
            self._link.set_summary(key, values[key])
        row = rewrite_logs({k: v for k, v in values.items() if k not in SINGLE_VALUE_SCALARS})
        if row:
            row[STEP_KEY] = state.global_step
            if not self._link.log(row):
                control.should_training_stop = True
        return control


WandbCallback = SweeplabCallback


def rewrite_logs(logs: Mapping[str, Any]) -> dict[str, Any]:
    """transformers' key layout: ``eval_x`` → ``eval/x``, ``test_x`` → ``test/x``, else
    ``train/x``."""
    rewritten: dict[str, Any] = {}
    for key, value in logs.items():
        if key.startswith("eval_"):
            rewritten[f"eval/{key.removeprefix('eval_')}"] = value
        elif key.startswith("test_"):
            rewritten[f"test/{key.removeprefix('test_')}"] = value
        else:
            rewritten[f"train/{key}"] = value
    return rewritten


def _current_or_new_run(args: Any) -> Run:
    import sweeplab
    from sweeplab.sdk.session import current_run

    current = current_run()
    if current is not None:
        return current
    project = None
    if not (os.environ.get("SWEEPLAB_PROJECT") or os.environ.get("WANDB_PROJECT")):
        project = DEFAULT_PROJECT
    run_name = getattr(args, "run_name", None)
    name = run_name if run_name and run_name != getattr(args, "output_dir", None) else None
    return sweeplab.init(project=project, name=name)
