"""The claim planner: given a locked sweep and its runs, decide what runs next.

This is the heart of ``claim_run``. It is a pure function of the sweep's config, its seed and
its runs, so every store calls it inside its own transaction and parallel agents always agree.

Order of checks, each ending the sweep (``finished``) with a reason that says why:

1. **metric target** — a run whose summary value of the metric reached ``metric.target``
   (``<=`` for minimize, ``>=`` for maximize). As in W&B, any run counts, in any state: the
   value was reached, so the search is over. Runs already going keep going; no new one starts.
2. **run_cap** — the sweep has ``run_cap`` runs (in any state: a crashed run used its slot).
3. **the search method** — :func:`sweeplab.search.suggest` returns a suggestion, or
   ``Exhausted`` (a finished grid).

A grid suggestion carries ``point_key`` (its grid index), which stores keep unique per sweep.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from sweeplab.domain import RunRecord, SweepRecord, SweepState
from sweeplab.search import Exhausted, suggest
from sweeplab.store.base import ClaimPlanner, PlannedRun, SweepDone
from sweeplab.sweep_config import Goal, MetricSpec, SweepConfig


def plan_next_run(
    config: SweepConfig, seed: int, runs: Sequence[RunRecord]
) -> PlannedRun | SweepDone:
    """What the sweep does next, given every run it has (configs, states, summaries)."""
    history = sorted(runs, key=lambda run: run.created_at)
    reached = target_reached(config.metric, history)
    if reached is not None:
        return SweepDone(SweepState.FINISHED, reached)
    if config.run_cap is not None and len(history) >= config.run_cap:
        return SweepDone(SweepState.FINISHED, f"run_cap of {config.run_cap} reached")
    result = suggest(config, history, seed)
    if isinstance(result, Exhausted):
        return SweepDone(SweepState.FINISHED, result.reason)
    grid_index = result.info.get("grid_index")
    return PlannedRun(
        config=result.config,
        suggestion_info=result.info,
        point_key=None if grid_index is None else str(grid_index),
    )


def make_planner(config: SweepConfig) -> ClaimPlanner:
    """A :data:`~sweeplab.store.base.ClaimPlanner` for a sweep with this (parsed) config."""

    def planner(sweep: SweepRecord, runs: Sequence[RunRecord]) -> PlannedRun | SweepDone:
        return plan_next_run(config, sweep.seed, runs)

    return planner


def target_reached(metric: MetricSpec | None, runs: Sequence[RunRecord]) -> str | None:
    """Why the sweep's metric target counts as reached, or None if no run reached it."""
    if metric is None or metric.target is None:
        return None
    for run in runs:
        value = run.summary_metric(metric.name)
        if value is None or not math.isfinite(value):
            continue
        if value <= metric.target if metric.goal is Goal.MINIMIZE else value >= metric.target:
            return (
                f"metric target reached: run {run.run_id} has {metric.name}={value:g} "
                f"(target {metric.target:g}, goal {metric.goal.value})"
            )
    return None
