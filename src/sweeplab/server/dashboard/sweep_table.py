"""A sweep's runs as columns: one per searched parameter, plus the metric.

The sweep page's parallel coordinates, importance and scatter all read the same table, built
once per sweep snapshot. Numeric parameters hold floats; categorical ones (any non-numeric
value, or booleans) hold the index of the value in ``categories`` (the config's order, then
values only runs have), so every column is plain numbers for the browser and the forest.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sweeplab.domain import RunRecord
from sweeplab.sweep_config import (
    Categorical,
    LogUniform,
    LogUniformValues,
    ParamPath,
    ParamSpec,
    QLogUniform,
    QLogUniformValues,
    SweepConfig,
    lookup_value,
)

_LOG_SPECS = (LogUniform, LogUniformValues, QLogUniform, QLogUniformValues)


@dataclass(frozen=True)
class ParamColumn:
    """One parameter over the runs: ``values[i]`` belongs to run ``i`` (None: missing)."""

    name: str
    values: tuple[float | None, ...]
    # Category labels when the parameter is categorical; values are then indices into it.
    categories: tuple[str, ...] | None = None
    log_scale: bool = False


def metric_values(runs: Sequence[RunRecord], metric_name: str) -> list[float | None]:
    """Each run's summary value of the metric (None when it has none, or it is not a number)."""
    return [run.summary_metric(metric_name) for run in runs]


def param_columns(config: SweepConfig, runs: Sequence[RunRecord]) -> list[ParamColumn]:
    """A column for each searched parameter (constants skipped), in the config's order."""
    columns: list[ParamColumn] = []
    for path, spec in config.flat_parameters():
        if not spec.is_searchable:
            continue
        raw = [lookup_value(run.config, path) for run in runs]
        values = [value if found else None for found, value in raw]
        columns.append(_column(path, spec, values))
    return columns


def _column(path: ParamPath, spec: ParamSpec, values: list[Any]) -> ParamColumn:
    name = ".".join(path)
    present = [value for value in values if value is not None]
    if _is_numeric(spec, present):
        return ParamColumn(
            name=name,
            values=tuple(None if value is None else float(value) for value in values),
            log_scale=isinstance(spec, _LOG_SPECS) or _positive_log_values(spec, present),
        )
    labels: list[str] = []
    positions: dict[str, int] = {}
    declared = spec.values if isinstance(spec, Categorical) else ()
    for value in (*declared, *present):
        label = category_label(value)
        if label not in positions:
            positions[label] = len(labels)
            labels.append(label)
    encoded = tuple(
        None if value is None else float(positions[category_label(value)]) for value in values
    )
    return ParamColumn(name=name, values=encoded, categories=tuple(labels))


def _is_numeric(spec: ParamSpec, present: Sequence[Any]) -> bool:
    """Numbers only (no booleans, no strings), in the config and in the runs."""
    declared = spec.values if isinstance(spec, Categorical) else ()
    candidates = (*declared, *present)
    return all(
        isinstance(value, int | float) and not isinstance(value, bool) for value in candidates
    ) and all(math.isfinite(float(value)) for value in candidates)


def _positive_log_values(spec: ParamSpec, present: Sequence[Any]) -> bool:
    """A categorical list of positive numbers spanning 3+ decades reads better on a log axis."""
    if not isinstance(spec, Categorical) or not present:
        return False
    numbers = [float(value) for value in present]
    return min(numbers) > 0 and max(numbers) / min(numbers) >= 1000


def category_label(value: Any) -> str:
    """How a categorical value is shown: strings as they are, anything else as JSON."""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, sort_keys=True, allow_nan=True)
    except (TypeError, ValueError):
        return repr(value)
