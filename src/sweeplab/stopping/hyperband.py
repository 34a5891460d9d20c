"""W&B-compatible hyperband early termination: which running runs to stop, and why.

The rule reproduces the decisions of W&B's open-source engine (``sweeps`` 0.3.0), with the
defects listed at the end fixed.

**Bands.** A band is an iteration count at which runs are compared.

- From ``min_iter``: ``min_iter·eta^k`` truncated to an integer, for k = 0 … 99 (W&B makes
  exactly 100 bands this way; a run past the last one keeps being judged at the last one).
- From ``max_iter`` and ``s``: ``max_iter/eta^k`` truncated, for k = 1, 2, … while k ≤ s and
  the quotient is at least 1, sorted ascending. ``max_iter`` with ``s`` wins over ``min_iter``.

**Iteration.** A run's iteration is the number of *finite* values it has logged for the
metric; NaN and ±Inf are skipped as if never logged. A run has reached band ``b`` once it has at
least ``b`` finite values; its value at the band is its ``b``-th finite value.

**Threshold.** For each band, take the value at that band of every run that reached it, in any
state (running, finished, crashed, …). With these ``n`` values sorted best first, the threshold
is the one at position ``int(n/eta)`` (0-based; W&B computes ``int((1/eta)·n)``, and so do we).
Maximized metrics are negated first, so "best" always means "lowest loss".

**Judgement.** Only ``running`` runs are judged, each at the highest band it has reached. The
compared value is the run's value at that band if ``strict`` (W&B's default, and ours), or its
best value so far — over its whole history, including values after the band — if not. A run
whose compared value is worse than the threshold is stopped; equal is kept.

**A run alone at its band (sweeplab's choice).** In W&B a run that is the only one to reach its
highest band is its own threshold, so the run that is furthest ahead can never be stopped, however
it did at earlier bands. Here such a run is judged instead at the highest band it shares with at
least one other run, by the same rule. A run that shares no band with any other run (the first
run of a sweep, the only run) is kept. This never stops a sweep's only run, and never stops the
best run at the band it is judged at. Only this case can differ from W&B.

**Missing data.** A run with no finite value for the metric (metric never logged, or only NaN)
has reached no band: it gets no decision and never counts toward a threshold. Nothing is ever
stopped for lack of data.

**Fixed W&B defects.** A float ``s`` works (``s=2.5`` allows k = 1, 2); W&B crashes on it.
``min_iter`` bands that overflow a float are dropped instead of crashing (no run is that long).
Each decision carries its own reason and details. Duplicate bands (from a small ``eta``) are
merged; they never changed a decision.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sweeplab.domain import RunRecord, RunState, StopDecision
from sweeplab.errors import ConfigError, Violation
from sweeplab.sweep_config.sweep import Goal, HyperbandSpec, MetricSpec

# W&B builds this many bands from min_iter, no more.
_MIN_ITER_BAND_COUNT = 100

# A band is judged against the others only if at least this many runs reached it.
_RUNS_NEEDED_TO_COMPARE = 2


def hyperband_bands(spec: HyperbandSpec) -> tuple[int, ...]:
    """The iteration counts at which runs are compared, ascending and without duplicates.

    Raises :class:`ConfigError` if the spec gives no band at all, naming what to change.
    """
    if not spec.eta > 1:  # also rejects NaN
        raise ConfigError(
            [Violation("early_terminate.eta", f"must be greater than 1, got {spec.eta!r}")]
        )
    if spec.max_iter is not None and spec.s is not None:
        bands = _bands_below_max_iter(spec.max_iter, spec.s, spec.eta)
        if not bands:
            raise ConfigError(
                [
                    Violation(
                        "early_terminate",
                        f"max_iter={spec.max_iter}, eta={spec.eta:g} and s={spec.s:g} give no "
                        f"band (a band is max_iter/eta^k for k = 1 … s, and must be at least 1): "
                        f"set s to at least 1 and max_iter to at least eta ({spec.eta:g}), "
                        f"or use min_iter instead",
                    )
                ]
            )
    elif spec.min_iter is not None:
        if spec.min_iter < 1:
            raise ConfigError(
                [Violation("early_terminate.min_iter", f"must be at least 1, got {spec.min_iter}")]
            )
        bands = _bands_from_min_iter(spec.min_iter, spec.eta)
    else:
        raise ConfigError(
            [Violation("early_terminate", "hyperband needs min_iter, or max_iter with s")]
        )
    return tuple(sorted(set(bands)))


def _bands_below_max_iter(max_iter: int, s: float, eta: float) -> list[int]:
    # Divide step by step, as W&B does, so float rounding lands on the same integers.
    bands: list[int] = []
    band: float = max_iter
    k = 1
    while k <= s:  # a float s counts the whole k it allows; NaN allows none
        band /= eta
        if band < 1:
            break
        bands.append(int(band))
        k += 1
    return bands


def _bands_from_min_iter(min_iter: int, eta: float) -> list[int]:
    # Multiply step by step, as W&B does (an int eta keeps the arithmetic exact).
    bands: list[int] = []
    band: float = min_iter
    for _ in range(_MIN_ITER_BAND_COUNT):
        if band == float("inf"):
            break  # W&B crashes here; bands this large are never reached anyway
        bands.append(int(band))
        band *= eta
    return bands


@dataclass(frozen=True)
class _Band:
    """One band with the values (as losses, best first) of every run that reached it."""

    index: int  # 0-based position in the bands
    iteration: int
    sorted_losses: tuple[float, ...]

    @property
    def run_count(self) -> int:
        return len(self.sorted_losses)

    def threshold_position(self, keep_fraction: float) -> int:
        return int(keep_fraction * self.run_count)


def hyperband_decisions(
    spec: HyperbandSpec, metric: MetricSpec, runs: Sequence[RunRecord]
) -> list[StopDecision]:
    """Judge every running run that reached at least one band, in the order given.

    ``runs`` are all the runs of the sweep, in any state; each decision says whether to stop the
    run and why (``reason`` for people, ``details`` for programs). Inputs are not modified.
    """
    iterations = hyperband_bands(spec)
    losses_by_run = [_losses(run, metric) for run in runs]
    bands = [
        _Band(index, iteration, _sorted_losses_at(iteration, losses_by_run))
        for index, iteration in enumerate(iterations)
    ]
    decisions: list[StopDecision] = []
    for run, losses in zip(runs, losses_by_run, strict=True):
        if run.state is not RunState.RUNNING:
            continue
        reached = bisect_right(iterations, len(losses))
        if reached == 0:
            continue
        decisions.append(_judge(run.run_id, losses, bands[:reached], spec, metric))
    return decisions


def _losses(run: RunRecord, metric: MetricSpec) -> tuple[float, ...]:
    """The run's finite metric values, negated for a maximized metric (lower is better)."""
    values = run.finite_metric_values(metric.name)
    if metric.goal is Goal.MAXIMIZE:
        return tuple(-value for value in values)
    return values


def _sorted_losses_at(
    iteration: int, losses_by_run: Sequence[tuple[float, ...]]
) -> tuple[float, ...]:
    """Every run's loss at ``iteration``, best first, from the runs that got that far."""
    return tuple(
        sorted(losses[iteration - 1] for losses in losses_by_run if len(losses) >= iteration)
    )


def _judge(
    run_id: str,
    losses: tuple[float, ...],
    reached: Sequence[_Band],
    spec: HyperbandSpec,
    metric: MetricSpec,
) -> StopDecision:
    highest = reached[-1]
    shared = [band for band in reached if band.run_count >= _RUNS_NEEDED_TO_COMPARE]
    band = shared[-1] if shared else highest
    loss = losses[band.iteration - 1] if spec.strict else min(losses)
    details: dict[str, Any] = {
        "rule": "hyperband",
        "metric": metric.name,
        "goal": metric.goal.value,
        "strict": spec.strict,
        "eta": spec.eta,
        "iteration": len(losses),
        "band": band.iteration,
        "band_index": band.index + 1,
        "highest_band": highest.iteration,
        "highest_band_index": highest.index + 1,
        "judged_below_highest_band": band is not highest,
        "compared": "value_at_band" if spec.strict else "best_so_far",
        "value": _as_metric(loss, metric),
        "runs_at_band": band.run_count,
        "threshold": None,
        "threshold_rank": None,
    }
    at_band = f"band {band.index + 1} (iteration {band.iteration})"
    compared = (
        f"{metric.name} at iteration {band.iteration} was {_show(loss, metric)}"
        if spec.strict
        else f"best {metric.name} so far is {_show(loss, metric)}"
    )
    if not shared:
        reason = (
            f"kept at {at_band}: no other run has reached this band yet, so there is "
            f"nothing to compare it with ({compared})"
        )
        return StopDecision(run_id=run_id, should_stop=False, reason=reason, details=details)

    position = band.threshold_position(1.0 / spec.eta)
    threshold = band.sorted_losses[position]
    should_stop = loss > threshold
    details["threshold"] = _as_metric(threshold, metric)
    details["threshold_rank"] = position + 1
    verdict = "worse than" if should_stop else "within"
    reason = (
        f"{'stopped' if should_stop else 'kept'} at {at_band}: {compared}, {verdict} the "
        f"threshold {_show(threshold, metric)} set by the best 1/{spec.eta:g} of "
        f"{band.run_count} runs that reached this band"
    )
    if band is not highest:
        reason += (
            f"; it is the only run at its highest band {highest.index + 1} (iteration "
            f"{highest.iteration}), so it is judged at the highest band it shares with others"
        )
    return StopDecision(run_id=run_id, should_stop=should_stop, reason=reason, details=details)


def _as_metric(loss: float, metric: MetricSpec) -> float:
    """Undo the negation of a maximized metric, so users see the values they logged."""
    return -loss if metric.goal is Goal.MAXIMIZE else loss


def _show(loss: float, metric: MetricSpec) -> str:
    return f"{_as_metric(loss, metric):.6g}"
