"""Parameter importance: the forest finds what matters, Spearman matches its definition."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
import pytest
from scipy import stats

from sweeplab.server.dashboard.forest import ForestSettings, forest_importances
from sweeplab.server.dashboard.importance import (
    MIN_RUNS_FOR_IMPORTANCE,
    average_ranks,
    parameter_importance,
)
from sweeplab.server.dashboard.sweep_table import ParamColumn


def test_forest_credits_the_feature_the_target_depends_on() -> None:
    rng = np.random.default_rng(0)
    features = rng.uniform(size=(400, 3))
    target = (features[:, 1] - 0.5) ** 2 + 0.01 * rng.normal(size=400)  # non-monotone in x1
    importances = forest_importances(features, target)
    assert importances.sum() == pytest.approx(1.0)
    assert importances.argmax() == 1
    assert importances[1] > 0.8


def test_forest_is_deterministic_for_a_seed() -> None:
    rng = np.random.default_rng(1)
    features = rng.uniform(size=(100, 2))
    target = features[:, 0] + rng.normal(size=100)
    first = forest_importances(features, target, ForestSettings(seed=3))
    again = forest_importances(features, target, ForestSettings(seed=3))
    assert np.array_equal(first, again)


def test_forest_gives_zeros_when_nothing_explains_anything() -> None:
    features = np.random.default_rng(2).uniform(size=(50, 2))
    assert forest_importances(features, np.ones(50)).tolist() == [0.0, 0.0]
    assert forest_importances(np.ones((50, 2)), np.arange(50.0)).tolist() == [0.0, 0.0]
    assert forest_importances(features[:3], np.arange(3.0)).tolist() == [0.0, 0.0]


def test_forest_refuses_mismatched_shapes() -> None:
    with pytest.raises(ValueError, match="features have 4 rows but the target has 3 values"):
        forest_importances(np.zeros((4, 1)), np.zeros(3))


def test_average_ranks_match_scipy_with_ties() -> None:
    values = np.array([3.0, 1.0, 3.0, 2.0, 3.0, 0.5])
    assert average_ranks(values).tolist() == stats.rankdata(values).tolist()


def _column(
    name: str, values: Sequence[float | None], categories: tuple[str, ...] | None = None
) -> ParamColumn:
    return ParamColumn(name=name, values=tuple(values), categories=categories)


def test_importance_ranks_parameters_and_reports_spearman() -> None:
    rng = np.random.default_rng(4)
    lr = rng.uniform(size=60).tolist()
    noise = rng.uniform(size=60).tolist()
    optimizer = [float(index % 2) for index in range(60)]
    metric: list[float | None] = [2.0 * x + 0.05 * n for x, n in zip(lr, noise, strict=True)]
    report = parameter_importance(
        [_column("noise", noise), _column("lr", lr), _column("opt", optimizer, ("adam", "sgd"))],
        metric,
    )
    assert report.run_count == 60
    assert report.rows[0].name == "lr"
    by_name = {row.name: row for row in report.rows}
    expected = stats.spearmanr(lr, metric).statistic
    assert by_name["lr"].correlation == pytest.approx(expected)
    assert by_name["opt"].correlation is None  # categorical: no order to correlate
    assert by_name["opt"].importance is not None


def test_importance_skips_runs_without_a_finite_metric_and_encodes_missing_params() -> None:
    values: list[float | None] = [float(index) for index in range(10)]
    param: list[float | None] = [None, *[float(index) for index in range(1, 10)]]
    metric: list[float | None] = [*values[:8], math.nan, None]
    report = parameter_importance([_column("p", param)], metric)
    assert report.run_count == 8
    assert report.rows[0].correlation == pytest.approx(1.0)  # over the 7 runs with a value


def test_importance_needs_enough_runs() -> None:
    few = MIN_RUNS_FOR_IMPORTANCE - 1
    report = parameter_importance([_column("p", [1.0] * few)], [1.0] * few)
    assert report.rows[0].importance is None
    assert f"at least {MIN_RUNS_FOR_IMPORTANCE} runs" in report.note


def test_constant_parameter_has_no_correlation() -> None:
    report = parameter_importance([_column("p", [1.0] * 8)], [float(i) for i in range(8)])
    assert report.rows[0].correlation is None
    assert report.rows[0].importance == 0.0


def _brute_force_split(
    features: np.ndarray, target: np.ndarray, candidates: Sequence[int], min_leaf: int
) -> tuple[int, float, float] | None:
    """Every threshold between two distinct values of every candidate, errors summed directly."""
    parent = float(np.sum((target - target.mean()) ** 2))
    best: tuple[int, float, float] | None = None
    for feature in candidates:
        values = np.unique(features[:, feature])
        for low, high in itertools.pairwise(values):
            threshold = (low + high) / 2.0
            left = target[features[:, feature] <= threshold]
            right = target[features[:, feature] > threshold]
            if len(left) < min_leaf or len(right) < min_leaf:
                continue
            error = float(np.sum((left - left.mean()) ** 2) + np.sum((right - right.mean()) ** 2))
            gain = parent - error
            if gain > 1e-12 * parent and (best is None or gain > best[2] + 1e-9):
                best = (int(feature), float(threshold), gain)
    return best


def test_best_split_finds_what_trying_every_threshold_finds() -> None:
    from sweeplab.server.dashboard.forest import _best_split

    rng = np.random.default_rng(5)
    for trial in range(40):
        rows = int(rng.integers(4, 60))
        features = rng.integers(0, 6, size=(rows, 3)).astype(float)  # ties, as categories give
        target = features @ rng.normal(size=3) + rng.normal(size=rows) * 0.1
        candidates = np.array([2, 0] if trial % 2 else [0, 1, 2], dtype=np.int64)
        found = _best_split(features, target, candidates, min_leaf_size=2)
        expected = _brute_force_split(features, target, candidates.tolist(), min_leaf=2)
        if expected is None:
            assert found is None
            continue
        assert found is not None
        assert found[2] == pytest.approx(expected[2], rel=1e-9)
        assert (found[0], found[1]) == (expected[0], expected[1])
