"""Maximize the acquisition function over a mixed space.

1. Score a pool of candidates: scrambled-Sobol points over the whole space plus perturbations
   of the best points found so far (local candidates, as in SMAC and TuRBO), so that both
   exploration and fine local improvement are on offer. An all-discrete space with at most
   :data:`ENUMERATION_LIMIT` points is scored exhaustively instead.
2. Refine the best few with L-BFGS-B on the continuous columns, using the analytic gradient of
   log EI (discrete columns held fixed).
3. Polish discrete columns by local search: try every other category, and nearby values of
   integer/quantized columns, keeping the best move, for a few rounds (the mixed local search of
   Optuna's GPSampler, in spirit).

Points in ``excluded`` (already-run points of an all-discrete space) are never returned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from sweeplab.search.bayes.acquisition import (
    log_expected_improvement,
    log_expected_improvement_and_gradient,
)
from sweeplab.search.bayes.design import sobol_rows
from sweeplab.search.bayes.gp import Posterior
from sweeplab.search.bayes.space import CategoricalDim, NumericDim, SearchSpace

ENUMERATION_LIMIT = 4096
_LOCAL_SCALES = (0.01, 0.05, 0.2)
_DISCRETE_ROUNDS = 3


@dataclass(frozen=True)
class Budget:
    """How hard to search; smaller for large histories to bound latency."""

    random_candidates: int = 1024
    local_candidates: int = 256
    starts: int = 4
    lbfgs_iterations: int = 40


@dataclass(frozen=True)
class Choice:
    row: np.ndarray
    log_ei: float
    mean: float
    variance: float


def maximize_log_ei(
    posterior: Posterior,
    incumbent: float,
    space: SearchSpace,
    *,
    anchors: np.ndarray,
    rng: np.random.Generator,
    budget: Budget,
    excluded: set[tuple[int, ...]] | None = None,
) -> Choice | None:
    """The row of highest log EI, or None when every candidate is excluded.

    ``anchors`` are rows (best first) around which local candidates are drawn.
    """

    def score(rows: np.ndarray) -> np.ndarray:
        mean, variance = posterior.predict(rows)
        values = log_expected_improvement(mean, variance, incumbent)
        if excluded:
            taken = np.array([key in excluded for key in space.point_keys(rows)], dtype=bool)
            values = np.where(taken, -np.inf, values)
        return values

    pool = _candidate_pool(space, anchors, rng, budget, excluded)
    values = score(pool)
    order = np.argsort(-values)
    starts = _distinct_rows(pool[order], budget.starts)
    starts = starts[np.isfinite(score(starts))]
    if len(starts) == 0:
        return None
    continuous = np.flatnonzero(space.continuous_columns)
    if len(continuous):
        starts = _refine_continuous(posterior, incumbent, starts, continuous, budget)
    if not space.continuous_columns.all():
        starts = _polish_discrete(space, starts, score)
    final = score(starts)
    best = int(np.argmax(final))
    if not np.isfinite(final[best]):
        return None
    row = space.snap(starts[best : best + 1])
    mean, variance = posterior.predict(row)
    return Choice(row[0], float(final[best]), float(mean[0]), float(variance[0]))


def _candidate_pool(
    space: SearchSpace,
    anchors: np.ndarray,
    rng: np.random.Generator,
    budget: Budget,
    excluded: set[tuple[int, ...]] | None,
) -> np.ndarray:
    if space.is_discrete and space.size <= ENUMERATION_LIMIT:
        rows = space.all_rows()
        if excluded:
            free = [key not in excluded for key in space.point_keys(rows)]
            rows = rows[np.asarray(free, dtype=bool)]
        return rows
    parts = [sobol_rows(space, budget.random_candidates, rng)]
    if len(anchors):
        parts.append(_local_candidates(space, anchors, budget.local_candidates, rng))
    return np.concatenate(parts)


def _local_candidates(
    space: SearchSpace, anchors: np.ndarray, count: int, rng: np.random.Generator
) -> np.ndarray:
    """Perturbations of the anchors: Gaussian steps on numeric columns, category flips."""
    centers = anchors[np.arange(count) % len(anchors)]
    scales = np.asarray(_LOCAL_SCALES)[rng.integers(len(_LOCAL_SCALES), size=count)]
    # Perturb each column with probability min(1, 20/d) (as TuRBO does), and at least one.
    width = space.width
    mask = rng.random((count, width)) < min(1.0, 20.0 / width)
    mask[np.arange(count), rng.integers(width, size=count)] = True
    rows = centers.copy()
    for column, dim in enumerate(space.dims):
        change = mask[:, column]
        if isinstance(dim, CategoricalDim):
            flips = rng.random(count) < 0.5
            drawn = dim.from_uniform(rng.random(count))
            rows[:, column] = np.where(change & flips, drawn, rows[:, column])
        else:
            step = rng.normal(size=count) * scales
            rows[:, column] = np.where(change, rows[:, column] + step, rows[:, column])
    return space.snap(rows)


def _distinct_rows(rows: np.ndarray, count: int) -> np.ndarray:
    _, first = np.unique(np.round(rows, 12), axis=0, return_index=True)
    return rows[np.sort(first)[:count]]


def _refine_continuous(
    posterior: Posterior,
    incumbent: float,
    starts: np.ndarray,
    columns: np.ndarray,
    budget: Budget,
) -> np.ndarray:
    """Batched L-BFGS-B on the continuous columns (the sum over starts is separable)."""
    batch = len(starts)
    template = starts.copy()

    def negative(flat: np.ndarray) -> tuple[float, np.ndarray]:
        rows = template.copy()
        rows[:, columns] = flat.reshape(batch, len(columns))
        mean, variance, d_mean, d_var = posterior.predict_with_gradient(rows, columns)
        value, gradient = log_expected_improvement_and_gradient(
            mean, variance, d_mean, d_var, incumbent
        )
        return -float(value.sum()), -gradient.ravel()

    result = optimize.minimize(
        negative,
        starts[:, columns].ravel(),
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, 1.0)] * (batch * len(columns)),
        options={"maxiter": budget.lbfgs_iterations},
    )
    refined = template.copy()
    refined[:, columns] = np.clip(result.x, 0.0, 1.0).reshape(batch, len(columns))
    # L-BFGS-B may stop on a worse point for one start while improving the sum; keep the better.
    mean_old, var_old = posterior.predict(starts)
    mean_new, var_new = posterior.predict(refined)
    old = log_expected_improvement(mean_old, var_old, incumbent)
    new = log_expected_improvement(mean_new, var_new, incumbent)
    return np.where((new >= old)[:, None], refined, starts)


def _neighbour_positions(dim: NumericDim | CategoricalDim, position: float) -> np.ndarray:
    """Other positions of a discrete column worth trying from ``position``."""
    if isinstance(dim, CategoricalDim):
        allowed = dim.allowed.astype(float)
        return np.asarray(allowed[allowed != position])
    assert dim.step is not None
    k = int(dim.step_index(np.array(position)))
    if dim.cardinality <= 16:
        ks = np.arange(dim.k_min, dim.k_max + 1)
    else:
        offsets = 2 ** np.arange(int(np.log2(dim.cardinality)) + 1)
        ks = np.unique(np.clip(np.concatenate([k - offsets, k + offsets]), dim.k_min, dim.k_max))
    ks = ks[ks != k]
    return dim.to_unit(ks * dim.step)


def _polish_discrete(
    space: SearchSpace, rows: np.ndarray, score: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """Greedy one-column moves on discrete columns, best move per row and round."""
    rows = rows.copy()
    current = score(rows)
    discrete = [c for c, dim in enumerate(space.dims) if dim.is_discrete]
    for _ in range(_DISCRETE_ROUNDS):
        trials: list[np.ndarray] = []
        owners: list[int] = []
        for index, row in enumerate(rows):
            for column in discrete:
                for position in _neighbour_positions(space.dims[column], row[column]):
                    trial = row.copy()
                    trial[column] = position
                    trials.append(trial)
                    owners.append(index)
        if not trials:
            break
        trial_rows = np.array(trials)
        values = score(trial_rows)
        owner_array = np.array(owners)
        improved = False
        for index in range(len(rows)):
            mine = np.flatnonzero(owner_array == index)
            best = mine[int(np.argmax(values[mine]))]
            if values[best] > current[index] + 1e-12:
                rows[index] = trial_rows[best]
                current[index] = values[best]
                improved = True
        if not improved:
            break
    return rows
