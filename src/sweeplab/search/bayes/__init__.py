"""sweeplab's Bayesian optimizer: ``next_suggestion(config, history, rng)``.

A Gaussian process (Matérn-5/2 ARD, learned noise, MAP hyperparameters) on an encoding of the
search space (:mod:`.space`), maximizing log expected improvement against the best posterior
mean, after a space-filling initial design. See ``docs/bayes.md`` for the algorithm, its
choices and measurements.

The suggestion's ``info`` says which phase produced it (``initial``, ``model`` or
``fallback`` with ``fallback_reason``), how many runs were used and how, and for model
suggestions the prediction at the point in metric units.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from sweeplab.domain.records import RunRecord, Suggestion
from sweeplab.errors import SearchError
from sweeplab.search.base import Exhausted, SearchResult
from sweeplab.search.bayes.design import initial_design_size, space_filling_row
from sweeplab.search.bayes.gp import ModelFitError
from sweeplab.search.bayes.model import propose
from sweeplab.search.bayes.observations import Observations, gather
from sweeplab.search.bayes.space import SearchSpace, build_space
from sweeplab.sweep_config.sweep import Goal, MetricSpec, SweepConfig

# The model needs at least this many observations (with differing values or not).
MIN_OBSERVATIONS = 2


def next_suggestion(
    config: SweepConfig, history: Sequence[RunRecord], rng: np.random.Generator
) -> SearchResult:
    """The next configuration to run, or :class:`Exhausted` when a discrete space is used up."""
    metric = config.metric
    if metric is None:
        raise SearchError(
            "bayes search needs a metric to optimize: add "
            "'metric: {name: <logged key>, goal: minimize|maximize}' to the sweep config"
        )
    space = build_space(config.flat_parameters())
    observations = gather(space, metric, history)
    excluded = space.member_keys(observations.occupied) if space.is_discrete else None
    if excluded is not None and len(excluded) >= space.size:
        return Exhausted(
            f"every point of this discrete search space has been run ({space.size} points)"
        )

    if space.width == 0:
        # Only constants: the one possible config, once (as grid search does).
        return Suggestion(config=space.decode(np.empty(0)), info={"phase": "initial"})

    info: dict[str, Any] = {
        "observations": observations.count,
        "imputed": observations.imputed,
        "pending": len(observations.pending),
        "ignored_unencodable": observations.unencodable,
        "ignored_unimputable": observations.unimputable,
        "initial_design_size": initial_design_size(space.width),
    }
    in_design = len(observations.occupied) < initial_design_size(space.width)
    if in_design or observations.count < MIN_OBSERVATIONS:
        info["phase"] = "initial"
        if not in_design:
            info["reason"] = f"waiting for {MIN_OBSERVATIONS} runs with a metric value"
        return _space_filling(space, observations, rng, excluded, info)
    try:
        proposal = propose(space, observations, rng, excluded)
    except (ModelFitError, np.linalg.LinAlgError) as error:
        info["phase"] = "fallback"
        info["fallback_reason"] = f"the Gaussian process could not be fitted: {error}"
        return _space_filling(space, observations, rng, excluded, info)
    if proposal is None:
        info["phase"] = "fallback"
        info["fallback_reason"] = "every candidate point has already been run"
        return _space_filling(space, observations, rng, excluded, info)
    info["phase"] = "model"
    info.update(_in_metric_units(proposal.info, metric))
    return Suggestion(config=space.decode(proposal.row), info=info)


def _in_metric_units(model_info: dict[str, Any], metric: MetricSpec) -> dict[str, Any]:
    """Report predictions as values of the metric (losses are negated for maximize)."""
    out = dict(model_info)
    loss = out.pop("predicted_loss")
    low, high = out.pop("predicted_loss_interval")
    if metric.goal is Goal.MAXIMIZE:
        loss, low, high = -loss, -high, -low
    out["predicted_value"] = loss
    out["predicted_value_interval"] = [low, high]
    return out


def _space_filling(
    space: SearchSpace,
    observations: Observations,
    rng: np.random.Generator,
    excluded: set[tuple[int, ...]] | None,
    info: dict[str, Any],
) -> SearchResult:
    row = space_filling_row(space, observations.occupied, rng, excluded)
    if row is None:
        assert excluded is not None
        row = _first_free_row(space, excluded, rng)
    return Suggestion(config=space.decode(row), info=info)


def _first_free_row(
    space: SearchSpace, excluded: set[tuple[int, ...]], rng: np.random.Generator
) -> np.ndarray:
    """An unexcluded point of a discrete space, scanning from a random index.

    Only reached when random candidates all hit run points, so at most ``len(excluded) + 1``
    points are tried before a free one is found (the caller checked one exists).
    """
    start = int(rng.integers(space.size)) if space.size < 2**63 else 0
    for offset in range(len(excluded) + 1):
        key = space.key_of_index((start + offset) % space.size)
        if key not in excluded:
            return space.row_of_key(key)
    raise SearchError("no free point left in the discrete search space")


__all__ = ["next_suggestion"]
