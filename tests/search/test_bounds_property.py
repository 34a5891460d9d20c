"""Property: no search method ever suggests a value outside its parameter's spec.

Hypothesis builds random valid parameter trees (every distribution, nested too); grid, random
and bayes each suggest a few configs, and every leaf value is checked against its spec:
a categorical value is one of the values, bounded distributions stay in their value range,
int types are ints, quantized values are multiples of q, unbounded ones are finite.
Runs are derandomized, so the examples (and the outcome) are the same every time.
"""

from __future__ import annotations

import math
import string
from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sweeplab.domain.records import RunRecord, Suggestion
from sweeplab.domain.states import RunState
from sweeplab.search import suggest
from sweeplab.search.base import Exhausted
from sweeplab.search.grid import next_suggestion as grid_next
from sweeplab.search.random import next_suggestion as random_next
from sweeplab.search.sampling import grid_points, is_discrete
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
    SpecError,
    Uniform,
    lookup_value,
)
from sweeplab.sweep_config.sweep import Method, MetricSpec, SweepConfig

PROPERTY_SETTINGS = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=150,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

# --- strategies ----------------------------------------------------------------------------

Q_STEPS = st.sampled_from([0.01, 0.05, 0.1, 0.25, 0.3, 0.5, 1.0, 1, 2, 5, 10])


def floats(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(min_value=low, max_value=high, allow_nan=False, allow_infinity=False)


plain_values: st.SearchStrategy[Any] = st.one_of(
    st.integers(-5, 5),
    floats(-10.0, 10.0),
    st.booleans(),
    st.none(),
    st.text(alphabet="abc", max_size=3),
    st.lists(st.integers(0, 3), max_size=3),
)


def built(spec_class: type[ParamSpec], **fields: Any) -> ParamSpec:
    """The spec, or a rejected example when float rounding made the fields invalid."""
    try:
        return spec_class(**fields)
    except SpecError:
        assume(False)
        raise  # unreachable: assume(False) raises


@st.composite
def categorical_specs(draw: st.DrawFn) -> ParamSpec:
    values = tuple(draw(st.lists(plain_values, min_size=1, max_size=5)))
    if not draw(st.booleans()):
        return Categorical(values=values)
    weights = draw(st.lists(floats(0.0, 1.0), min_size=len(values), max_size=len(values)))
    assume(sum(weights) > 0.01)
    probabilities = tuple(weight / sum(weights) for weight in weights)
    return built(Categorical, values=values, probabilities=probabilities)


@st.composite
def int_uniform_specs(draw: st.DrawFn) -> ParamSpec:
    low = draw(st.integers(-1000, 1000))
    return IntUniform(min=low, max=low + draw(st.integers(1, 200)))


@st.composite
def q_uniform_specs(draw: st.DrawFn) -> ParamSpec:
    q = draw(Q_STEPS)
    k = draw(st.integers(-100, 100))
    # A multiple of q (k·q) lies inside; min and max fall on or off the lattice.
    low = k * q - draw(floats(0.0, 0.9)) * q
    high = k * q + draw(floats(0.1, 30.0)) * q
    if draw(st.booleans()) and isinstance(q, int):
        low, high = k * q, k * q + draw(st.integers(1, 30)) * q
    return built(QUniform, min=low, max=high, q=q)


@st.composite
def uniform_specs(draw: st.DrawFn) -> ParamSpec:
    low = draw(floats(-1000.0, 1000.0))
    return built(Uniform, min=low, max=low + draw(floats(1e-3, 1000.0)))


@st.composite
def exponent_bounds(draw: st.DrawFn) -> tuple[float, float]:
    low = draw(floats(-20.0, 10.0))
    return low, low + draw(floats(0.01, 10.0))


@st.composite
def positive_bounds(draw: st.DrawFn) -> tuple[float, float]:
    low, high = draw(exponent_bounds())
    return math.exp(low), math.exp(high)


@st.composite
def log_specs(draw: st.DrawFn) -> ParamSpec:
    low, high = draw(exponent_bounds())
    spec_class = draw(st.sampled_from([LogUniform, InvLogUniform]))
    return built(spec_class, min=low, max=high)


@st.composite
def log_values_specs(draw: st.DrawFn) -> ParamSpec:
    low, high = draw(positive_bounds())
    spec_class = draw(st.sampled_from([LogUniformValues, InvLogUniformValues]))
    return built(spec_class, min=low, max=high)


@st.composite
def q_log_specs(draw: st.DrawFn) -> ParamSpec:
    """q_log_uniform(_values) with a multiple of q inside the value range."""
    q = draw(Q_STEPS)
    inside = draw(st.integers(1, 50)) * q
    below, above = draw(floats(0.0, 3.0)), draw(floats(0.01, 3.0))
    if draw(st.booleans()):
        return built(QLogUniform, min=math.log(inside) - below, max=math.log(inside) + above, q=q)
    return built(
        QLogUniformValues, min=inside * math.exp(-below), max=inside * math.exp(above), q=q
    )


@st.composite
def mu_sigma_specs(draw: st.DrawFn) -> ParamSpec:
    spec_class = draw(st.sampled_from([Normal, QNormal, LogNormal, QLogNormal]))
    is_log = spec_class in (LogNormal, QLogNormal)
    fields: dict[str, Any] = {
        "mu": draw(floats(-5.0, 5.0) if is_log else floats(-100.0, 100.0)),
        "sigma": draw(floats(0.01, 3.0) if is_log else floats(0.01, 100.0)),
    }
    if spec_class in (QNormal, QLogNormal):
        fields["q"] = draw(Q_STEPS)
    return built(spec_class, **fields)


@st.composite
def beta_specs(draw: st.DrawFn) -> ParamSpec:
    fields: dict[str, Any] = {"a": draw(floats(0.1, 10.0)), "b": draw(floats(0.1, 10.0))}
    if draw(st.booleans()):
        return built(QBeta, q=draw(Q_STEPS), **fields)
    return built(Beta, **fields)


constant_specs = plain_values.map(lambda value: Constant(value=value))

discrete_leaves: st.SearchStrategy[ParamSpec] = st.one_of(
    constant_specs, categorical_specs(), int_uniform_specs(), q_uniform_specs()
)
any_leaves: st.SearchStrategy[ParamSpec] = st.one_of(
    discrete_leaves,
    uniform_specs(),
    log_specs(),
    log_values_specs(),
    q_log_specs(),
    mu_sigma_specs(),
    beta_specs(),
)

names = st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=3)


def parameter_trees(leaves: st.SearchStrategy[ParamSpec]) -> st.SearchStrategy[dict[str, Any]]:
    """Parameter mappings whose values are leaves or Nested groups of them (any depth)."""
    nodes = st.recursive(
        leaves,
        lambda children: st.dictionaries(names, children, min_size=1, max_size=3).map(
            lambda parameters: Nested(parameters=parameters)
        ),
        max_leaves=6,
    )
    return st.dictionaries(names, nodes, min_size=1, max_size=4)


# --- the check -----------------------------------------------------------------------------

TOLERANCE = 1e-9


def within(value: float, low: float, high: float) -> bool:
    slack = TOLERANCE * max(1.0, abs(low), abs(high))
    return low - slack <= value <= high + slack


def is_multiple(value: float, q: float, origin: float = 0.0) -> bool:
    steps = (value - origin) / q
    return abs(steps - round(steps)) <= 1e-6 * max(1.0, abs(steps))


def is_number(value: Any) -> bool:
    return type(value) in (int, float) and math.isfinite(value)


def expected_quantized_type(q: float) -> type:
    return int if type(q) is int else float


def violation(spec: ParamSpec, value: Any, *, grid: bool) -> str | None:
    """Why ``value`` is outside ``spec``, or None when it is inside."""
    if isinstance(spec, Constant):
        return None if value == spec.value else "not the constant"
    if isinstance(spec, Categorical):
        # type() as well as ==, so True is not accepted for 1.
        listed = any(type(value) is type(item) and value == item for item in spec.values)
        return None if listed else "not one of the values"
    if not is_number(value):
        return f"not a finite plain number ({type(value).__name__})"
    if isinstance(spec, IntUniform):
        if type(value) is not int:
            return "int_uniform gave a non-int"
        return None if spec.min <= value <= spec.max else "outside [min, max]"
    if isinstance(spec, QUniform):
        if not within(value, spec.min, spec.max):
            return "outside [min, max]"
        if grid:
            # W&B's grid walks min, min+q, ...: ints only when min, max and q all are.
            all_ints = all(type(n) is int for n in (spec.min, spec.max, spec.q))
            expected: type = int if all_ints else float
            on_lattice = is_multiple(value, spec.q, origin=spec.min)
        else:
            expected = expected_quantized_type(spec.q)
            on_lattice = is_multiple(value, spec.q)
        if type(value) is not expected:
            return f"expected {expected.__name__}"
        return None if on_lattice else "not on q's lattice"
    return _continuous_violation(spec, value)


def value_range(spec: ParamSpec) -> tuple[float, float]:
    """The values a continuous or quantized spec may take (log_uniform's are exponents)."""
    if isinstance(spec, InvLogUniform):  # before LogUniform, its base class
        return math.exp(-spec.max), math.exp(-spec.min)
    if isinstance(spec, LogUniform):  # also QLogUniform
        return math.exp(spec.min), math.exp(spec.max)
    if isinstance(spec, Uniform | LogUniformValues | InvLogUniformValues | QLogUniformValues):
        return spec.min, spec.max
    if isinstance(spec, Beta):  # also QBeta
        return 0.0, 1.0
    if isinstance(spec, LogNormal | QLogNormal):
        return 0.0, math.inf
    return -math.inf, math.inf


def _continuous_violation(spec: ParamSpec, value: float) -> str | None:
    low, high = value_range(spec)
    if not within(value, low, high):
        return f"outside [{low}, {high}]"
    q = getattr(spec, "q", None)
    if q is None:
        return None if type(value) is float else "expected float"
    if type(value) is not expected_quantized_type(q):
        return f"expected {expected_quantized_type(q).__name__}"
    return None if is_multiple(value, q) else "not a multiple of q"


def assert_inside_specs(config: SweepConfig, suggested: Mapping[str, Any], *, grid: bool) -> None:
    for path, spec in config.flat_parameters():
        found, value = lookup_value(suggested, path)
        assert found, f"{'.'.join(path)} missing from {suggested}"
        problem = violation(spec, value, grid=grid)
        assert problem is None, f"{'.'.join(path)}={value!r} from {spec}: {problem}"


def test_checker_catches_values_outside_their_spec() -> None:
    """The property below is only as good as this checker, so make sure it can fail."""
    cases: list[tuple[ParamSpec, Any]] = [
        (Categorical(values=(1, 2)), True),
        (Categorical(values=(1, 2)), 3),
        (IntUniform(min=0, max=3), 2.0),
        (IntUniform(min=0, max=3), 4),
        (QUniform(min=0.05, max=0.95, q=0.1), 1.0),
        (QUniform(min=0.0, max=1.0, q=0.1), 0.25),
        (QUniform(min=0, max=10, q=2), 4.0),
        (QLogUniformValues(min=3.0, max=97.0, q=10), 100.0),
        (QLogUniform(min=0.0, max=1.0, q=1), 3),
        (InvLogUniform(min=1.0, max=2.0), 0.5),
        (Uniform(min=0.0, max=1.0), np.float64(0.5)),
        (Normal(), math.inf),
        (QNormal(q=1), 1.0),
        (QBeta(q=0.6), 1.2),
    ]
    for spec, value in cases:
        assert violation(spec, value, grid=False) is not None, (spec, value)
    assert violation(QUniform(min=0.05, max=0.95, q=0.1), 0.35, grid=True) is None
    assert violation(QUniform(min=0.05, max=0.95, q=0.1), 0.35, grid=False) is not None


# --- the property, per method --------------------------------------------------------------


@PROPERTY_SETTINGS
@given(parameters=parameter_trees(any_leaves), seed=st.integers(0, 2**32 - 1))
def test_random_never_leaves_the_spec(parameters: dict[str, ParamSpec], seed: int) -> None:
    config = SweepConfig(method=Method.RANDOM, parameters=parameters)
    rng = np.random.default_rng(seed)
    for _ in range(3):
        result = random_next(config, [], rng)
        assert isinstance(result, Suggestion)
        assert_inside_specs(config, result.config, grid=False)


@PROPERTY_SETTINGS
@given(parameters=parameter_trees(discrete_leaves))
def test_grid_never_leaves_the_spec(parameters: dict[str, ParamSpec]) -> None:
    config = SweepConfig(method=Method.GRID, parameters=parameters)
    history: list[RunRecord] = []
    for step in range(5):
        result = grid_next(config, history, np.random.default_rng(0))
        if isinstance(result, Exhausted):
            break
        assert_inside_specs(config, result.config, grid=True)
        history.append(RunRecord(run_id=f"r{step}", state=RunState.RUNNING, config=result.config))


def takes_several_values(spec: ParamSpec) -> bool:
    return not is_discrete(spec) or len(grid_points(spec)) > 1


def finished_runs(config: SweepConfig, seed: int, count: int) -> list[RunRecord]:
    """Finished runs at random points, each with a final ``loss``."""
    rng = np.random.default_rng(seed)
    runs: list[RunRecord] = []
    for index in range(count):
        result = random_next(config, runs, rng)
        assert isinstance(result, Suggestion)
        loss = float(rng.normal())
        runs.append(
            RunRecord(
                run_id=f"r{index}",
                state=RunState.FINISHED,
                config=result.config,
                history={"loss": (loss + 1.0, loss)},
                summary={"loss": loss},
            )
        )
    return runs


@settings(PROPERTY_SETTINGS, max_examples=100)
@given(parameters=parameter_trees(any_leaves), seed=st.integers(0, 2**32 - 1))
def test_bayes_never_leaves_the_spec(parameters: dict[str, ParamSpec], seed: int) -> None:
    bayes = pytest.importorskip("sweeplab.search.bayes")
    if not hasattr(bayes, "next_suggestion"):
        pytest.skip("sweeplab.search.bayes is still being written")
    config = SweepConfig(method=Method.BAYES, parameters=parameters, metric=MetricSpec("loss"))
    # Bayes refuses a sweep with nothing to vary, and that is not what this test is about.
    assume(any(takes_several_values(spec) for _, spec in config.flat_parameters()))
    history = finished_runs(config, seed, count=4)
    result = suggest(config, history, seed)
    if isinstance(result, Exhausted):
        return  # bayes may call a small quantized space used up; nothing was suggested
    assert_inside_specs(config, result.config, grid=False)
