"""One model-based proposal: warp the losses, fit the GP, add fantasies, maximize log EI."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sweeplab.search.bayes.gp import (
    Hyperparameters,
    ModelFitError,
    default_hyperparameters,
    fit_hyperparameters,
    posterior,
)
from sweeplab.search.bayes.kernel import FeatureMap
from sweeplab.search.bayes.observations import Observations
from sweeplab.search.bayes.optimize import Budget, maximize_log_ei
from sweeplab.search.bayes.space import CategoricalDim, SearchSpace
from sweeplab.search.bayes.subset import training_subset
from sweeplab.search.bayes.warping import fit_warp

# Observations used to fit hyperparameters, and to condition the posterior on.
FIT_LIMIT = 150
CONDITION_LIMIT = 300
# Pending runs beyond this many (the most recent are kept) are not fantasized.
FANTASY_LIMIT = 64
_ANCHORS = 5


@dataclass(frozen=True)
class Proposal:
    row: np.ndarray
    info: dict[str, Any]


def budget_for(count: int) -> tuple[Budget, int, int]:
    """Search budget, L-BFGS iterations for the hyperparameters and number of fit starts."""
    if count <= 100:
        return Budget(), 60, 2
    if count <= 300:
        return Budget(random_candidates=512, local_candidates=256, starts=3), 40, 1
    return Budget(random_candidates=512, local_candidates=128, starts=3), 30, 1


def propose(
    space: SearchSpace,
    observations: Observations,
    rng: np.random.Generator,
    excluded: set[tuple[int, ...]] | None,
) -> Proposal | None:
    """The row maximizing log EI and what to report about it (None: all candidates excluded).

    Raises :class:`ModelFitError` when the GP cannot be fitted.
    """
    rows, losses = observations.rows, observations.losses
    warp = fit_warp(losses)
    targets = warp.forward(losses)
    cardinalities = np.array(
        [d.cardinality if isinstance(d, CategoricalDim) else 0 for d in space.dims]
    )
    feature_map = FeatureMap(space.categorical_columns, cardinalities)
    budget, fit_iterations, fit_starts = budget_for(len(losses))

    fit_index = training_subset(targets, FIT_LIMIT, rng)
    starts = _starts(space.width, fit_starts)
    hyper = fit_hyperparameters(
        rows[fit_index], targets[fit_index], feature_map, starts, fit_iterations
    )
    condition_index = training_subset(targets, CONDITION_LIMIT, rng)
    model = posterior(rows[condition_index], targets[condition_index], hyper, feature_map)
    pending = observations.pending[-FANTASY_LIMIT:]
    model = model.with_fantasies(pending)
    # Plug-in incumbent: the best posterior mean over evaluated (and fantasized) points.
    incumbent = float(np.min(model.training_mean()))
    anchors = model.rows[np.argsort(model.training_mean())[:_ANCHORS]]
    choice = maximize_log_ei(
        model, incumbent, space, anchors=anchors, rng=rng, budget=budget, excluded=excluded
    )
    if choice is None:
        return None
    sigma = float(np.sqrt(choice.variance))
    low, mid, high = warp.inverse(np.array([choice.mean - sigma, choice.mean, choice.mean + sigma]))
    info: dict[str, Any] = {
        "acquisition": "log_expected_improvement",
        "log_expected_improvement": choice.log_ei,
        "predicted_loss": float(mid),
        "predicted_loss_interval": [float(low), float(high)],
        "training_points": len(condition_index),
        "fantasized_pending": len(pending),
        "lengthscales": {
            ".".join(dim.path): float(scale)
            for dim, scale in zip(space.dims, hyper.lengthscales, strict=True)
        },
        # Share of the (standardized, unit) variance of the observations the model calls noise.
        "noise_share": min(hyper.noise, 1.0),
        "output_warp_lambda": warp.lam,
    }
    return Proposal(choice.row, info)


def _starts(width: int, count: int) -> list[Hyperparameters]:
    """The default start, then one with shorter lengthscales (a wigglier objective)."""
    default = default_hyperparameters(width)
    shorter = Hyperparameters(default.weights * 16.0, default.signal, 1e-2)
    return [default, shorter][:count]


__all__ = ["ModelFitError", "Proposal", "propose"]
