"""Turn the sweep's history into training data: what the model observes and what is in flight.

Every value is turned into a loss (negated when the goal is ``maximize``), so the rest of the
package always minimizes. Per run state:

* ``finished``: its metric (:meth:`RunRecord.summary_metric`: the summary, else the last logged
  value). A missing or non-finite metric counts as a failure.
* ``failed`` / ``crashed``: imputed by ``metric.impute``:
  ``worst`` — the worst finite value of the metric seen in the sweep (any run, any step);
  ``best`` — the run's own best finite logged value; ``latest`` — its last finite logged value.
  ``best``/``latest`` fall back to ``worst`` when the run logged nothing finite.
* ``stopped`` (by hyperband or a user): a stopped run that logged a finite metric is an
  observation at that value — it was stopped *because* it trailed its peers at the same
  iteration, so its value is informative and imputing ``worst`` would throw that away (and,
  with hyperband stopping most runs, wreck the model). Without a finite value it is imputed
  like a failed run.
* ``running``: with ``impute_while_running: false`` (the default) it is *pending*; otherwise
  ``worst`` (the sweep's worst value), ``best`` (its best value so far) or ``latest`` (its last
  value); a running run with nothing logged yet stays pending.
* ``pending``: pending.

When the sweep has no finite value at all, runs that need ``worst`` cannot be imputed and are
left out (counted in ``unimputable``). Runs whose config cannot be encoded are counted in
``unencodable`` and left out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sweeplab.domain.records import RunRecord
from sweeplab.domain.states import RunState
from sweeplab.search.bayes.space import SearchSpace
from sweeplab.sweep_config.sweep import Goal, Impute, ImputeWhileRunning, MetricSpec


@dataclass(frozen=True)
class Observations:
    """Training data in loss form (lower is better) and the points still in flight."""

    rows: np.ndarray  # (n, width) encoded configs of observed runs
    losses: np.ndarray  # (n,) their loss values
    pending: np.ndarray  # (p, width) encoded configs of pending/running runs
    occupied: np.ndarray  # (m, width) every encodable run in any state (for discrete dedupe)
    imputed: int  # how many of ``losses`` are imputed
    unimputable: int
    unencodable: int

    @property
    def count(self) -> int:
        return len(self.losses)


def gather(space: SearchSpace, metric: MetricSpec, history: Sequence[RunRecord]) -> Observations:
    """Training data and pending points of ``history`` (see the module docstring)."""
    rows, valid = space.encode([run.config for run in history])
    sign = -1.0 if metric.goal is Goal.MAXIMIZE else 1.0
    worst = _worst_loss(metric.name, history, sign)
    observed_rows: list[np.ndarray] = []
    losses: list[float] = []
    pending_rows: list[np.ndarray] = []
    imputed = unimputable = 0
    for run, row, ok in zip(history, rows, valid, strict=True):
        if not ok:
            continue
        loss, was_imputed = _loss_of(run, metric, sign, worst)
        if isinstance(loss, _Pending):
            pending_rows.append(row)
        elif loss is None:
            unimputable += 1
        else:
            observed_rows.append(row)
            losses.append(float(loss))
            imputed += int(was_imputed)
    width = space.width
    return Observations(
        rows=np.array(observed_rows, dtype=float).reshape(len(observed_rows), width),
        losses=np.array(losses, dtype=float),
        pending=np.array(pending_rows, dtype=float).reshape(len(pending_rows), width),
        occupied=rows[valid],
        imputed=imputed,
        unimputable=unimputable,
        unencodable=int((~valid).sum()),
    )


class _Pending:
    """Marker: the run is in flight and its value is unknown."""


_PENDING = _Pending()


def _loss_of(
    run: RunRecord, metric: MetricSpec, sign: float, worst: float | None
) -> tuple[float | _Pending | None, bool]:
    """(loss, imputed?) for one run; the loss is ``_PENDING`` for runs in flight."""
    name = metric.name
    if run.state is RunState.PENDING:
        return _PENDING, False
    if run.state is RunState.RUNNING:
        if metric.impute_while_running is ImputeWhileRunning.FALSE:
            return _PENDING, False
        if metric.impute_while_running is ImputeWhileRunning.WORST:
            return worst, True
        own = _own_value(run, name, sign, metric.impute_while_running.value)
        return (_PENDING, False) if own is None else (own, True)
    summary = run.summary_metric(name)
    has_value = summary is not None and math.isfinite(summary)
    if has_value and run.state in (RunState.FINISHED, RunState.STOPPED):
        assert summary is not None
        return sign * summary, False
    if run.state is RunState.STOPPED and run.finite_metric_values(name):
        # A non-finite summary but finite logged values: the last finite one is what it reached.
        return sign * run.finite_metric_values(name)[-1], False
    # Failed, crashed, or finished/stopped without a finite metric.
    if metric.impute is Impute.WORST:
        return worst, True
    own = _own_value(run, name, sign, metric.impute.value)
    return (worst if own is None else own), True


def _own_value(run: RunRecord, name: str, sign: float, mode: str) -> float | None:
    """The run's own best or latest finite loss, or None when it logged nothing finite."""
    losses = [sign * value for value in run.finite_metric_values(name)]
    if not losses:
        return None
    return min(losses) if mode == "best" else losses[-1]


def _worst_loss(name: str, history: Sequence[RunRecord], sign: float) -> float | None:
    """The largest finite loss anywhere in the sweep (summaries and logged values)."""
    worst: float | None = None
    for run in history:
        candidates = [sign * value for value in run.finite_metric_values(name)]
        summary = run.summary_metric(name)
        if summary is not None and math.isfinite(summary):
            candidates.append(sign * summary)
        if candidates:
            run_worst = max(candidates)
            worst = run_worst if worst is None else max(worst, run_worst)
    return worst
