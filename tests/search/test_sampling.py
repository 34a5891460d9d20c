"""Sampling: each distribution against scipy, bounds, types, quantization, and grid points.

Goodness-of-fit tests use fixed seeds, so they are deterministic: a pass stays a pass.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, cast

import numpy as np
import pytest
from scipy import stats

from sweeplab.errors import SearchError
from sweeplab.search.sampling import (
    IntRangePoints,
    ListedPoints,
    QuantizedPoints,
    _quantize_within,
    grid_points,
    is_discrete,
    param_label,
    sample_categorical,
    sample_value,
    value_identity,
)
from sweeplab.sweep_config.params import (
    Beta,
    Categorical,
    Constant,
    IntUniform,
    InvLogUniform,
    InvLogUniformValues,
    LogNormal,
    LogUniform,
    LogUniformValues,
    Nested,
    Normal,
    ParamSpec,
    QBeta,
    QLogNormal,
    QLogUniform,
    QLogUniformValues,
    QNormal,
    QUniform,
    Uniform,
)

DRAWS = 4000
# Fixed seeds: the tests below are deterministic, and at this level a correct sampler passes
# with a wide margin while a wrong distribution fails by orders of magnitude.
SIGNIFICANCE = 1e-3


def draw(spec: ParamSpec, count: int = DRAWS, seed: int = 20240601) -> list[Any]:
    rng = np.random.default_rng(seed)
    return [sample_value(spec, rng, ("p",)) for _ in range(count)]


# --- continuous distributions: Kolmogorov-Smirnov against scipy ----------------------------

CONTINUOUS_CASES: list[tuple[ParamSpec, Any]] = [
    (Uniform(min=-2.0, max=5.0), stats.uniform(loc=-2.0, scale=7.0)),
    # log_uniform takes base-e exponents: values in [e^-5, e^1].
    (LogUniform(min=-5.0, max=1.0), stats.loguniform(math.exp(-5.0), math.exp(1.0))),
    (LogUniformValues(min=1e-4, max=1e-1), stats.loguniform(1e-4, 1e-1)),
    # inv_log_uniform: exp(-U(min, max)), so values in [e^-max, e^-min], log-uniform.
    (InvLogUniform(min=1.0, max=6.0), stats.loguniform(math.exp(-6.0), math.exp(-1.0))),
    # inv_log_uniform_values: log(1/X) uniform on [log(1/max), log(1/min)].
    (InvLogUniformValues(min=0.001, max=0.05), stats.loguniform(0.001, 0.05)),
    (Normal(mu=3.0, sigma=2.0), stats.norm(loc=3.0, scale=2.0)),
    (LogNormal(mu=0.5, sigma=0.75), stats.lognorm(s=0.75, scale=math.exp(0.5))),
    (Beta(a=2.0, b=5.0), stats.beta(2.0, 5.0)),
]


@pytest.mark.parametrize(
    ("spec", "reference"), CONTINUOUS_CASES, ids=[str(c[0].distribution) for c in CONTINUOUS_CASES]
)
def test_continuous_distribution_matches_scipy(spec: ParamSpec, reference: Any) -> None:
    values = draw(spec)
    assert all(type(value) is float for value in values)
    result = stats.kstest(values, reference.cdf)
    assert result.pvalue > SIGNIFICANCE, f"{spec} does not follow {reference.dist.name}"


def test_ks_check_rejects_a_wrong_distribution() -> None:
    """The KS check has power: log-uniform draws do not pass as plain uniform."""
    values = draw(LogUniformValues(min=1e-4, max=1e-1))
    assert stats.kstest(values, stats.uniform(1e-4, 1e-1 - 1e-4).cdf).pvalue < 1e-12


# --- discrete distributions: chi-square ----------------------------------------------------


def chi_square_pvalue(observed: Sequence[int], probabilities: Sequence[float]) -> float:
    """Chi-square p-value after merging neighbouring bins until each expects >= 5 draws."""
    total = sum(observed)
    merged_observed: list[int] = []
    merged_expected: list[float] = []
    pending_observed, pending_expected = 0, 0.0
    for count, probability in zip(observed, probabilities, strict=True):
        pending_observed += count
        pending_expected += probability * total
        if pending_expected >= 5:
            merged_observed.append(pending_observed)
            merged_expected.append(pending_expected)
            pending_observed, pending_expected = 0, 0.0
    if merged_observed:
        merged_observed[-1] += pending_observed
        merged_expected[-1] += pending_expected
    assert len(merged_observed) >= 2, "too few bins for a chi-square test"
    return float(stats.chisquare(merged_observed, merged_expected).pvalue)


def lattice_fit(
    values: Sequence[float], q: float, cdf: Callable[[Any], Any], first: int, last: int
) -> float:
    """p-value that values are the continuous ``cdf`` rounded to multiples k·q, k in first..last.

    Mass outside the outer half-steps goes to the end points: that is what "the nearest
    multiple of q inside the bounds" means for a bounded distribution.
    """
    counts = Counter(round(value / q) for value in values)
    assert set(counts) <= set(range(first, last + 1))
    inner_edges = np.array([(k - 0.5) * q for k in range(first + 1, last + 1)])
    cumulative = np.concatenate([[0.0], cdf(inner_edges), [1.0]])
    probabilities = np.diff(cumulative)
    return chi_square_pvalue([counts[k] for k in range(first, last + 1)], list(probabilities))


def test_categorical_is_uniform_over_values() -> None:
    values = ("a", "b", "c", "d")
    counts = Counter(draw(Categorical(values=values)))
    assert chi_square_pvalue([counts[v] for v in values], [0.25] * 4) > SIGNIFICANCE


def test_categorical_follows_probabilities_and_never_draws_zero_weight() -> None:
    values = ("a", "b", "c", "never")
    probabilities = (0.6, 0.3, 0.1, 0.0)
    counts = Counter(draw(Categorical(values=values, probabilities=probabilities)))
    assert counts["never"] == 0
    assert chi_square_pvalue([counts[v] for v in values[:3]], probabilities[:3]) > SIGNIFICANCE


def test_categorical_probabilities_summing_just_below_one_are_renormalised() -> None:
    # The spec accepts a sum within 1e-6 of 1; the last value must not absorb the shortfall.
    spec = Categorical(values=("a", "b"), probabilities=(0.5, 0.4999995))
    counts = Counter(draw(spec))
    assert chi_square_pvalue([counts["a"], counts["b"]], [0.5, 0.5]) > SIGNIFICANCE


class _TopOfRangeGenerator:
    """A generator stub whose uniform draw is exactly 1.0, the edge float rounding can hit."""

    def random(self) -> float:
        return 1.0


def test_categorical_draw_at_the_very_top_picks_the_last_weighted_value() -> None:
    spec = Categorical(values=("a", "b", "zero"), probabilities=(0.5, 0.5, 0.0))
    rng = cast(np.random.Generator, _TopOfRangeGenerator())
    assert sample_categorical(spec, rng) == "b"


def test_int_uniform_is_uniform_over_min_to_max_inclusive() -> None:
    values = draw(IntUniform(min=-2, max=4))
    assert all(type(value) is int for value in values)
    counts = Counter(values)
    assert set(counts) == set(range(-2, 5))
    assert chi_square_pvalue([counts[k] for k in range(-2, 5)], [1 / 7] * 7) > SIGNIFICANCE


QUANTIZED_CASES: list[tuple[str, ParamSpec, float, Callable[[Any], Any], int, int]] = [
    # (id, spec, q, continuous cdf before rounding, first k, last k)
    ("q_uniform", QUniform(min=0.0, max=1.0, q=0.1), 0.1, stats.uniform(0, 1).cdf, 0, 10),
    # min and max off the lattice: only 0.1 .. 0.9 lie inside [0.02, 0.98].
    (
        "q_uniform_inside",
        QUniform(min=0.02, max=0.98, q=0.1),
        0.1,
        stats.uniform(0.02, 0.96).cdf,
        1,
        9,
    ),
    ("q_uniform_int_q", QUniform(min=0, max=10, q=3), 3, stats.uniform(0, 10).cdf, 0, 3),
    (
        "q_log_uniform",
        QLogUniform(min=0.0, max=3.0, q=2),
        2,
        stats.loguniform(1, math.exp(3)).cdf,
        1,
        10,
    ),
    (
        "q_log_uniform_values",
        QLogUniformValues(min=3.0, max=97.0, q=10),
        10,
        stats.loguniform(3, 97).cdf,
        1,
        9,
    ),
    (
        "q_log_uniform_values_default_q",
        QLogUniformValues(min=1, max=256),
        1.0,
        stats.loguniform(1, 256).cdf,
        1,
        256,
    ),
    ("q_normal", QNormal(mu=1.0, sigma=2.0, q=0.5), 0.5, stats.norm(1, 2).cdf, -20, 20),
    (
        "q_log_normal",
        QLogNormal(mu=1.0, sigma=0.5, q=1),
        1,
        stats.lognorm(s=0.5, scale=math.e).cdf,
        0,
        40,
    ),
    ("q_beta", QBeta(a=2.0, b=3.0, q=0.3), 0.3, stats.beta(2, 3).cdf, 0, 3),
]


@pytest.mark.parametrize(
    ("spec", "q", "cdf", "first", "last"),
    [case[1:] for case in QUANTIZED_CASES],
    ids=[case[0] for case in QUANTIZED_CASES],
)
def test_quantized_distribution_matches_rounded_scipy(
    spec: ParamSpec, q: float, cdf: Callable[[Any], Any], first: int, last: int
) -> None:
    values = draw(spec)
    assert lattice_fit(values, q, cdf, first, last) > SIGNIFICANCE


def test_q_uniform_stays_inside_where_w_and_b_rounding_leaves() -> None:
    """W&B's round(x/q)*q gives 0.0 for x < 0.05 and 1.0 for x >= 0.95, outside the bounds."""
    rng = np.random.default_rng(7)
    naive = [round(rng.uniform(0.02, 0.98) / 0.1) * 0.1 for _ in range(DRAWS)]
    assert any(value < 0.02 or value > 0.98 for value in naive)
    ours = draw(QUniform(min=0.02, max=0.98, q=0.1))
    assert min(ours) == 0.1
    assert max(ours) == 0.9


# --- bounds, types and float noise ---------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "low", "high"),
    [
        (Uniform(min=1.0, max=1.5), 1.0, 1.5),
        (LogUniform(min=-3.0, max=-1.0), math.exp(-3.0), math.exp(-1.0)),
        (LogUniformValues(min=0.01, max=0.02), 0.01, 0.02),
        (InvLogUniform(min=0.0, max=2.0), math.exp(-2.0), 1.0),
        (InvLogUniformValues(min=2.0, max=3.0), 2.0, 3.0),
        (QUniform(min=0.02, max=0.98, q=0.1), 0.1, 0.9),
        (QUniform(min=1, max=9, q=4), 4, 8),
        (QLogUniform(min=0.1, max=2.2, q=1), 2, 9),
        (QLogUniformValues(min=1.5, max=2.7, q=0.5), 1.5, 2.5),
        (QBeta(a=0.5, b=0.5, q=0.4), 0.0, 0.8),
        (Beta(a=0.5, b=0.5), 0.0, 1.0),
    ],
    ids=lambda item: str(getattr(item, "distribution", "")),
)
def test_bounded_values_stay_inside(spec: ParamSpec, low: float, high: float) -> None:
    values = draw(spec, count=2000)
    assert min(values) >= low
    assert max(values) <= high


@pytest.mark.parametrize(
    ("spec", "expected_type"),
    [
        (IntUniform(min=0, max=3), int),
        (QUniform(min=0, max=10, q=2), int),
        (QUniform(min=0.5, max=10.5, q=1), int),
        (QUniform(min=0, max=10, q=1.0), float),
        (QUniform(min=0.0, max=1.0, q=0.25), float),
        (QLogUniform(min=0.0, max=3.0, q=1), int),
        (QLogUniformValues(min=1, max=256, q=1), int),
        (QLogUniformValues(min=1, max=256), int),  # sweeplab's default q is the int 1
        (QNormal(q=1), int),
        (QNormal(q=0.5), float),
        (QLogNormal(q=2), int),
        (QBeta(q=1), int),
        (QBeta(q=0.1), float),
        (Uniform(min=0, max=1), float),
        (Normal(), float),
    ],
    ids=lambda item: str(getattr(item, "distribution", getattr(item, "__name__", ""))),
)
def test_value_types_are_plain_python(spec: ParamSpec, expected_type: type) -> None:
    values = draw(spec, count=200)
    assert all(type(value) is expected_type for value in values)


def test_int_q_multiples_are_exact() -> None:
    values = draw(QUniform(min=-7, max=23, q=5), count=500)
    assert set(values) <= {-5, 0, 5, 10, 15, 20}
    assert all(value % 5 == 0 for value in values)


@pytest.mark.parametrize(
    ("spec", "q", "places"),
    [
        (QUniform(min=0.0, max=1.0, q=0.1), 0.1, 1),
        (QUniform(min=0.0, max=3.0, q=0.07), 0.07, 2),
        (QNormal(mu=0.0, sigma=1.0, q=0.1), 0.1, 1),
        (QLogUniformValues(min=1e-5, max=1e-3, q=1e-5), 1e-5, 5),
        (QBeta(q=0.05), 0.05, 2),
    ],
    ids=lambda item: str(getattr(item, "distribution", item)),
)
def test_decimal_q_gives_values_without_float_noise(spec: ParamSpec, q: float, places: int) -> None:
    values = draw(spec, count=1000)
    # 3 * 0.1 is 0.30000000000000004; the sampler must give 0.3.
    assert all(value == round(value, places) for value in values)
    # The check has teeth: plain k * q would have been noisy for some of these values.
    assert any(round(value / q) * q != value for value in values)


def test_constant_and_categorical_values_are_copies() -> None:
    constant = Constant(value=[1, 2])
    categorical = Categorical(values=([1, 2],))
    rng = np.random.default_rng(0)
    for spec in (constant, categorical):
        value = sample_value(spec, rng)
        value.append(3)
    assert constant.value == [1, 2]
    assert categorical.values == ([1, 2],)


def test_same_seed_same_values_and_different_seed_different_values() -> None:
    spec = Normal()
    assert draw(spec, count=20, seed=1) == draw(spec, count=20, seed=1)
    assert draw(spec, count=20, seed=1) != draw(spec, count=20, seed=2)


# --- errors name the parameter -------------------------------------------------------------


def test_nested_spec_cannot_be_sampled() -> None:
    with pytest.raises(SearchError, match=r"parameters\.model\.layers: cannot draw .* Nested"):
        sample_value(
            Nested(parameters={"x": Constant(1)}), np.random.default_rng(0), ("model", "layers")
        )


def test_quantizing_without_a_multiple_inside_is_an_error() -> None:
    # Specs refuse such bounds on construction (tests/sweep_config); this guards the sampler itself.
    with pytest.raises(SearchError, match=r"no multiple of q=0\.01 lies inside \[0\.001, 0\.005\]"):
        _quantize_within(0.003, 0.01, 0.001, 0.005)


def test_overflowing_log_normal_is_an_error() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(SearchError, match=r"parameters\.x: log_normal drew inf"):
        for _ in range(50):
            sample_value(LogNormal(mu=0.0, sigma=1000.0), rng, ("x",))


def test_overflowing_quantized_draw_is_an_error() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(SearchError, match=r"parameters\.x: q_normal: drew .* multiple of q"):
        sample_value(QNormal(mu=1e300, sigma=1.0, q=1e-10), rng, ("x",))


def test_param_label() -> None:
    assert param_label(("optimizer", "lr")) == "parameters.optimizer.lr"


# --- value identity (W&B's grid dedupe) ----------------------------------------------------


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (3, 3.0),
        (-0.0, 0),
        ({"a": 1, "b": [1, 2]}, {"b": [1, 2], "a": 1}),
        ([1, 2], (1, 2)),
        (float("nan"), float("nan")),
        (np.int64(4), 4),
        (None, None),
    ],
)
def test_values_w_and_b_treats_as_equal(left: Any, right: Any) -> None:
    assert value_identity(left) == value_identity(right)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ([1.0, 2], [1, 2]),
        ({"a": 1.0}, {"a": 1}),
        (True, 1),
        (False, 0),
        ("1", 1),
        (0.5, "0.5"),
        (None, "null"),
        (1.5, 1.25),
    ],
)
def test_values_w_and_b_treats_as_different(left: Any, right: Any) -> None:
    assert value_identity(left) != value_identity(right)


def test_value_identity_of_other_objects_uses_type_and_repr() -> None:
    assert value_identity(complex(1, 2)) == value_identity(complex(1, 2))
    assert value_identity(complex(1, 2)) != value_identity("(1+2j)")


# --- grid points ---------------------------------------------------------------------------


def test_is_discrete() -> None:
    assert is_discrete(Constant(1))
    assert is_discrete(Categorical(values=(1, 2)))
    assert is_discrete(IntUniform(min=1, max=2))
    assert is_discrete(QUniform(min=0.0, max=1.0, q=0.5))
    assert not is_discrete(Uniform(min=0.0, max=1.0))
    assert not is_discrete(QNormal())


def test_grid_points_of_constant_and_categorical() -> None:
    assert list(grid_points(Constant("x"))) == ["x"]
    points = grid_points(Categorical(values=(1, 2, 1, 3.0, 3, [1.0], [1])))
    assert list(points) == [1, 2, 3.0, [1.0], [1]]


def test_categorical_probabilities_play_no_part_in_grid_points() -> None:
    points = grid_points(Categorical(values=("a", "b"), probabilities=(1.0, 0.0)))
    assert list(points) == ["a", "b"]


def test_int_uniform_grid_is_min_to_max_inclusive() -> None:
    points = grid_points(IntUniform(min=-1, max=3))
    assert list(points) == [-1, 0, 1, 2, 3]
    assert isinstance(points, IntRangePoints)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (QUniform(min=0.0, max=1.0, q=0.25), [0.0, 0.25, 0.5, 0.75]),
        (QUniform(min=0, max=10, q=2), [0, 2, 4, 6, 8]),
        (QUniform(min=0, max=9, q=2), [0, 2, 4, 6, 8]),
        (QUniform(min=1.0, max=2.0, q=0.3), [1.0, 1.3, 1.6, 1.9]),
        (QUniform(min=0.0, max=0.3, q=0.1), [0.0, 0.1, 0.2]),
        (QUniform(min=0.0, max=1.0, q=0.1), [k / 10 for k in range(10)]),
        # 1.1 / 0.1 is 11.000000000000002: the point at 1.1 is max and stays out.
        (QUniform(min=0.0, max=1.1, q=0.1), [k / 10 for k in range(11)]),
        (QUniform(min=0.0, max=1e-12, q=1.0), [0.0]),
        (QUniform(min=0, max=10, q=1.0), [float(k) for k in range(10)]),
    ],
    ids=str,
)
def test_q_uniform_grid_is_min_stepping_by_q_excluding_max(
    spec: QUniform, expected: list[float]
) -> None:
    points = list(grid_points(spec))
    assert points == expected
    assert [type(point) for point in points] == [type(value) for value in expected]


def test_grid_points_of_continuous_spec_is_an_error_naming_the_parameter() -> None:
    with pytest.raises(SearchError, match=r"parameters\.opt\.lr: grid search cannot .*uniform"):
        grid_points(Uniform(min=0.0, max=1.0), ("opt", "lr"))


def test_grid_points_sequence_behaviour() -> None:
    points = grid_points(IntUniform(min=10, max=14))
    assert len(points) == 5
    assert points[-1] == 14
    assert points[1:3] == (11, 12)
    with pytest.raises(IndexError):
        points[5]
    assert repr(points) == "IntRangePoints([10, 11, 12, 13, 14], len=5)"
    assert repr(grid_points(IntUniform(min=0, max=99))).endswith("...], len=100)")


@pytest.mark.parametrize(
    ("points", "value", "position"),
    [
        (IntRangePoints(1, 5), 3, 2),
        (IntRangePoints(1, 5), 3.0, 2),
        (IntRangePoints(1, 5), np.int64(5), 4),
        (IntRangePoints(1, 5), 3.5, None),
        (IntRangePoints(1, 5), True, None),
        (IntRangePoints(1, 5), "3", None),
        (IntRangePoints(1, 5), 6, None),
        (QuantizedPoints(0.0, 1.0, 0.1), 0.3, 3),
        (QuantizedPoints(0.0, 1.0, 0.1), 0.30000000000000004, None),
        (QuantizedPoints(0.0, 1.0, 0.1), 0, 0),
        (QuantizedPoints(0.0, 1.0, 0.1), 1.0, None),
        (QuantizedPoints(0.0, 1.0, 0.1), float("inf"), None),
        (QuantizedPoints(0.0, 1.0, 0.1), None, None),
        (QuantizedPoints(0, 10, 2), 4.0, 2),
        (QuantizedPoints(0, 10, 2), 5, None),
        (ListedPoints([1, "a", [1, 2]]), 1.0, 0),
        (ListedPoints([1, "a", [1, 2]]), [1.0, 2], None),
        (ListedPoints([1, "a", [1, 2]]), (1, 2), 2),
        (ListedPoints([1, "a", [1, 2]]), True, None),
    ],
    ids=str,
)
def test_position_of(points: Any, value: Any, position: int | None) -> None:
    assert points.position_of(value) == position
