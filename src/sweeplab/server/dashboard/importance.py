"""Which sweep parameters matter for the metric: importance and correlation, per parameter.

Two numbers per parameter, computed on the server over every run that has a finite metric value:

- **correlation**: Spearman's rank correlation between the parameter and the metric (numeric
  parameters only; a categorical one has no order). It is monotone and scale-free, so a
  log-scaled learning rate needs no transform, and it says in which direction the metric moves.
- **importance**: the share of the metric's variance the parameter explains in a small random
  forest fitted from all parameters to the metric (:mod:`.forest`, mean decrease in impurity,
  normalised to sum to 1). Unlike the correlation it sees non-monotone effects and
  interactions, and it covers categorical parameters (encoded by category index: a tree can
  separate any category from the rest in a few splits).

Missing values (a parameter absent from some runs' configs) are encoded below every observed
value, so a tree can split them off.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sweeplab.server.dashboard.forest import ForestSettings, forest_importances
from sweeplab.server.dashboard.sweep_table import ParamColumn

# Fewer runs than this give importances that are mostly noise; the page says so instead.
MIN_RUNS_FOR_IMPORTANCE = 5


@dataclass(frozen=True)
class ParamImportance:
    """One parameter's importance (share of explained variance) and Spearman correlation."""

    name: str
    importance: float | None
    correlation: float | None


@dataclass(frozen=True)
class ImportanceReport:
    """Importances of every parameter, most important first, and how many runs they rest on."""

    rows: tuple[ParamImportance, ...]
    run_count: int
    note: str = ""


def parameter_importance(
    columns: Sequence[ParamColumn], metric: Sequence[float | None], seed: int = 0
) -> ImportanceReport:
    """Importance and correlation of each column for ``metric`` (one value per run)."""
    usable = [
        index for index, value in enumerate(metric) if value is not None and math.isfinite(value)
    ]
    if len(usable) < MIN_RUNS_FOR_IMPORTANCE:
        rows = tuple(ParamImportance(column.name, None, None) for column in columns)
        note = (
            f"importance needs at least {MIN_RUNS_FOR_IMPORTANCE} runs with a finite metric "
            f"value; this sweep has {len(usable)}"
        )
        return ImportanceReport(rows, len(usable), note)
    target = np.asarray([metric[index] for index in usable], dtype=np.float64)
    matrix = np.column_stack([_encoded(column, usable) for column in columns])
    importances = forest_importances(matrix, target, ForestSettings(seed=seed))
    rows = tuple(
        ParamImportance(
            name=column.name,
            importance=float(importances[position]),
            correlation=(
                None if column.categories is not None else _spearman(column, usable, target)
            ),
        )
        for position, column in enumerate(columns)
    )
    ranked = tuple(sorted(rows, key=lambda row: -(row.importance or 0.0)))
    return ImportanceReport(ranked, len(usable))


def _encoded(column: ParamColumn, usable: Sequence[int]) -> NDArray[np.float64]:
    """The column's values for the usable runs, missing ones encoded below the minimum."""
    raw = [column.values[index] for index in usable]
    present = [value for value in raw if value is not None and math.isfinite(value)]
    missing = (min(present) - 1.0) if present else 0.0
    return np.asarray(
        [value if value is not None and math.isfinite(value) else missing for value in raw],
        dtype=np.float64,
    )


def _spearman(
    column: ParamColumn, usable: Sequence[int], target: NDArray[np.float64]
) -> float | None:
    """Spearman's rho over the runs that have a value; None if either side is constant."""
    pairs = [
        (value, float(target[position]))
        for position, index in enumerate(usable)
        if (value := column.values[index]) is not None and math.isfinite(value)
    ]
    if len(pairs) < 3:
        return None
    xs = average_ranks(np.asarray([pair[0] for pair in pairs]))
    ys = average_ranks(np.asarray([pair[1] for pair in pairs]))
    if np.ptp(xs) == 0 or np.ptp(ys) == 0:
        return None
    return float(np.corrcoef(xs, ys)[0, 1])


def average_ranks(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Ranks 1..n, ties given the mean of the ranks they span (as Spearman's rho needs)."""
    order = np.argsort(values, kind="stable")
    sorted_values = values[order]
    # Start of each run of equal values, and the mean rank of that run.
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    ends = np.r_[starts[1:], len(values)]
    mean_ranks = (starts + ends + 1) / 2.0
    ranks = np.empty(len(values))
    ranks[order] = np.repeat(mean_ranks, ends - starts)
    return ranks
