"""Benchmark problems: published optima, the mixed problem's structure, and space checks."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest

from benchmarks.methods import draw_uniform
from benchmarks.problems import (
    BRANIN_MINIMIZERS,
    HARTMANN6_MINIMIZER,
    MIXED_OPTIMAL_CONFIG,
    PROBLEMS,
    CategoricalDimension,
    FloatDimension,
    IntDimension,
    Problem,
    branin,
    get_problem,
    hartmann6,
    levy,
    rosenbrock,
)


@pytest.mark.parametrize("point", BRANIN_MINIMIZERS)
def test_branin_reaches_its_published_minimum_at_each_of_its_three_minimisers(
    point: tuple[float, float],
) -> None:
    assert branin(np.array(point)) == pytest.approx(0.397887, abs=1e-5)


def test_branin_away_from_the_minimisers_is_higher() -> None:
    # A value from the definition by hand: x = (0, 0) gives (−6)² + 10(1−t)·cos 0 + 10.
    t = 1.0 / (8.0 * math.pi)
    assert branin(np.array([0.0, 0.0])) == pytest.approx(36.0 + 10.0 * (1.0 - t) + 10.0)


def test_hartmann6_reaches_its_published_minimum() -> None:
    assert hartmann6(np.array(HARTMANN6_MINIMIZER)) == pytest.approx(-3.32237, abs=1e-5)


def test_hartmann6_at_the_centre_is_far_from_the_minimum() -> None:
    assert hartmann6(np.full(6, 0.5)) > -1.0


def test_rosenbrock_is_zero_at_ones_and_three_at_the_origin_in_four_dimensions() -> None:
    assert rosenbrock(np.ones(4)) == 0.0
    # At the origin only the (x_i − 1)² terms remain: three of them.
    assert rosenbrock(np.zeros(4)) == pytest.approx(3.0)


def test_levy_is_zero_at_ones_and_positive_elsewhere() -> None:
    assert levy(np.ones(5)) == pytest.approx(0.0, abs=1e-12)
    assert levy(np.zeros(5)) > 0.1


@pytest.mark.parametrize("name", [name for name, p in PROBLEMS.items() if p.optimum is not None])
def test_each_known_optimum_is_reached_at_its_config_and_undercut_by_no_random_point(
    name: str,
) -> None:
    problem = PROBLEMS[name]
    assert problem.optimum is not None
    assert problem.optimal_config is not None
    assert problem.evaluate(problem.optimal_config) == pytest.approx(problem.optimum, abs=1e-5)
    rng = np.random.default_rng(7)
    values = [problem.evaluate(draw_uniform(problem, rng)) for _ in range(3000)]
    assert min(values) >= problem.optimum - 1e-5


def _mixed(**changes: Any) -> float:
    return get_problem("mixed").evaluate({**MIXED_OPTIMAL_CONFIG, **changes})


def test_mixed_optimum_is_zero_with_gelu_in_the_middle_of_the_listing() -> None:
    problem = get_problem("mixed")
    assert problem.optimum == 0.0
    activation = problem.dimensions[2]
    assert isinstance(activation, CategoricalDimension)
    # The best choice is neither first nor last, so no ordinal reading makes it an endpoint.
    assert activation.choices.index("gelu") not in (0, len(activation.choices) - 1)
    assert _mixed() == 0.0


def test_mixed_activation_matters_and_is_not_ordinal() -> None:
    choices = ("relu", "tanh", "gelu", "sigmoid")
    # Each activation at its own best lr/width/dropout: its floor.
    own_best = {
        "relu": _mixed(activation="relu", lr=1e-3, width=128, dropout=0.2),
        "tanh": _mixed(activation="tanh", lr=1e-2, width=32, dropout=0.05),
        "gelu": _mixed(),
        "sigmoid": _mixed(activation="sigmoid", lr=1e-1, width=256, dropout=0.1),
    }
    assert own_best == pytest.approx({"relu": 0.3, "tanh": 0.6, "gelu": 0.0, "sigmoid": 1.0})
    floors = [own_best[c] for c in choices]
    ascending = all(a <= b for a, b in itertools.pairwise(floors))
    descending = all(a >= b for a, b in itertools.pairwise(floors))
    assert not ascending and not descending
    # The best lr depends on the activation: gelu's lr is poor for sigmoid.
    assert _mixed(activation="sigmoid") > own_best["sigmoid"] + 0.1


def test_mixed_width_is_an_integer_and_dropout_matters() -> None:
    assert _mixed(width=97) > 0.0
    assert _mixed(dropout=0.0) == pytest.approx(8.0 * 0.3**2)


def test_digits_error_is_deterministic_and_separates_good_from_bad_configs() -> None:
    problem = get_problem("digits")
    assert problem.optimum is None
    good = {"C": 10.0, "gamma": 0.05, "kernel": "rbf"}
    bad = {"C": 0.01, "gamma": 1e-4, "kernel": "rbf"}
    good_error = problem.evaluate(good)
    assert 0.0 <= good_error < 0.05
    assert problem.evaluate(dict(good)) == good_error
    assert problem.evaluate(bad) > 0.5


@pytest.mark.parametrize(
    ("config", "complaint"),
    [
        ({"x1": 0.0}, "x2=None"),
        ({"x1": 11.0, "x2": 1.0}, "x1=11.0"),
        ({"x1": 0.0, "x2": "1"}, "x2='1'"),
    ],
)
def test_evaluate_rejects_configs_outside_the_space(config: dict[str, Any], complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        get_problem("branin").evaluate(config)


def test_evaluate_rejects_a_float_for_an_int_and_an_unknown_category() -> None:
    with pytest.raises(ValueError, match=r"width=96\.0.*activation='swish'"):
        _mixed(width=96.0, activation="swish")


def test_an_int_dimension_rejects_booleans() -> None:
    assert not IntDimension("n", 0, 3).contains(True)
    assert IntDimension("n", 0, 3).contains(3)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: FloatDimension("a", 1.0, 1.0), "needs low < high"),
        (lambda: FloatDimension("a", 0.0, 1.0, log=True), "needs low > 0"),
        (lambda: IntDimension("n", 5, 2), "needs low < high"),
        (lambda: CategoricalDimension("c", ("x",)), "two distinct choices"),
        (lambda: CategoricalDimension("c", ("x", "y", "x")), "two distinct choices"),
    ],
)
def test_dimensions_check_themselves(build: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def test_a_problem_rejects_repeated_dimension_names() -> None:
    with pytest.raises(ValueError, match="dimension names repeat"):
        Problem(
            name="twice",
            dimensions=(FloatDimension("x", 0.0, 1.0), IntDimension("x", 0, 3)),
            objective=lambda config: 0.0,
            optimum=0.0,
            description="bad",
        )


def test_get_problem_names_the_known_problems_when_it_fails() -> None:
    with pytest.raises(KeyError, match="known: branin, hartmann6"):
        get_problem("ackley")
