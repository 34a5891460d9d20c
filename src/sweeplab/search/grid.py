"""Grid search with W&B ``sweeps`` 0.3.0's exact order and dedupe.

The grid is the product of every non-constant leaf parameter's points
(:func:`~sweeplab.search.sampling.grid_points`), parameters ordered depth-first with keys
sorted at each level, the last one varying fastest. A point is numbered by reading its
per-parameter positions as digits of a mixed-radix number, so the n-th point is computed
directly and the product is never built: each call costs O(runs × parameters).

A run in any state occupies the point its config names (compared with
:func:`~sweeplab.search.sampling.value_identity`); the suggestion is the lowest-numbered free
point. Constants take no part in occupancy, as in W&B, so a grid of constants only is one
point, taken by the first run.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from sweeplab.domain.records import ConfigValues, RunRecord, Suggestion
from sweeplab.search.base import Exhausted, SearchResult
from sweeplab.search.sampling import GridPoints, grid_points, sample_constant
from sweeplab.sweep_config.params import Constant, ParamPath, lookup_value, nest_values
from sweeplab.sweep_config.sweep import SweepConfig

# One grid dimension: a searchable leaf parameter and its points.
_Axis = tuple[ParamPath, GridPoints]


def _axes_and_constants(
    config: SweepConfig,
) -> tuple[list[_Axis], list[tuple[ParamPath, Constant]]]:
    """The grid's dimensions in W&B order, and the constants filled into every point."""
    axes: list[_Axis] = []
    constants: list[tuple[ParamPath, Constant]] = []
    for path, spec in config.flat_parameters():
        if isinstance(spec, Constant):
            constants.append((path, spec))
        else:
            axes.append((path, grid_points(spec, path)))
    return axes, constants


def grid_size(config: SweepConfig) -> int:
    """How many distinct points the grid has (1 for constants only).

    Raises :class:`~sweeplab.errors.SearchError` naming a parameter grid search cannot
    enumerate.
    """
    axes, _ = _axes_and_constants(config)
    return math.prod(len(points) for _, points in axes)


def _grid_index(run_config: ConfigValues, axes: Sequence[_Axis]) -> int | None:
    """The number of the point ``run_config`` occupies, or None if it names no grid point."""
    index = 0
    for path, points in axes:
        found, value = lookup_value(run_config, path)
        if not found:
            return None
        position = points.position_of(value)
        if position is None:
            return None
        index = index * len(points) + position
    return index


def _occupied_point(run: RunRecord, axes: Sequence[_Axis]) -> int | None:
    """The grid point ``run`` occupies: its ``point_key`` when the grid planner gave it one
    (the point's number, so a claim over thousands of runs parses no configs), else the point
    its config names (runs started some other way)."""
    key = run.point_key
    if key is not None and key.isdigit():
        return int(key)
    return _grid_index(run.config, axes)


def _point_values(index: int, axes: Sequence[_Axis]) -> dict[ParamPath, Any]:
    """Each axis's value at grid point ``index`` (the last axis is the fastest digit)."""
    values: dict[ParamPath, Any] = {}
    for path, points in reversed(axes):
        index, position = divmod(index, len(points))
        values[path] = points[position]
    return values


def _first_free_index(occupied: set[int], size: int) -> int | None:
    """The lowest point number not in ``occupied``; at most len(occupied) + 1 probes."""
    index = 0
    while index in occupied:
        index += 1
    return index if index < size else None


def next_suggestion(
    config: SweepConfig, history: Sequence[RunRecord], rng: np.random.Generator
) -> SearchResult:
    """The first grid point no run occupies, or :class:`Exhausted` when every one is taken.

    ``info`` carries ``grid_index`` (0-based position in W&B's order) and ``grid_size``.
    ``rng`` is unused: the grid is deterministic.
    """
    axes, constants = _axes_and_constants(config)
    size = math.prod(len(points) for _, points in axes)
    occupied = {index for run in history if (index := _occupied_point(run, axes)) is not None}
    index = _first_free_index(occupied, size)
    if index is None:
        noun = "point has" if size == 1 else "points have"
        return Exhausted(f"grid exhausted: all {size} {noun} a run")
    point = _point_values(index, axes)
    constant_values = {path: sample_constant(spec, rng) for path, spec in constants}
    # Rebuild in parameter order so the suggested config lists keys as the sweep does.
    values = {
        path: point[path] if path in point else constant_values[path]
        for path, _ in config.flat_parameters()
    }
    return Suggestion(
        config=nest_values(values),
        info={"grid_index": index, "grid_size": size},
    )
