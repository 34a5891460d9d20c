"""Search methods: grid, random and bayes, each a pure seeded function.

Use :func:`suggest`; it picks the method named by ``config.method``, derives the generator
from ``seed`` and the history length (so a replay of the same sweep gives the same runs), and
stamps the suggestion with the method, seed and engine version.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import import_module

import numpy as np

from sweeplab.domain.records import RunRecord, Suggestion
from sweeplab.search.base import ENGINE_VERSION, Exhausted, SearchFunction, SearchResult
from sweeplab.sweep_config.sweep import Method, SweepConfig

# Each method lives in its own module, imported on first use (bayes pulls in scipy).
_METHOD_MODULES: dict[Method, str] = {
    Method.GRID: "sweeplab.search.grid",
    Method.RANDOM: "sweeplab.search.random",
    Method.BAYES: "sweeplab.search.bayes",
}


def search_function(method: Method) -> SearchFunction:
    """The search function for ``method`` (each module exposes ``next_suggestion``)."""
    module = import_module(_METHOD_MODULES[method])
    function: SearchFunction = module.next_suggestion
    return function


def suggest(config: SweepConfig, history: Sequence[RunRecord], seed: int) -> SearchResult:
    """The next suggestion for a sweep, or :class:`Exhausted`."""
    rng = np.random.default_rng([seed, len(history)])
    result = search_function(config.method)(config, history, rng)
    if isinstance(result, Exhausted):
        return result
    info = {
        **result.info,
        "method": config.method.value,
        "seed": seed,
        "engine_version": ENGINE_VERSION,
    }
    return Suggestion(config=result.config, info=info)


__all__ = [
    "ENGINE_VERSION",
    "Exhausted",
    "SearchFunction",
    "SearchResult",
    "search_function",
    "suggest",
]
