"""The search methods under comparison, behind one ask/tell interface.

Each method sees the same :class:`~benchmarks.problems.Problem` space, translated faithfully:
log-scale floats stay log-scale (sweeplab ``log_uniform_values``, Optuna ``log=True``), integers
stay integers, categoricals stay unordered choices.

- ``sweeplab-bayes`` / ``sweeplab-random``: ``sweeplab.search.suggest(config, history, seed)``
  with a history of finished :class:`~sweeplab.domain.RunRecord` objects.
- ``optuna-tpe`` / ``optuna-gp``: ``TPESampler(seed=)`` / ``GPSampler(seed=)`` with their
  defaults, driven by ``study.ask(distributions)`` and ``study.tell``.
- ``numpy-random``: uniform draws from ``numpy.random.default_rng(seed)``, independent of
  sweeplab, as the floor every method should beat.

:func:`unavailable_reason` says why a method cannot run here (its module is missing), so the
benchmarks can report it instead of crashing.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
from collections.abc import Mapping
from typing import Any, Protocol

import numpy as np

from benchmarks.problems import (
    CategoricalDimension,
    Dimension,
    FloatDimension,
    IntDimension,
    Problem,
)
from sweeplab.domain.records import RunRecord
from sweeplab.domain.states import RunState
from sweeplab.sweep_config.params import (
    Categorical,
    IntUniform,
    LogUniformValues,
    ParamSpec,
    Uniform,
)
from sweeplab.sweep_config.sweep import Goal, Method, MetricSpec, SweepConfig

METRIC_NAME = "objective"

SWEEPLAB_BAYES = "sweeplab-bayes"
SWEEPLAB_RANDOM = "sweeplab-random"
OPTUNA_TPE = "optuna-tpe"
OPTUNA_GP = "optuna-gp"
NUMPY_RANDOM = "numpy-random"
METHOD_NAMES = (SWEEPLAB_BAYES, SWEEPLAB_RANDOM, OPTUNA_TPE, OPTUNA_GP, NUMPY_RANDOM)

_SWEEPLAB_METHODS = {SWEEPLAB_BAYES: Method.BAYES, SWEEPLAB_RANDOM: Method.RANDOM}


class Optimizer(Protocol):
    """A sequential minimiser: ``ask`` for a config, ``tell`` its objective value."""

    def ask(self) -> dict[str, Any]: ...

    def tell(self, config: Mapping[str, Any], value: float) -> None: ...


# --- Translating a space ------------------------------------------------------------------------


def sweeplab_spec(dimension: Dimension) -> ParamSpec:
    """The sweeplab parameter spec searching ``dimension``."""
    if isinstance(dimension, FloatDimension):
        if dimension.log:
            return LogUniformValues(min=dimension.low, max=dimension.high)
        return Uniform(min=dimension.low, max=dimension.high)
    if isinstance(dimension, IntDimension):
        return IntUniform(min=dimension.low, max=dimension.high)
    return Categorical(values=dimension.choices)


def sweep_config(problem: Problem, method: Method) -> SweepConfig:
    """A sweeplab sweep minimising ``objective`` over ``problem``'s space."""
    return SweepConfig(
        method=method,
        parameters={d.name: sweeplab_spec(d) for d in problem.dimensions},
        metric=MetricSpec(name=METRIC_NAME, goal=Goal.MINIMIZE),
    )


def optuna_distributions(problem: Problem) -> dict[str, Any]:
    """Optuna distributions for ``problem``'s space (``log=True``, int, categorical kept)."""
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    distributions: dict[str, Any] = {}
    for d in problem.dimensions:
        if isinstance(d, FloatDimension):
            distributions[d.name] = FloatDistribution(d.low, d.high, log=d.log)
        elif isinstance(d, IntDimension):
            distributions[d.name] = IntDistribution(d.low, d.high)
        else:
            distributions[d.name] = CategoricalDistribution(list(d.choices))
    return distributions


def draw_uniform(problem: Problem, rng: np.random.Generator) -> dict[str, Any]:
    """One config drawn uniformly from the space (log-uniform on log-scale floats)."""
    config: dict[str, Any] = {}
    for d in problem.dimensions:
        if isinstance(d, FloatDimension):
            if d.log:
                config[d.name] = math.exp(rng.uniform(math.log(d.low), math.log(d.high)))
            else:
                config[d.name] = float(rng.uniform(d.low, d.high))
        elif isinstance(d, IntDimension):
            config[d.name] = int(rng.integers(d.low, d.high, endpoint=True))
        elif isinstance(d, CategoricalDimension):
            config[d.name] = d.choices[int(rng.integers(len(d.choices)))]
    return config


# --- The optimizers -----------------------------------------------------------------------------


class SweeplabOptimizer:
    """sweeplab's ``suggest`` over a growing history of finished runs."""

    def __init__(self, problem: Problem, method: Method, seed: int) -> None:
        self._config = sweep_config(problem, method)
        self._seed = seed
        self._history: list[RunRecord] = []

    def ask(self) -> dict[str, Any]:
        from sweeplab.search import Exhausted, suggest

        result = suggest(self._config, self._history, self._seed)
        if isinstance(result, Exhausted):
            raise RuntimeError(f"sweeplab {self._config.method} exhausted: {result.reason}")
        return dict(result.config)

    def tell(self, config: Mapping[str, Any], value: float) -> None:
        self._history.append(
            RunRecord(
                run_id=f"run-{len(self._history)}",
                state=RunState.FINISHED,
                config=dict(config),
                summary={METRIC_NAME: value},
            )
        )


class OptunaOptimizer:
    """An Optuna study with a fixed search space, driven by ask/tell."""

    def __init__(self, problem: Problem, sampler: Any) -> None:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.ERROR)
        self._study = optuna.create_study(direction="minimize", sampler=sampler)
        self._distributions = optuna_distributions(problem)
        self._pending: Any = None

    def ask(self) -> dict[str, Any]:
        self._pending = self._study.ask(self._distributions)
        return dict(self._pending.params)

    def tell(self, config: Mapping[str, Any], value: float) -> None:
        self._study.tell(self._pending, value)
        self._pending = None


class NumpyRandomOptimizer:
    """Uniform random search with plain numpy, sharing no code with sweeplab."""

    def __init__(self, problem: Problem, seed: int) -> None:
        self._problem = problem
        self._rng = np.random.default_rng(seed)

    def ask(self) -> dict[str, Any]:
        return draw_uniform(self._problem, self._rng)

    def tell(self, config: Mapping[str, Any], value: float) -> None:
        """Random search ignores results."""


def make_optimizer(method_name: str, problem: Problem, seed: int) -> Optimizer:
    """A fresh optimizer for ``method_name``; raises ValueError for an unknown name."""
    if method_name in _SWEEPLAB_METHODS:
        return SweeplabOptimizer(problem, _SWEEPLAB_METHODS[method_name], seed)
    if method_name == OPTUNA_TPE:
        from optuna.samplers import TPESampler

        return OptunaOptimizer(problem, TPESampler(seed=seed))
    if method_name == OPTUNA_GP:
        from optuna.samplers import GPSampler

        return OptunaOptimizer(problem, GPSampler(seed=seed))
    if method_name == NUMPY_RANDOM:
        return NumpyRandomOptimizer(problem, seed)
    raise ValueError(f"unknown method {method_name!r}; known: {', '.join(METHOD_NAMES)}")


# --- Availability -------------------------------------------------------------------------------


def _missing_module(module: str, attribute: str | None = None) -> str | None:
    """None if ``module`` imports (and has ``attribute``, if given), else a one-line reason."""
    try:
        loaded = importlib.import_module(module)
    except ImportError as error:
        return f"cannot import {module} ({type(error).__name__}: {error})"
    if attribute is not None and not hasattr(loaded, attribute):
        return f"{module} has no {attribute} yet"
    return None


# What each method needs: (module, attribute it must have, or None). A sweeplab method module
# must expose ``next_suggestion``, which ``sweeplab.search.suggest`` calls. Optuna's GPSampler
# imports torch lazily, on its first GP fit, so check for torch here rather than fail mid-run.
_REQUIREMENTS: dict[str, tuple[tuple[str, str | None], ...]] = {
    SWEEPLAB_BAYES: (("sweeplab.search.bayes", "next_suggestion"),),
    SWEEPLAB_RANDOM: (("sweeplab.search.random", "next_suggestion"),),
    OPTUNA_TPE: (("optuna", None),),
    OPTUNA_GP: (("optuna", None), ("torch", None)),
    NUMPY_RANDOM: (),
}


def unavailable_reason(method_name: str) -> str | None:
    """Why ``method_name`` cannot run in this environment, or None if it can."""
    if method_name not in _REQUIREMENTS:
        raise ValueError(f"unknown method {method_name!r}; known: {', '.join(METHOD_NAMES)}")
    for module, attribute in _REQUIREMENTS[method_name]:
        reason = _missing_module(module, attribute)
        if reason is not None:
            return reason
    return None


def limit_torch_threads() -> None:
    """One intra-op thread for torch (Optuna's GP), if torch is installed and loaded."""
    if importlib.util.find_spec("torch") is None:
        return
    import torch

    torch.set_num_threads(1)
