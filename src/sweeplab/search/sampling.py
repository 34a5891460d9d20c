"""Drawing one value of a parameter, and the finite point lists grid search walks.

Each ``sample_*`` function draws one value of one spec class from a numpy ``Generator``, with
W&B's distribution for that name (``sweeps`` ``params.py``, each ``ppf``), and returns a plain
Python value: ``int`` for ``int_uniform`` and for quantized distributions whose ``q`` is an
int, ``float`` otherwise, never a numpy scalar. :func:`sample_value` dispatches on the spec
class and names the parameter in any error.

Two W&B defects are fixed here:

* bounded quantized distributions (``q_uniform``, ``q_log_uniform``, ``q_log_uniform_values``,
  ``q_beta``) round to the nearest multiple of ``q`` *inside* their range, where W&B's plain
  ``round(x / q) * q`` can step outside it;
* multiples of a decimal ``q`` are rounded to ``q``'s decimals, so ``q=0.1`` gives ``0.3``
  rather than ``0.30000000000000004``.

:func:`grid_points` lists a discrete spec's points the way W&B's grid engine expands it, and
:func:`value_identity` is the equality W&B's grid dedupe uses (its YAML hash).
"""

from __future__ import annotations

import copy
import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, overload

import numpy as np

from sweeplab.errors import SearchError
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
    Normal,
    ParamPath,
    ParamSpec,
    QBeta,
    QLogNormal,
    QLogUniform,
    QLogUniformValues,
    QNormal,
    QUniform,
    Uniform,
)

# How far (in units of q) a bound may miss a multiple of q and still count as one. It matches
# the tolerance QUniform uses to check that a multiple exists, so the two never disagree.
_LATTICE_TOLERANCE = 1e-9


def param_label(path: ParamPath) -> str:
    """A parameter path as users write it in messages: ``parameters.optimizer.lr``."""
    return ".".join(("parameters", *path))


def _kind(spec: ParamSpec) -> str:
    """The distribution name of a spec, or its class name (``Nested`` has no distribution)."""
    distribution = getattr(spec, "distribution", None)
    return str(distribution) if distribution is not None else type(spec).__name__


def _is_int(number: object) -> bool:
    return isinstance(number, int) and not isinstance(number, bool)


# --- quantizing ----------------------------------------------------------------------------


def _decimals(number: float) -> int:
    """Decimal places in the shortest repr of ``number`` (0.1 -> 1, 2.5e-07 -> 8, 3 -> 0)."""
    exponent = Decimal(repr(number)).as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _multiple_of(k: int, q: float) -> int | float:
    """``k * q`` without binary float noise: an int for an int ``q``, else rounded to q's places."""
    if _is_int(q):
        return k * int(q)
    return float(round(k * q, _decimals(q)))


def _nearest_k(value: float, q: float) -> int:
    """round(value / q), refusing values whose ratio to q overflows."""
    ratio = value / q
    if not math.isfinite(ratio):
        raise SearchError(f"drew {value!r}, which cannot be rounded to a multiple of q={q!r}")
    return round(ratio)


def _quantize(value: float, q: float) -> int | float:
    """W&B's ``round(value / q) * q`` for the unbounded quantized distributions."""
    return _multiple_of(_nearest_k(value, q), q)


def _multiple_range(low: float, high: float, q: float) -> tuple[int, int]:
    """(first, last) k with k*q inside [low, high]; first > last when there is none."""
    first = math.ceil(low / q - _LATTICE_TOLERANCE)
    last = math.floor(high / q + _LATTICE_TOLERANCE)
    return first, last


def _quantize_within(value: float, q: float, low: float, high: float) -> int | float:
    """The multiple of q nearest to ``value`` that lies inside [low, high]."""
    first, last = _multiple_range(low, high, q)
    if first > last:
        raise SearchError(
            f"no multiple of q={q!r} lies inside [{low!r}, {high!r}]; use a smaller q"
        )
    result = _multiple_of(min(max(_nearest_k(value, q), first), last), q)
    if _is_int(q):
        # An int multiple is exact; it can miss a bound only by the tolerance, and pulling it
        # onto a float bound would turn it into a float.
        return result
    # The tolerance may admit a multiple a hair outside a bound: pull it onto the bound.
    return min(max(result, low), high)


def _clamp(value: float, low: float, high: float) -> float:
    """Pull ``value`` into [low, high]; exp(log(x)) round trips can overshoot by an ulp."""
    return float(min(max(value, low), high))


# --- one sampler per spec class -----------------------------------------------------------


def sample_constant(spec: Constant, rng: np.random.Generator) -> Any:
    """The constant itself (a copy, so callers can never change the spec)."""
    return copy.deepcopy(spec.value)


def sample_categorical(spec: Categorical, rng: np.random.Generator) -> Any:
    """One of ``values``: uniformly, or weighted by ``probabilities`` when given."""
    if spec.probabilities is None:
        index = int(rng.integers(len(spec.values)))
    else:
        cumulative = np.cumsum(np.asarray(spec.probabilities, dtype=float))
        # Scaling by the total keeps a sum of 1 - 1e-7 from favouring the last value, and
        # side="right" means a zero-probability value is never picked.
        point = rng.random() * cumulative[-1]
        index = int(np.searchsorted(cumulative, point, side="right"))
        if index >= len(spec.values):
            # Float rounding put the point on the total: take the last value that has weight.
            index = int(np.flatnonzero(np.asarray(spec.probabilities) > 0)[-1])
    return copy.deepcopy(spec.values[index])


def sample_int_uniform(spec: IntUniform, rng: np.random.Generator) -> int:
    """An integer in min..max inclusive, each equally likely."""
    return int(rng.integers(spec.min, spec.max, endpoint=True))


def sample_uniform(spec: Uniform, rng: np.random.Generator) -> float:
    """A float uniform on [min, max]."""
    return _clamp(rng.uniform(spec.min, spec.max), spec.min, spec.max)


def sample_q_uniform(spec: QUniform, rng: np.random.Generator) -> int | float:
    """Uniform on [min, max], then the nearest multiple of q inside [min, max]."""
    return _quantize_within(rng.uniform(spec.min, spec.max), spec.q, spec.min, spec.max)


def sample_log_uniform(spec: LogUniform, rng: np.random.Generator) -> float:
    """exp(U(min, max)): min and max are base-e exponents."""
    low, high = math.exp(spec.min), math.exp(spec.max)
    return _clamp(math.exp(rng.uniform(spec.min, spec.max)), low, high)


def sample_log_uniform_values(spec: LogUniformValues, rng: np.random.Generator) -> float:
    """A value in [min, max] whose log is uniform."""
    exponent = rng.uniform(math.log(spec.min), math.log(spec.max))
    return _clamp(math.exp(exponent), spec.min, spec.max)


def sample_q_log_uniform(spec: QLogUniform, rng: np.random.Generator) -> int | float:
    """exp(U(min, max)) rounded to the nearest multiple of q inside [exp(min), exp(max)]."""
    value = math.exp(rng.uniform(spec.min, spec.max))
    return _quantize_within(value, spec.q, math.exp(spec.min), math.exp(spec.max))


def sample_q_log_uniform_values(spec: QLogUniformValues, rng: np.random.Generator) -> int | float:
    """Log-uniform on [min, max], then the nearest multiple of q inside [min, max]."""
    value = math.exp(rng.uniform(math.log(spec.min), math.log(spec.max)))
    return _quantize_within(value, spec.q, spec.min, spec.max)


def sample_inv_log_uniform(spec: InvLogUniform, rng: np.random.Generator) -> float:
    """exp(-U(min, max)): a value in [exp(-max), exp(-min)] (W&B's inv_log_uniform)."""
    value = math.exp(-rng.uniform(spec.min, spec.max))
    return _clamp(value, math.exp(-spec.max), math.exp(-spec.min))


def sample_inv_log_uniform_values(spec: InvLogUniformValues, rng: np.random.Generator) -> float:
    """A value X in [min, max] with log(1/X) uniform on [log(1/max), log(1/min)]."""
    value = math.exp(-rng.uniform(-math.log(spec.max), -math.log(spec.min)))
    return _clamp(value, spec.min, spec.max)


def sample_normal(spec: Normal, rng: np.random.Generator) -> float:
    """N(mu, sigma)."""
    return float(rng.normal(spec.mu, spec.sigma))


def sample_q_normal(spec: QNormal, rng: np.random.Generator) -> int | float:
    """round(N(mu, sigma) / q) * q."""
    return _quantize(rng.normal(spec.mu, spec.sigma), spec.q)


def sample_log_normal(spec: LogNormal, rng: np.random.Generator) -> float:
    """exp(N(mu, sigma))."""
    return float(rng.lognormal(spec.mu, spec.sigma))


def sample_q_log_normal(spec: QLogNormal, rng: np.random.Generator) -> int | float:
    """round(exp(N(mu, sigma)) / q) * q (it can be 0, as in W&B)."""
    return _quantize(rng.lognormal(spec.mu, spec.sigma), spec.q)


def sample_beta(spec: Beta, rng: np.random.Generator) -> float:
    """Beta(a, b) on [0, 1]."""
    return float(rng.beta(spec.a, spec.b))


def sample_q_beta(spec: QBeta, rng: np.random.Generator) -> int | float:
    """Beta(a, b) rounded to the nearest multiple of q inside [0, 1]."""
    return _quantize_within(rng.beta(spec.a, spec.b), spec.q, 0.0, 1.0)


# Keyed by exact class: QLogUniform and InvLogUniform subclass LogUniform, QBeta subclasses Beta.
_SAMPLERS: Mapping[type[ParamSpec], Callable[[Any, np.random.Generator], Any]] = {
    Constant: sample_constant,
    Categorical: sample_categorical,
    IntUniform: sample_int_uniform,
    Uniform: sample_uniform,
    QUniform: sample_q_uniform,
    LogUniform: sample_log_uniform,
    LogUniformValues: sample_log_uniform_values,
    QLogUniform: sample_q_log_uniform,
    QLogUniformValues: sample_q_log_uniform_values,
    InvLogUniform: sample_inv_log_uniform,
    InvLogUniformValues: sample_inv_log_uniform_values,
    Normal: sample_normal,
    QNormal: sample_q_normal,
    LogNormal: sample_log_normal,
    QLogNormal: sample_q_log_normal,
    Beta: sample_beta,
    QBeta: sample_q_beta,
}


def sample_value(spec: ParamSpec, rng: np.random.Generator, path: ParamPath = ()) -> Any:
    """Draw one value of ``spec``; errors name the parameter at ``path``.

    Raises :class:`SearchError` for a spec with no sampler (``Nested``: sample its leaves),
    for a bounded quantized spec with no multiple of q in range, and for a draw that overflows
    floating point (for example ``log_normal`` with a huge sigma).
    """
    sampler = _SAMPLERS.get(type(spec))
    if sampler is None:
        raise SearchError(f"{param_label(path)}: cannot draw a value of a {_kind(spec)} parameter")
    try:
        value = sampler(spec, rng)
    except SearchError as error:
        raise SearchError(f"{param_label(path)}: {_kind(spec)}: {error}") from error
    if isinstance(value, float) and not math.isfinite(value):
        raise SearchError(
            f"{param_label(path)}: {_kind(spec)} drew {value!r}; its parameters overflow "
            "floating point (use a smaller mu or sigma)"
        )
    return value


# --- value identity (W&B's grid dedupe) ----------------------------------------------------


def value_identity(value: Any, *, top_level: bool = True) -> Hashable:
    """A hashable key equal for two values exactly when W&B's grid treats them as one point.

    W&B compares YAML dumps with sorted keys, after turning an integral *top-level* float into
    an int. So ``3 ≡ 3.0`` but ``[1.0, 2] ≢ [1, 2]``, dict key order is ignored, ``True ≢ 1``
    and ``"1" ≢ 1``. Unlike YAML, a tuple equals the list with the same items (run configs
    arrive as JSON, which has only lists).
    """
    if isinstance(value, np.generic):
        return value_identity(value.item(), top_level=top_level)
    if value is None:
        return ("null",)
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int):
        return ("number", value)
    if isinstance(value, float):
        if top_level and value.is_integer():
            return ("number", int(value))
        return ("float", repr(value))
    if isinstance(value, str):
        return ("str", value)
    if isinstance(value, list | tuple):
        return ("list", tuple(value_identity(item, top_level=False) for item in value))
    if isinstance(value, Mapping):
        return (
            "dict",
            frozenset(
                (value_identity(key, top_level=False), value_identity(item, top_level=False))
                for key, item in value.items()
            ),
        )
    return ("object", type(value).__qualname__, repr(value))


# --- grid points ---------------------------------------------------------------------------


class GridPoints(Sequence[Any], ABC):
    """The ordered, duplicate-free points of one discrete parameter, computed on demand.

    ``position_of`` finds where a run's value sits (by :func:`value_identity`), so the grid
    never has to build its whole point list, nor the product of all of them.
    """

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def _point(self, position: int) -> Any: ...

    @abstractmethod
    def position_of(self, value: Any) -> int | None:
        """The position of the point equal to ``value``, or None if it is not a point."""

    @overload
    def __getitem__(self, index: int) -> Any: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Any]: ...

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return tuple(self._point(position) for position in range(len(self))[index])
        return self._point(range(len(self))[index])

    def __repr__(self) -> str:
        shown = [repr(self._point(position)) for position in range(min(len(self), 5))]
        more = ", ..." if len(self) > len(shown) else ""
        return f"{type(self).__name__}([{', '.join(shown)}{more}], len={len(self)})"


class ListedPoints(GridPoints):
    """Listed values with duplicates (by :func:`value_identity`) dropped, first one kept."""

    def __init__(self, values: Iterable[Any]) -> None:
        self._values: list[Any] = []
        self._positions: dict[Hashable, int] = {}
        for value in values:
            identity = value_identity(value)
            if identity not in self._positions:
                self._positions[identity] = len(self._values)
                self._values.append(value)

    def __len__(self) -> int:
        return len(self._values)

    def _point(self, position: int) -> Any:
        # A copy, so a caller changing a list value cannot change the spec.
        return copy.deepcopy(self._values[position])

    def position_of(self, value: Any) -> int | None:
        return self._positions.get(value_identity(value))


def _as_number(value: Any) -> int | float | None:
    """``value`` as an int or float if it is one (bools are not), else None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


class IntRangePoints(GridPoints):
    """first, first+1, ..., last (int_uniform's grid: both ends included)."""

    def __init__(self, first: int, last: int) -> None:
        self._first = first
        self._count = max(0, last - first + 1)

    def __len__(self) -> int:
        return self._count

    def _point(self, position: int) -> int:
        return self._first + position

    def position_of(self, value: Any) -> int | None:
        number = _as_number(value)
        if number is None or (isinstance(number, float) and not number.is_integer()):
            return None
        position = int(number) - self._first
        return position if 0 <= position < self._count else None


class QuantizedPoints(GridPoints):
    """min, min+q, min+2q, ... up to but excluding max (q_uniform's grid, as W&B's arange).

    Points are ints when min, max and q all are (numpy's arange rule), else floats rounded to
    the decimals of min and q. A point within float noise of max counts as max and is left out.
    """

    def __init__(self, low: float, high: float, q: float) -> None:
        self._low = low
        self._q = q
        self._ints = all(_is_int(number) for number in (low, high, q))
        if self._ints:
            self._count = max(1, -(-(int(high) - int(low)) // int(q)))
        else:
            # min itself is always a point (min < max), however small the range is next to q.
            self._count = max(1, math.ceil((high - low) / q - _LATTICE_TOLERANCE))
        self._places = max(_decimals(low), _decimals(q))

    def __len__(self) -> int:
        return self._count

    def _point(self, position: int) -> int | float:
        if self._ints:
            return int(self._low) + position * int(self._q)
        return float(round(self._low + position * self._q, self._places))

    def position_of(self, value: Any) -> int | None:
        number = _as_number(value)
        if number is None:
            return None
        ratio = (number - self._low) / self._q
        if not math.isfinite(ratio):
            return None
        position = round(ratio)
        if 0 <= position < self._count and value_identity(self._point(position)) == (
            value_identity(number)
        ):
            return position
        return None


def is_discrete(spec: ParamSpec) -> bool:
    """True if ``spec`` has a finite point list: the kinds W&B's grid search accepts."""
    return isinstance(spec, Constant | Categorical | IntUniform | QUniform)


def grid_points(spec: ParamSpec, path: ParamPath = ()) -> GridPoints:
    """The points grid search visits for ``spec``, in W&B's order, duplicates dropped.

    constant -> its value; categorical -> its values (probabilities play no part in a grid);
    int_uniform -> min..max inclusive; q_uniform -> min, min+q, ... excluding max.
    Raises :class:`SearchError` naming the parameter for any other (continuous) spec.
    """
    if isinstance(spec, Constant):
        return ListedPoints([spec.value])
    if isinstance(spec, Categorical):
        return ListedPoints(spec.values)
    if isinstance(spec, IntUniform):
        return IntRangePoints(spec.min, spec.max)
    if isinstance(spec, QUniform):
        return QuantizedPoints(spec.min, spec.max, spec.q)
    raise SearchError(
        f"{param_label(path)}: grid search cannot enumerate a {_kind(spec)} parameter; "
        "give it values, or make it int_uniform or q_uniform (or use method random or bayes)"
    )
