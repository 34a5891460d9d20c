"""The numerical pieces of bayes: GP likelihood and posterior, log EI, warping, subsets, design."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from scipy import stats
from scipy.optimize import approx_fprime

from sweeplab.search.bayes.acquisition import (
    log_expected_improvement,
    log_expected_improvement_and_gradient,
    log_h,
)
from sweeplab.search.bayes.design import initial_design_size, space_filling_row
from sweeplab.search.bayes.gp import (
    Hyperparameters,
    ModelFitError,
    _neg_log_posterior,
    default_hyperparameters,
    fit_hyperparameters,
    posterior,
)
from sweeplab.search.bayes.kernel import FeatureMap
from sweeplab.search.bayes.space import build_space
from sweeplab.search.bayes.subset import training_subset
from sweeplab.search.bayes.warping import fit_warp
from sweeplab.sweep_config.params import Categorical, IntUniform, Uniform

CATEGORICAL = np.array([False, False, True])
CARDINALITIES = np.array([0, 0, 3])


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread() -> Iterator[None]:
    """bayes works on matrices of at most 300 x 300: extra BLAS threads only add overhead, and
    on a busy machine (tests in parallel) spinning OpenBLAS threads slow it several times."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # threadpoolctl comes with scikit-learn; without it, no limit
        yield
        return
    with threadpool_limits(limits=1):
        yield


def mixed_rows(count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rows = rng.random((count, 3))
    rows[:, 2] = rng.integers(0, 3, count)
    return rows


def test_feature_distances_match_the_kernel_definition() -> None:
    rows = mixed_rows(6, 0)
    feature_map = FeatureMap(CATEGORICAL, CARDINALITIES)
    weights = np.array([2.0, 0.5, 3.0])
    features = feature_map.features(rows, weights)
    direct = np.tensordot(weights, feature_map.column_distances(rows), axes=1)
    sq = ((features[:, None] - features[None]) ** 2).sum(axis=2)
    np.testing.assert_allclose(sq, direct, atol=1e-12)


def test_likelihood_gradient_matches_finite_differences() -> None:
    rows = mixed_rows(25, 1)
    y = np.sin(6 * rows[:, 0]) + rows[:, 2] * 0.5
    distances = FeatureMap(CATEGORICAL, CARDINALITIES).column_distances(rows).reshape(3, -1)
    theta = np.array([0.3, -0.5, 1.0, 0.2, -3.0])
    value, gradient = _neg_log_posterior(theta, distances, y)
    numeric = approx_fprime(theta, lambda t: _neg_log_posterior(t, distances, y)[0], 1e-6)
    np.testing.assert_allclose(gradient, numeric, rtol=1e-4, atol=1e-4)
    assert np.isfinite(value)


def test_fit_learns_short_lengthscales_for_relevant_columns_only() -> None:
    rows = mixed_rows(40, 2)
    y = np.sin(8 * rows[:, 0])  # only column 0 matters
    y = (y - y.mean()) / y.std()
    hyper = fit_hyperparameters(
        rows, y, FeatureMap(CATEGORICAL, CARDINALITIES), [default_hyperparameters(3)], 100
    )
    assert hyper.lengthscales[0] < 0.5
    assert hyper.lengthscales[1] > 2 * hyper.lengthscales[0]
    assert hyper.noise < 0.01


def test_fit_learns_the_noise_of_a_noisy_objective() -> None:
    rng = np.random.default_rng(3)
    rows = rng.random((60, 1))
    y = rows[:, 0] + rng.normal(0, 0.3, 60)
    y = (y - y.mean()) / y.std()
    hyper = fit_hyperparameters(
        rows, y, FeatureMap(np.array([False]), np.array([0])), [default_hyperparameters(1)], 100
    )
    assert hyper.noise > 0.2  # of the standardized variance 1; truth ≈ 0.5


def test_posterior_gradients_match_finite_differences() -> None:
    rows = mixed_rows(20, 4)
    y = np.cos(5 * rows[:, 1])
    model = posterior(
        rows,
        y,
        Hyperparameters(np.array([4.0, 9.0, 1.0]), 1.3, 1e-3),
        FeatureMap(CATEGORICAL, CARDINALITIES),
    )
    query = mixed_rows(3, 5)
    columns = np.array([0, 1])
    mean, variance, d_mean, d_var = model.predict_with_gradient(query, columns)
    np.testing.assert_allclose(model.predict(query)[0], mean)
    np.testing.assert_allclose(model.predict(query)[1], variance)
    incumbent = float(y.min())
    _, d_log_ei = log_expected_improvement_and_gradient(mean, variance, d_mean, d_var, incumbent)
    for index in range(3):

        def at(x: np.ndarray, i: int = index) -> float:
            row = query[i : i + 1].copy()
            row[0, columns] = x
            m, v = model.predict(row)
            return float(log_expected_improvement(m, v, incumbent)[0])

        numeric = approx_fprime(query[index, columns], at, 1e-7)
        np.testing.assert_allclose(d_log_ei[index], numeric, rtol=1e-3, atol=1e-5)


def test_posterior_interpolates_a_noise_free_training_point() -> None:
    rows = np.array([[0.1], [0.5], [0.9]])
    y = np.array([1.0, -1.0, 0.5])
    model = posterior(
        rows,
        y,
        Hyperparameters(np.array([10.0]), 1.0, 1e-6),
        FeatureMap(np.array([False]), np.array([0])),
    )
    mean, variance = model.predict(rows)
    np.testing.assert_allclose(mean, y, atol=1e-4)
    assert variance.max() < 1e-4
    np.testing.assert_allclose(model.training_mean(), y, atol=1e-4)


def test_fantasies_keep_the_mean_and_shrink_the_variance() -> None:
    rows = np.array([[0.1], [0.9]])
    model = posterior(
        rows,
        np.array([0.0, 1.0]),
        Hyperparameters(np.array([10.0]), 1.0, 1e-4),
        FeatureMap(np.array([False]), np.array([0])),
    )
    pending = np.array([[0.5]])
    believer = model.with_fantasies(pending)
    assert believer.predict(pending)[0] == pytest.approx(model.predict(pending)[0])
    assert believer.predict(pending)[1][0] < 0.01 * model.predict(pending)[1][0]
    assert model.with_fantasies(np.empty((0, 1))) is model


def test_a_kernel_matrix_that_is_not_positive_definite_is_a_fit_error() -> None:
    rows = np.array([[0.2], [0.2]])
    broken = Hyperparameters(np.array([1.0]), 1.0, -0.5)  # negative noise
    with pytest.raises(ModelFitError, match="positive definite"):
        posterior(rows, np.zeros(2), broken, FeatureMap(np.array([False]), np.array([0])))


def test_hyperparameter_fit_that_never_succeeds_is_a_fit_error() -> None:
    rows = np.array([[0.2], [0.4]])
    y = np.array([np.nan, 1.0])
    with pytest.raises(ModelFitError, match="no valid kernel"):
        fit_hyperparameters(
            rows, y, FeatureMap(np.array([False]), np.array([0])), [default_hyperparameters(1)], 5
        )


def test_a_kernel_system_without_a_finite_solution_is_a_fit_error() -> None:
    rows = np.array([[0.2], [0.4]])
    with pytest.raises(ModelFitError, match="could not solve"):
        posterior(
            rows,
            np.array([np.inf, 1.0]),
            default_hyperparameters(1),
            FeatureMap(np.array([False]), np.array([0])),
        )


def test_log_h_is_accurate_far_into_the_tail() -> None:
    z = np.array([-40.0, -10.0, -2.0, -1.0, -0.5, 0.0, 3.0])
    with np.errstate(divide="ignore"):
        direct = np.log(stats.norm.pdf(z) + z * stats.norm.cdf(z))
    finite = np.isfinite(direct)
    np.testing.assert_allclose(log_h(z)[finite], direct[finite], rtol=1e-6)
    assert np.isfinite(log_h(z)).all()
    assert log_h(np.array([-40.0]))[0] < log_h(np.array([-10.0]))[0]


def test_log_expected_improvement_prefers_low_mean_and_high_variance() -> None:
    values = log_expected_improvement(np.array([0.0, -1.0, 0.0]), np.array([1.0, 1.0, 4.0]), 0.0)
    assert values[1] > values[0] and values[2] > values[0]


def test_warp_is_monotone_and_invertible() -> None:
    losses = np.exp(np.random.default_rng(6).normal(0.0, 2.0, 50))  # heavy right tail
    warp = fit_warp(losses)
    warped = warp.forward(losses)
    assert warp.lam is not None and warp.lam < 1.0  # compresses the tail
    assert abs(stats.skew(warped)) < abs(stats.skew(losses)) / 2
    order = np.argsort(losses)
    assert np.all(np.diff(warped[order]) > 0)
    np.testing.assert_allclose(warp.inverse(warped), losses, rtol=1e-6)
    negative = fit_warp(-losses)
    np.testing.assert_allclose(negative.inverse(negative.forward(-losses)), -losses, rtol=1e-6)


def test_constant_losses_are_only_centred() -> None:
    warp = fit_warp(np.full(5, 3.0))
    assert warp.lam is None
    assert warp.forward(np.array([3.0]))[0] == 0.0


def test_training_subset_keeps_the_best_and_samples_the_rest() -> None:
    losses = np.random.default_rng(7).random(1000)
    chosen = training_subset(losses, 100, np.random.default_rng(0))
    assert len(chosen) == len(set(chosen.tolist())) == 100
    assert set(np.argsort(losses)[:50].tolist()) <= set(chosen.tolist())
    assert (losses[chosen] > np.quantile(losses, 0.5)).sum() > 20
    assert training_subset(losses[:50], 100, np.random.default_rng(0)).tolist() == list(range(50))


def test_initial_design_size_grows_with_the_dimension() -> None:
    assert initial_design_size(1) == 5
    assert initial_design_size(6) == 8
    assert initial_design_size(30) == 10


def test_space_filling_avoids_existing_points_and_excluded_ones() -> None:
    space = build_space([(("a",), IntUniform(0, 3)), (("c",), Categorical(("x", "y")))])
    existing = np.array([space.row_of_key(k) for k in [(0, 0), (3, 1)]])
    row = space_filling_row(space, existing, np.random.default_rng(0))
    assert row is not None
    assert space.point_keys(row[None])[0] not in {(0, 0), (3, 1)}
    everything = {space.key_of_index(i) for i in range(space.size)}
    assert space_filling_row(space, existing, np.random.default_rng(0), everything) is None
    continuous = build_space([(("u",), Uniform(0.0, 1.0))])
    row = space_filling_row(continuous, np.array([[0.0], [1.0]]), np.random.default_rng(1))
    assert row is not None and 0.25 < row[0] < 0.75
