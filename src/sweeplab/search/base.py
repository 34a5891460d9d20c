"""What every search method is: a pure, seeded function of (config, history, rng)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from sweeplab.domain.records import RunRecord, Suggestion
from sweeplab.sweep_config.sweep import SweepConfig

ENGINE_VERSION = "0.1.0"


@dataclass(frozen=True)
class Exhausted:
    """The method has nothing left to suggest (a finished grid); ``reason`` says why."""

    reason: str


SearchResult = Suggestion | Exhausted


class SearchFunction(Protocol):
    """A search method.

    It reads ``history`` (every run of the sweep so far, in creation order, in any state) and
    draws randomness only from ``rng``. It must not mutate its inputs or open a store.
    ``Suggestion.info`` may carry method-specific details; :func:`sweeplab.search.suggest`
    adds ``method``, ``seed`` and ``engine_version``.
    """

    def __call__(
        self, config: SweepConfig, history: Sequence[RunRecord], rng: np.random.Generator
    ) -> SearchResult: ...
