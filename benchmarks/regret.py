"""Best-so-far regret, its per-cell summary (median and IQR), and mean ranks across problems."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata


def regret_after(values: Sequence[float], trials: int, reference: float) -> float:
    """Best value among the first ``trials`` minus ``reference``, floored at 0.

    The floor absorbs the rounding of published optima (Branin's 0.397887 is 0.3978874 to more
    digits), so a method at the optimum shows 0 rather than a tiny negative number.
    """
    if trials < 1 or trials > len(values):
        raise ValueError(f"need 1 <= trials <= {len(values)} (got trials={trials})")
    return max(0.0, float(np.min(values[:trials])) - reference)


@dataclass(frozen=True)
class Spread:
    """Median and interquartile range of one (problem, method) cell over seeds."""

    median: float
    q25: float
    q75: float
    count: int

    def format(self) -> str:
        return f"{self.median:.3g} [{self.q25:.3g}, {self.q75:.3g}]"


def spread(values: Sequence[float]) -> Spread:
    """The median and quartiles of ``values`` (at least one)."""
    if len(values) == 0:
        raise ValueError("spread needs at least one value")
    q25, median, q75 = np.percentile(values, [25, 50, 75])
    return Spread(float(median), float(q25), float(q75), len(values))


def mean_ranks(medians: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """Each method's rank by median regret within a problem (1 = best, ties share the mean
    rank), averaged over the problems where that method has a result.

    ``medians`` maps problem → method → median regret.
    """
    rank_sums: dict[str, float] = {}
    rank_counts: dict[str, int] = {}
    for by_method in medians.values():
        methods = list(by_method)
        ranks = rankdata([by_method[m] for m in methods], method="average")
        for method, rank in zip(methods, ranks, strict=True):
            rank_sums[method] = rank_sums.get(method, 0.0) + float(rank)
            rank_counts[method] = rank_counts.get(method, 0) + 1
    return {method: rank_sums[method] / rank_counts[method] for method in rank_sums}
