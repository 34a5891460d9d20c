"""The search space as the Gaussian process sees it: one column per searchable parameter.

Every numeric parameter becomes a column ``u`` in [0, 1]: the value mapped linearly, or its
logarithm mapped linearly for the log distributions (``log_uniform*``, ``q_log_uniform*``,
``inv_log_uniform*``, ``log_normal``). Unbounded distributions (normal, log_normal, beta and their
``q_`` forms) are searched over the prior's central quantile range
[:data:`LOW_QUANTILE`, :data:`HIGH_QUANTILE`]. Integer and quantized parameters keep only the
positions of their valid values (``k·q`` for integer ``k`` in range): every point the optimizer
proposes is snapped to one of them, so the acquisition function is constant over each value's cell
(Garrido-Merchán & Hernández-Lobato 2020).

A categorical parameter becomes a column holding the index of its value. It is never treated as
an ordinal: the kernel compares two indices only for equality (see :mod:`.kernel`). Values with
zero ``probability`` are never proposed. Constants take no part in search and are copied into
every suggestion.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from scipy import stats

from sweeplab.errors import SearchError
from sweeplab.search.bayes.categories import CategoryIndex
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
    lookup_value,
    nest_values,
)

# Unbounded priors are searched between these quantiles (normal: mu ± 3.09 sigma).
LOW_QUANTILE = 0.001
HIGH_QUANTILE = 0.999

# Tolerance when deciding which multiples of q lie inside [min, max].
_Q_TOLERANCE = 1e-9


@dataclass(frozen=True)
class NumericDim:
    """A numeric parameter on the column ``u`` in [0, 1].

    ``low``/``high`` bound the parameter on the transformed axis (the value, or its natural log
    when ``log``). A discrete dimension (``step`` set) only takes values ``k * step`` for integer
    ``k`` in [``k_min``, ``k_max``]; ``as_int`` makes those values Python ints.
    """

    path: ParamPath
    low: float
    high: float
    log: bool = False
    step: float | None = None
    k_min: int = 0
    k_max: int = 0
    as_int: bool = False
    # The spec's own value range, which continuous values are clipped to (exp(log(x)) may
    # miss x by an ulp). Defaults to the axis range.
    value_range: tuple[float, float] | None = None

    @property
    def is_discrete(self) -> bool:
        return self.step is not None

    @property
    def cardinality(self) -> int:
        """How many values a discrete dimension holds (0 for a continuous one)."""
        return self.k_max - self.k_min + 1 if self.is_discrete else 0

    def to_unit(self, values: np.ndarray) -> np.ndarray:
        """Parameter values → column positions (not clipped: old runs may lie outside)."""
        axis = np.log(values) if self.log else values
        return np.asarray((axis - self.low) / (self.high - self.low), dtype=float)

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Column positions → parameter values (floats, before snapping)."""
        axis = self.low + np.asarray(u, dtype=float) * (self.high - self.low)
        return np.exp(axis) if self.log else axis

    def step_index(self, u: np.ndarray) -> np.ndarray:
        """For a discrete dimension, the nearest valid ``k`` of each position."""
        assert self.step is not None
        k = np.rint(self.from_unit(u) / self.step)
        return np.clip(k, self.k_min, self.k_max)

    def snap(self, u: np.ndarray) -> np.ndarray:
        """Move positions onto the nearest valid value (clipped into the search range)."""
        if self.step is None:
            return np.asarray(np.clip(u, 0.0, 1.0))
        return self.to_unit(self.step_index(u) * self.step)

    def from_uniform(self, w: np.ndarray) -> np.ndarray:
        """Map uniform draws in [0, 1) to snapped positions, each value with its prior weight.

        Linear discrete dimensions give every value the same weight; log ones weigh values by
        the log-uniform prior (snapping a uniform ``u``).
        """
        if self.step is not None and not self.log:
            k = self.k_min + np.minimum(np.floor(w * self.cardinality), self.cardinality - 1)
            return self.to_unit(k * self.step)
        return self.snap(w)

    def value(self, u: float) -> Any:
        """The parameter value (int or float) at a snapped position."""
        if self.step is None:
            return float(np.clip(self.from_unit(np.array(u)), *self._value_bounds()))
        k = int(self.step_index(np.array(u)))
        if self.as_int:
            return round(k * self.step)
        # 3 * 0.1 is 0.30000000000000004; show the multiple of q as a person would write it.
        return float(f"{k * self.step:.12g}")

    def _value_bounds(self) -> tuple[float, float]:
        if self.value_range is not None:
            return self.value_range
        return (math.exp(self.low), math.exp(self.high)) if self.log else (self.low, self.high)


@dataclass(frozen=True)
class CategoricalDim:
    """A categorical parameter on a column holding the index of its value."""

    path: ParamPath
    values: tuple[Any, ...]
    probabilities: tuple[float, ...]
    index: CategoryIndex

    @property
    def is_discrete(self) -> bool:
        return True

    @property
    def cardinality(self) -> int:
        return len(self.values)

    @cached_property
    def allowed(self) -> np.ndarray:
        """Indices that may be proposed (those with a probability above zero)."""
        return np.flatnonzero(np.asarray(self.probabilities) > 0)

    def from_uniform(self, w: np.ndarray) -> np.ndarray:
        """Map uniform draws to indices by the inverse CDF of ``probabilities``."""
        cumulative = np.cumsum(self.probabilities)
        cumulative /= cumulative[-1]
        return np.searchsorted(cumulative, w, side="right").clip(0, len(self.values) - 1)


Dim = NumericDim | CategoricalDim


@dataclass(frozen=True)
class SearchSpace:
    """The searchable dimensions of a sweep, in ``flat_parameters`` order, and its constants."""

    dims: tuple[Dim, ...]
    constants: tuple[tuple[ParamPath, Any], ...]

    @property
    def width(self) -> int:
        return len(self.dims)

    @property
    def categorical_columns(self) -> np.ndarray:
        return np.array([isinstance(d, CategoricalDim) for d in self.dims], dtype=bool)

    @property
    def continuous_columns(self) -> np.ndarray:
        return np.array([not d.is_discrete for d in self.dims], dtype=bool)

    @property
    def is_discrete(self) -> bool:
        """True when every dimension takes finitely many values (the space can be exhausted)."""
        return all(d.is_discrete for d in self.dims)

    @property
    def size(self) -> int:
        """Number of distinct points of an all-discrete space (exact, may be huge)."""
        return math.prod(_proposable_count(d) for d in self.dims)

    def encode(self, configs: Sequence[Mapping[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
        """Encode run configs as rows; also return which rows are valid.

        A row is invalid (all NaN) when a parameter is missing or cannot be placed: a value that
        is not among a categorical's values, not a number, or not positive on a log axis. Such
        runs (for example from an edited sweep config) are left out of the model.
        """
        rows = np.full((len(configs), self.width), np.nan)
        for column, dim in enumerate(self.dims):
            rows[:, column] = _encode_column(dim, [_lookup(config, dim.path) for config in configs])
        valid = ~np.isnan(rows).any(axis=1)
        rows[~valid] = np.nan
        return rows, valid

    def snap(self, rows: np.ndarray) -> np.ndarray:
        """Every position moved onto its nearest valid value (a new array)."""
        snapped = np.array(rows, dtype=float, copy=True)
        for column, dim in enumerate(self.dims):
            if isinstance(dim, NumericDim):
                snapped[:, column] = dim.snap(snapped[:, column])
        return snapped

    def from_uniform(self, w: np.ndarray) -> np.ndarray:
        """Map points of the unit cube (e.g. Sobol points) to valid rows."""
        rows = np.empty_like(w, dtype=float)
        for column, dim in enumerate(self.dims):
            rows[:, column] = dim.from_uniform(w[:, column])
        return rows

    def sample(self, count: int, rng: np.random.Generator) -> np.ndarray:
        """``count`` random valid rows (uniform on each column, categoricals by probability)."""
        return self.from_uniform(rng.random((count, self.width)))

    def point_keys(self, rows: np.ndarray) -> list[tuple[int, ...]]:
        """Hashable identity of discrete rows: each column's value number."""
        columns = [_value_numbers(dim, rows[:, c]) for c, dim in enumerate(self.dims)]
        if not columns:
            return [() for _ in range(len(rows))]
        return [tuple(key) for key in np.stack(columns, axis=1).tolist()]

    def member_keys(self, rows: np.ndarray) -> set[tuple[int, ...]]:
        """Keys of the rows that are exactly valid points (an edited config may leave some
        runs off the current grid of values; those occupy no point)."""
        if len(rows) == 0:
            return set()
        keys = self.point_keys(rows)
        members: set[tuple[int, ...]] = set()
        for key, row in zip(keys, rows, strict=True):
            if np.allclose(self.row_of_key(key), row, rtol=0.0, atol=1e-9) and all(
                not isinstance(dim, CategoricalDim) or dim.probabilities[k] > 0
                for dim, k in zip(self.dims, key, strict=True)
            ):
                members.add(key)
        return members

    def row_of_key(self, key: Sequence[int]) -> np.ndarray:
        """The row of a point key (inverse of :meth:`point_keys`)."""
        row = np.empty(self.width)
        for column, (dim, number) in enumerate(zip(self.dims, key, strict=True)):
            if isinstance(dim, CategoricalDim):
                row[column] = number
            else:
                assert dim.step is not None
                row[column] = dim.to_unit(np.array(number * dim.step))
        return row

    def all_rows(self) -> np.ndarray:
        """Every point of an all-discrete space, in :meth:`key_of_index` order."""
        axes = [_proposable_positions(dim) for dim in self.dims]
        grids = np.meshgrid(*axes, indexing="ij")
        return np.stack([grid.ravel() for grid in grids], axis=1).reshape(-1, self.width)

    def key_of_index(self, index: int) -> tuple[int, ...]:
        """The ``index``-th point of an all-discrete space (mixed radix, last column fastest)."""
        key: list[int] = []
        for dim in reversed(self.dims):
            count = _proposable_count(dim)
            index, digit = divmod(index, count)
            if isinstance(dim, CategoricalDim):
                key.append(int(dim.allowed[digit]))
            else:
                key.append(dim.k_min + digit)
        return tuple(reversed(key))

    def decode(self, row: np.ndarray) -> dict[str, Any]:
        """A snapped row → the nested config a run receives (constants included).

        Constant and categorical values are copies, so a caller changing a suggested list or
        dict can never change the sweep config.
        """
        flat: dict[ParamPath, Any] = {path: copy.deepcopy(value) for path, value in self.constants}
        for column, dim in enumerate(self.dims):
            if isinstance(dim, CategoricalDim):
                flat[dim.path] = copy.deepcopy(dim.values[int(row[column])])
            else:
                flat[dim.path] = dim.value(float(row[column]))
        return nest_values(flat)


def build_space(parameters: Sequence[tuple[ParamPath, ParamSpec]]) -> SearchSpace:
    """The search space of a sweep's leaf parameters (``SweepConfig.flat_parameters()``)."""
    dims: list[Dim] = []
    constants: list[tuple[ParamPath, Any]] = []
    for path, spec in parameters:
        if isinstance(spec, Constant):
            constants.append((path, spec.value))
        elif isinstance(spec, Categorical):
            dim = _categorical_dim(path, spec)
            if len(dim.allowed) == 1:
                constants.append((path, dim.values[int(dim.allowed[0])]))
            else:
                dims.append(dim)
        else:
            dims.append(_numeric_dim(path, spec))
    return SearchSpace(tuple(dims), tuple(constants))


def _categorical_dim(path: ParamPath, spec: Categorical) -> CategoricalDim:
    """Distinct values (a repeated value adds its probability to the first occurrence)."""
    probabilities = spec.probabilities or tuple(1.0 for _ in spec.values)
    first_seen = CategoryIndex(spec.values)
    values: list[Any] = []
    weights: list[float] = []
    slot_of_position: dict[int, int] = {}
    for position, (value, weight) in enumerate(zip(spec.values, probabilities, strict=True)):
        first = first_seen.find(value)
        assert first is not None
        if first == position:
            slot_of_position[position] = len(values)
            values.append(value)
            weights.append(float(weight))
        else:
            weights[slot_of_position[first]] += float(weight)
    total = sum(weights)
    return CategoricalDim(
        path, tuple(values), tuple(w / total for w in weights), CategoryIndex(values)
    )


def _proposable_positions(dim: Dim) -> np.ndarray:
    """The column positions a discrete dimension can propose, in key order."""
    if isinstance(dim, CategoricalDim):
        return np.asarray(dim.allowed, dtype=float)
    assert dim.step is not None
    return dim.to_unit(np.arange(dim.k_min, dim.k_max + 1) * dim.step)


def _proposable_count(dim: Dim) -> int:
    if isinstance(dim, CategoricalDim):
        return len(dim.allowed)
    return dim.cardinality


def _numeric_dim(path: ParamPath, spec: ParamSpec) -> NumericDim:
    """The column for one numeric spec (see the module docstring for the axes)."""
    if isinstance(spec, IntUniform):
        return NumericDim(
            path, spec.min, spec.max, step=1.0, k_min=spec.min, k_max=spec.max, as_int=True
        )
    if isinstance(spec, QUniform):
        return _quantized(path, spec.min, spec.max, False, spec.q)
    if isinstance(spec, Uniform):
        return NumericDim(path, spec.min, spec.max)
    if isinstance(spec, QLogUniform):
        return _quantized(path, spec.min, spec.max, True, spec.q)
    if isinstance(spec, InvLogUniform):
        # exp(-U(min, max)): the log of the value runs over [-max, -min].
        return NumericDim(path, -spec.max, -spec.min, log=True)
    if isinstance(spec, LogUniform):
        return NumericDim(path, spec.min, spec.max, log=True)
    if isinstance(spec, QLogUniformValues):
        return _quantized(path, math.log(spec.min), math.log(spec.max), True, spec.q)
    if isinstance(spec, LogUniformValues | InvLogUniformValues):
        # 1/x log-uniform ⇔ x log-uniform: both are searched on log(x).
        return NumericDim(
            path, math.log(spec.min), math.log(spec.max), log=True, value_range=(spec.min, spec.max)
        )
    if isinstance(spec, Normal | QNormal | LogNormal | QLogNormal):
        z_low, z_high = stats.norm.ppf([LOW_QUANTILE, HIGH_QUANTILE])
        low, high = spec.mu + spec.sigma * z_low, spec.mu + spec.sigma * z_high
        log = isinstance(spec, LogNormal | QLogNormal)
        if isinstance(spec, QNormal | QLogNormal):
            return _quantized(path, low, high, log, spec.q)
        return NumericDim(path, low, high, log=log)
    if isinstance(spec, Beta):
        low, high = stats.beta.ppf([LOW_QUANTILE, HIGH_QUANTILE], spec.a, spec.b)
        if isinstance(spec, QBeta):
            return _quantized(path, float(low), float(high), False, spec.q)
        return NumericDim(path, float(low), float(high))
    raise SearchError(f"bayes cannot search parameter {'.'.join(path)} ({type(spec).__name__})")


def _quantized(path: ParamPath, low: float, high: float, log: bool, q: float) -> NumericDim:
    """A q-distribution: multiples of q inside the value range (low/high on the axis).

    Bounded specs check that a multiple of q lies inside their range. An unbounded prior's
    quantile range may hold none (a q wider than the range): the multiple nearest its middle is
    then the only value, as rounding a draw would give.
    """
    value_low, value_high = (math.exp(low), math.exp(high)) if log else (low, high)
    k_min = math.ceil(value_low / q - _Q_TOLERANCE)
    k_max = math.floor(value_high / q + _Q_TOLERANCE)
    if log:
        k_min = max(k_min, 1)
    if k_min > k_max:
        middle = math.exp((low + high) / 2) if log else (low + high) / 2
        k_min = k_max = max(round(middle / q), 1) if log else round(middle / q)
    # Put the first and last valid value at u = 0 and 1, so no probability mass is wasted.
    axis_low = math.log(k_min * q) if log else k_min * q
    axis_high = math.log(k_max * q) if log else k_max * q
    if k_min == k_max:
        axis_high = axis_low + 1.0
    return NumericDim(
        path,
        axis_low,
        axis_high,
        log=log,
        step=float(q),
        k_min=k_min,
        k_max=k_max,
        as_int=isinstance(q, int),
    )


class _Missing:
    """Marker for a parameter a run's config does not hold."""


_MISSING = _Missing()


def _lookup(config: Mapping[str, Any], path: ParamPath) -> Any:
    found, value = lookup_value(config, path)
    return value if found else _MISSING


def _encode_column(dim: Dim, values: list[Any]) -> np.ndarray:
    """One column's positions for raw config values (NaN where a value cannot be placed)."""
    if isinstance(dim, CategoricalDim):
        indices = [dim.index.find(v) if v is not _MISSING else None for v in values]
        return np.array([math.nan if i is None else float(i) for i in indices])
    numbers = np.array(
        [
            float(v) if isinstance(v, int | float) and not isinstance(v, bool) else math.nan
            for v in values
        ]
    )
    numbers[~np.isfinite(numbers)] = math.nan
    if dim.log:
        numbers[~(numbers > 0)] = math.nan
    return dim.to_unit(numbers)


def _value_numbers(dim: Dim, column: np.ndarray) -> np.ndarray:
    if isinstance(dim, CategoricalDim):
        return np.asarray(np.rint(column).astype(np.int64))
    if dim.step is None:
        raise SearchError("point keys exist only for discrete dimensions")
    return dim.step_index(column).astype(np.int64)
