"""The validated sweep config: typed, frozen, and only ever built by the loader."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sweeplab.sweep_config.params import ParamPath, ParamSpec, flatten_params


class Method(StrEnum):
    GRID = "grid"
    RANDOM = "random"
    BAYES = "bayes"


class Goal(StrEnum):
    MINIMIZE = "minimize"
    MAXIMIZE = "maximize"


class Impute(StrEnum):
    """What bayes uses as the metric of a failed, crashed or stopped run."""

    WORST = "worst"
    BEST = "best"
    LATEST = "latest"


class ImputeWhileRunning(StrEnum):
    """What bayes assumes for a running run (``false``: treat it as pending)."""

    FALSE = "false"
    WORST = "worst"
    BEST = "best"
    LATEST = "latest"


@dataclass(frozen=True)
class MetricSpec:
    name: str
    goal: Goal = Goal.MINIMIZE
    target: float | None = None
    impute: Impute = Impute.WORST
    impute_while_running: ImputeWhileRunning = ImputeWhileRunning.FALSE

    def is_better(self, candidate: float, incumbent: float) -> bool:
        """True if ``candidate`` beats ``incumbent`` under this goal."""
        if self.goal is Goal.MINIMIZE:
            return candidate < incumbent
        return candidate > incumbent


@dataclass(frozen=True)
class HyperbandSpec:
    """W&B's hyperband early termination.

    Bands come either from ``min_iter`` (min_iter·eta^k for k = 0, 1, …) or from ``max_iter``
    and ``s`` (max_iter/eta^s, …, max_iter/eta). ``strict`` judges a run by its value at the
    band; relaxed (``strict=False``) by its best value so far. ``strict`` defaults to True, as
    in W&B's schema (``sweeps`` 0.3.0).
    """

    min_iter: int | None = None
    max_iter: int | None = None
    s: float | None = None
    eta: float = 3.0
    strict: bool = True


@dataclass(frozen=True)
class SweepConfig:
    """A whole, valid sweep config, built by :func:`~sweeplab.sweep_config.load_sweep_config`."""

    method: Method
    parameters: Mapping[str, ParamSpec]
    metric: MetricSpec | None = None
    early_terminate: HyperbandSpec | None = None
    run_cap: int | None = None
    seed: int | None = None
    program: str | None = None
    command: tuple[Any, ...] | None = None
    name: str | None = None
    description: str | None = None
    project: str | None = None
    entity: str | None = None
    # Keys W&B accepts that sweeplab keeps but does not act on (apiVersion, controller, ...).
    extras: Mapping[str, Any] = field(default_factory=dict)
    # The config as the user wrote it, for storing and showing back.
    source: Mapping[str, Any] = field(default_factory=dict)
    # Legal but suspicious choices (for example log_uniform's exponent bounds).
    warnings: tuple[str, ...] = ()

    def flat_parameters(self) -> list[tuple[ParamPath, ParamSpec]]:
        """Leaf parameters depth-first, keys sorted at each level (W&B's order)."""
        return flatten_params(self.parameters)
