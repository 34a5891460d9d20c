"""Random search: every leaf parameter drawn independently from its own distribution.

Like W&B's random search it ignores the history and never runs out; unlike W&B it draws only
from the given generator, so a seeded sweep replays exactly.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sweeplab.domain.records import RunRecord, Suggestion
from sweeplab.search.base import SearchResult
from sweeplab.search.sampling import sample_value
from sweeplab.sweep_config.params import nest_values
from sweeplab.sweep_config.sweep import SweepConfig


def next_suggestion(
    config: SweepConfig, history: Sequence[RunRecord], rng: np.random.Generator
) -> SearchResult:
    """One independent draw of each parameter, nested as the sweep's parameters are.

    Parameters are drawn in W&B's order (depth-first, keys sorted), so the same generator
    state always gives the same config.
    """
    values = {path: sample_value(spec, rng, path) for path, spec in config.flat_parameters()}
    return Suggestion(config=nest_values(values))
