"""Frozen records that flow between the store, the engine and the algorithms."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sweeplab.domain.states import RunState, SweepState

# A run's configuration as the user's code sees it: JSON-like values, nested parameters as
# nested mappings (``{"optimizer": {"name": "adam", "lr": 0.1}}``).
ConfigValues = Mapping[str, Any]


@dataclass(frozen=True)
class MetricPoint:
    """One logged value of one metric at one step."""

    run_id: str
    step: int
    key: str
    value: float


@dataclass(frozen=True)
class RunRecord:
    """One run, as stored and as the algorithms see it.

    ``history`` maps a metric name to its logged values in step order (NaN and ±Inf kept, as
    logged); stores fill it only where asked (it can be large). ``summary`` holds the run's
    summary values (by default each metric's last value). The fields after ``summary`` are
    bookkeeping that algorithms ignore; times are Unix seconds.
    """

    run_id: str
    state: RunState
    config: ConfigValues
    history: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    summary: Mapping[str, Any] = field(default_factory=dict)
    project: str = ""
    sweep_id: str | None = None
    name: str = ""
    group: str | None = None
    job_type: str | None = None
    tags: tuple[str, ...] = ()
    notes: str = ""
    created_at: float = 0.0
    updated_at: float = 0.0
    heartbeat_at: float | None = None
    lease_expires_at: float | None = None
    # Why a run ended the way it did: an error text, a stop reason, an exit code.
    exit_code: int | None = None
    end_reason: str = ""
    # What the search method recorded with the suggestion (method, seed, engine version, ...).
    suggestion_info: Mapping[str, Any] = field(default_factory=dict)
    # The grid point a run occupies; unique per sweep, so parallel agents never share one.
    point_key: str | None = None
    # Set (to the reason) when a stopping rule or a user asks the run to stop; whoever runs it
    # then ends it as ``stopped``.
    stop_requested: str = ""

    def metric_values(self, name: str) -> tuple[float, ...]:
        return self.history.get(name, ())

    def finite_metric_values(self, name: str) -> tuple[float, ...]:
        return tuple(value for value in self.metric_values(name) if math.isfinite(value))

    def summary_metric(self, name: str) -> float | None:
        """The run's summary value of ``name`` as a float, else its last logged value, else None."""
        value = self.summary.get(name)
        if isinstance(value, bool):
            value = None
        if isinstance(value, int | float):
            return float(value)
        values = self.metric_values(name)
        return values[-1] if values else None


@dataclass(frozen=True)
class Suggestion:
    """A configuration a search method proposes, with what it wants recorded alongside.

    ``info`` always carries ``method``, ``seed`` and ``engine_version``; a method may add more
    (for example the acquisition value), and the engine stores it with the run.
    """

    config: ConfigValues
    info: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StopDecision:
    """An early-termination verdict on one running run, with its explanation."""

    run_id: str
    should_stop: bool
    reason: str
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SweepRecord:
    """A stored sweep: its config as written, its state and how it is seeded."""

    sweep_id: str
    project: str
    config: Mapping[str, Any]
    state: SweepState
    seed: int
    created_at: float = 0.0
    updated_at: float = 0.0
    engine_version: str = ""
    # Why the sweep is in its state (grid exhausted, run_cap reached, stopped by a user).
    state_reason: str = ""

    @property
    def name(self) -> str:
        name = self.config.get("name")
        return name if isinstance(name, str) else self.sweep_id
