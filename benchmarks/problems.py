"""Benchmark problems: objective functions to minimise, each with its search space.

A :class:`Problem` is a named space of :class:`FloatDimension`, :class:`IntDimension` and
:class:`CategoricalDimension` plus a deterministic objective over a flat ``{name: value}``
config. The search methods never see these classes: :mod:`benchmarks.methods` translates a space
into a sweeplab ``SweepConfig``, into Optuna distributions, and into plain numpy draws.

Known optima (value and one minimiser) come from the usual references (Surjanovic & Bingham's
Virtual Library of Simulation Experiments); ``tests/benchmarks/test_problems.py`` checks them.
The digits classifier has no known optimum (``optimum is None``); the quality benchmark measures
its regret against the best error any method found in the same run.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class FloatDimension:
    """A real parameter on [low, high]; ``log`` means searched on a log scale (low > 0)."""

    name: str
    low: float
    high: float
    log: bool = False

    def __post_init__(self) -> None:
        if not self.low < self.high:
            raise ValueError(f"{self.name}: needs low < high (got {self.low!r}, {self.high!r})")
        if self.log and self.low <= 0:
            raise ValueError(f"{self.name}: a log-scale dimension needs low > 0 (got {self.low!r})")

    def contains(self, value: object) -> bool:
        return (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and self.low <= value <= self.high
        )


@dataclass(frozen=True)
class IntDimension:
    """An integer parameter, ``low..high`` inclusive."""

    name: str
    low: int
    high: int

    def __post_init__(self) -> None:
        if not self.low < self.high:
            raise ValueError(f"{self.name}: needs low < high (got {self.low!r}, {self.high!r})")

    def contains(self, value: object) -> bool:
        return (
            isinstance(value, int)
            and not isinstance(value, bool)
            and (self.low <= value <= self.high)
        )


@dataclass(frozen=True)
class CategoricalDimension:
    """An unordered choice among ``choices`` (the order carries no meaning)."""

    name: str
    choices: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(set(self.choices)) < 2 or len(set(self.choices)) != len(self.choices):
            raise ValueError(f"{self.name}: needs at least two distinct choices ({self.choices!r})")

    def contains(self, value: object) -> bool:
        return value in self.choices


Dimension = FloatDimension | IntDimension | CategoricalDimension
Objective = Callable[[Mapping[str, Any]], float]


@dataclass(frozen=True)
class Problem:
    """A minimisation problem.

    ``optimum`` is the known global minimum (None when unknown) and ``optimal_config`` one
    config reaching it.
    """

    name: str
    dimensions: tuple[Dimension, ...]
    objective: Objective
    optimum: float | None
    description: str
    optimal_config: Mapping[str, Any] | None = None
    # Rough cost of one evaluation, so callers can pick cheap problems for smoke runs.
    expensive: bool = False
    names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", tuple(d.name for d in self.dimensions))
        if len(set(self.names)) != len(self.names):
            raise ValueError(f"{self.name}: dimension names repeat ({self.names!r})")

    def evaluate(self, config: Mapping[str, Any]) -> float:
        """The objective at ``config``, after checking it is a point of this space.

        A method that suggests a value outside the space is a bug worth seeing, so this raises
        rather than clipping.
        """
        problems = [
            f"{d.name}={config.get(d.name)!r}"
            for d in self.dimensions
            if d.name not in config or not d.contains(config[d.name])
        ]
        if problems:
            raise ValueError(f"{self.name}: config outside the space: {', '.join(problems)}")
        return self.objective(config)


def _vector(config: Mapping[str, Any], count: int) -> FloatArray:
    """``x1..x<count>`` of a config as an array."""
    return np.array([float(config[f"x{i}"]) for i in range(1, count + 1)])


def _box(count: int, low: float, high: float) -> tuple[FloatDimension, ...]:
    return tuple(FloatDimension(f"x{i}", low, high) for i in range(1, count + 1))


def _point(values: tuple[float, ...]) -> dict[str, float]:
    return {f"x{i}": value for i, value in enumerate(values, start=1)}


# --- Branin (2-D) -------------------------------------------------------------------------------


def branin(x: FloatArray) -> float:
    """Branin-Hoo on x1 ∈ [-5, 10], x2 ∈ [0, 15]; minimum 0.397887 at three points."""
    x1, x2 = float(x[0]), float(x[1])
    b = 5.1 / (4.0 * math.pi**2)
    c = 5.0 / math.pi
    t = 1.0 / (8.0 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6.0) ** 2 + 10.0 * (1.0 - t) * math.cos(x1) + 10.0


BRANIN_MINIMIZERS = ((-math.pi, 12.275), (math.pi, 2.275), (9.42478, 2.475))
BRANIN_MINIMUM = 0.397887


# --- Hartmann6 (6-D) ----------------------------------------------------------------------------

_HARTMANN6_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
_HARTMANN6_A = np.array(
    [
        [10.0, 3.0, 17.0, 3.5, 1.7, 8.0],
        [0.05, 10.0, 17.0, 0.1, 8.0, 14.0],
        [3.0, 3.5, 1.7, 10.0, 17.0, 8.0],
        [17.0, 8.0, 0.05, 10.0, 0.1, 14.0],
    ]
)
_HARTMANN6_P = 1e-4 * np.array(
    [
        [1312.0, 1696.0, 5569.0, 124.0, 8283.0, 5886.0],
        [2329.0, 4135.0, 8307.0, 3736.0, 1004.0, 9991.0],
        [2348.0, 1451.0, 3522.0, 2883.0, 3047.0, 6650.0],
        [4047.0, 8828.0, 8732.0, 5743.0, 1091.0, 381.0],
    ]
)
HARTMANN6_MINIMIZER = (0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573)
HARTMANN6_MINIMUM = -3.32237


def hartmann6(x: FloatArray) -> float:
    """Hartmann 6-D on [0, 1]^6; minimum -3.32237."""
    inner = np.sum(_HARTMANN6_A * (x[np.newaxis, :] - _HARTMANN6_P) ** 2, axis=1)
    return float(-np.sum(_HARTMANN6_ALPHA * np.exp(-inner)))


# --- Rosenbrock and Levy (any dimension) --------------------------------------------------------


def rosenbrock(x: FloatArray) -> float:
    """Rosenbrock's valley; minimum 0 at (1, ..., 1)."""
    return float(np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (x[:-1] - 1.0) ** 2))


def levy(x: FloatArray) -> float:
    """Levy's function; minimum 0 at (1, ..., 1)."""
    w = 1.0 + (x - 1.0) / 4.0
    head = math.sin(math.pi * w[0]) ** 2
    middle = np.sum((w[:-1] - 1.0) ** 2 * (1.0 + 10.0 * np.sin(math.pi * w[:-1] + 1.0) ** 2))
    tail = (w[-1] - 1.0) ** 2 * (1.0 + math.sin(2.0 * math.pi * w[-1]) ** 2)
    return float(head + middle + tail)


# --- Mixed: a synthetic training run ------------------------------------------------------------

# Each activation has its own best log10(lr), log2(width) and dropout, and its own floor. The
# listing order is deliberately not the order of the floors (gelu, the best, sits third; tanh is
# worse than relu but better than sigmoid), so a method that treats the categorical as an ordinal
# index gets no help from neighbours.
_ACTIVATION_OPTIMA: dict[str, tuple[float, float, float, float]] = {
    # activation: (best log10 lr, best log2 width, best dropout, floor)
    "relu": (-3.0, 7.0, 0.2, 0.3),
    "tanh": (-2.0, 5.0, 0.05, 0.6),
    "gelu": (-3.5, math.log2(96), 0.3, 0.0),
    "sigmoid": (-1.0, 8.0, 0.1, 1.0),
}
MIXED_OPTIMAL_CONFIG: dict[str, Any] = {
    "lr": 10.0**-3.5,
    "width": 96,
    "activation": "gelu",
    "dropout": 0.3,
}


def mixed_objective(config: Mapping[str, Any]) -> float:
    """A smooth stand-in for a validation loss over (lr, width, activation, dropout).

    Per activation: a correlated quadratic bowl in (log10 lr, log2 width) with a small ripple in
    lr (local minima one decade away), plus a dropout term whose best value drifts with width,
    plus the activation's floor. Its global minimum is 0 at :data:`MIXED_OPTIMAL_CONFIG`.
    """
    best_u, best_v, best_dropout, floor = _ACTIVATION_OPTIMA[str(config["activation"])]
    du = math.log10(float(config["lr"])) - best_u
    dv = math.log2(int(config["width"])) - best_v
    bowl = 0.05 * (du * du + du * dv + dv * dv)
    ripple = 0.1 * (1.0 - math.cos(2.0 * math.pi * du))
    dropout_gap = float(config["dropout"]) - (best_dropout + 0.03 * dv)
    return bowl + ripple + 8.0 * dropout_gap**2 + floor


# --- Digits: a real, small classifier -----------------------------------------------------------

DIGITS_KERNELS = ("rbf", "poly", "sigmoid")
# libsvm caps its iterations so a badly scaled poly or sigmoid kernel cannot stall a worker; the
# cap is deterministic, so the objective stays a function of the config.
_SVC_MAX_ITER = 20_000


@cache
def _digits_split() -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """scikit-learn's bundled digits (no download), scaled to [0, 1], split 2:1 stratified."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    features, labels = load_digits(return_X_y=True)
    split: list[FloatArray] = train_test_split(
        features / 16.0, labels, test_size=1 / 3, random_state=0, stratify=labels
    )
    x_train, x_valid, y_train, y_valid = split
    return x_train, x_valid, y_train, y_valid


@lru_cache(maxsize=4096)
def _svc_validation_error(c: float, gamma: float, kernel: str) -> float:
    """Validation error of SVC(C, gamma, kernel); cached because methods repeat configs."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.svm import SVC

    x_train, x_valid, y_train, y_valid = _digits_split()
    model = SVC(C=c, gamma=gamma, kernel=kernel, max_iter=_SVC_MAX_ITER)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x_train, y_train)
    accuracy = float(np.mean(model.predict(x_valid) == y_valid))
    return 1.0 - accuracy


def digits_objective(config: Mapping[str, Any]) -> float:
    """Validation error rate of an SVC on the digits data set."""
    return _svc_validation_error(float(config["C"]), float(config["gamma"]), str(config["kernel"]))


# --- The registry -------------------------------------------------------------------------------


def _on_vector(function: Callable[[FloatArray], float], count: int) -> Objective:
    def objective(config: Mapping[str, Any]) -> float:
        return function(_vector(config, count))

    return objective


def _build_problems() -> dict[str, Problem]:
    problems = [
        Problem(
            name="branin",
            dimensions=(FloatDimension("x1", -5.0, 10.0), FloatDimension("x2", 0.0, 15.0)),
            objective=_on_vector(branin, 2),
            optimum=BRANIN_MINIMUM,
            optimal_config=_point(BRANIN_MINIMIZERS[1]),
            description="Branin-Hoo, 2-D, x1 in [-5, 10], x2 in [0, 15]",
        ),
        Problem(
            name="hartmann6",
            dimensions=_box(6, 0.0, 1.0),
            objective=_on_vector(hartmann6, 6),
            optimum=HARTMANN6_MINIMUM,
            optimal_config=_point(HARTMANN6_MINIMIZER),
            description="Hartmann, 6-D, [0, 1]^6",
        ),
        Problem(
            name="rosenbrock4",
            dimensions=_box(4, -5.0, 10.0),
            objective=_on_vector(rosenbrock, 4),
            optimum=0.0,
            optimal_config=_point((1.0,) * 4),
            description="Rosenbrock, 4-D, [-5, 10]^4 (the Virtual Library's domain)",
        ),
        Problem(
            name="levy5",
            dimensions=_box(5, -10.0, 10.0),
            objective=_on_vector(levy, 5),
            optimum=0.0,
            optimal_config=_point((1.0,) * 5),
            description="Levy, 5-D, [-10, 10]^5",
        ),
        Problem(
            name="mixed",
            dimensions=(
                FloatDimension("lr", 1e-5, 1.0, log=True),
                IntDimension("width", 8, 512),
                CategoricalDimension("activation", tuple(_ACTIVATION_OPTIMA)),
                FloatDimension("dropout", 0.0, 0.5),
            ),
            objective=mixed_objective,
            optimum=0.0,
            optimal_config=MIXED_OPTIMAL_CONFIG,
            description=(
                "synthetic: log-uniform lr [1e-5, 1], int width 8..512, "
                "categorical activation (4, non-ordinal), uniform dropout [0, 0.5]"
            ),
        ),
        Problem(
            name="digits",
            dimensions=(
                FloatDimension("C", 1e-2, 1e3, log=True),
                FloatDimension("gamma", 1e-4, 1.0, log=True),
                CategoricalDimension("kernel", DIGITS_KERNELS),
            ),
            objective=digits_objective,
            optimum=None,
            description=(
                "SVC on scikit-learn digits (1198 train / 599 validation, stratified, "
                "random_state=0): log C [1e-2, 1e3], log gamma [1e-4, 1], kernel rbf|poly|sigmoid"
            ),
            expensive=True,
        ),
    ]
    return {problem.name: problem for problem in problems}


PROBLEMS: dict[str, Problem] = _build_problems()


def get_problem(name: str) -> Problem:
    """The problem called ``name``; raises KeyError listing the known names."""
    try:
        return PROBLEMS[name]
    except KeyError:
        raise KeyError(f"unknown problem {name!r}; known: {', '.join(PROBLEMS)}") from None
