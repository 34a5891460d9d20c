"""bayes on the search spaces of sweep configs people published (the shared corpus).

Each accepted config is run as a bayes sweep (with its own metric, or ``loss``) for enough
trials to reach the model phase; every suggestion must lie inside its spec.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sweeplab.domain.records import RunRecord, Suggestion
from sweeplab.domain.states import RunState
from sweeplab.search.base import Exhausted
from sweeplab.search.bayes import next_suggestion
from sweeplab.search.bayes.space import build_space
from sweeplab.sweep_config import load_sweep_config
from sweeplab.sweep_config.sweep import Method, MetricSpec, SweepConfig
from sweeplab.sweep_config.yaml_loader import parse_yaml

DATA = Path(__file__).parent.parent / "sweep_config" / "data"
ROWS: list[dict[str, Any]] = [
    json.loads(line) for line in (DATA / "real-sweep-configs.jsonl").read_text().splitlines()
]


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread() -> Iterator[None]:
    """Small matrices: one BLAS thread is fastest (see test_bayes.py)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1):
        yield


def _bayes_config(row: dict[str, Any]) -> SweepConfig:
    data = parse_yaml((DATA / row["file"]).read_text(encoding="utf-8"))
    config = load_sweep_config(data[row["sweep_config_key"]] if row["sweep_config_key"] else data)
    return dataclasses.replace(
        config, method=Method.BAYES, metric=config.metric or MetricSpec("loss")
    )


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_same(left[k], right[k]) for k in left)
    if type(left) is float and type(right) is float:
        return math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-12)
    return type(left) is type(right) and bool(left == right)


@pytest.mark.parametrize("row", [r for r in ROWS if r["valid"]], ids=lambda r: r["file"])
def test_bayes_runs_every_published_search_space(row: dict[str, Any]) -> None:
    config = _bayes_config(row)
    assert config.metric is not None
    name = config.metric.name
    space = build_space(config.flat_parameters())
    values = np.random.default_rng(0)
    history: list[RunRecord] = []
    phases = set()
    for index in range(14):
        result = next_suggestion(config, history, np.random.default_rng(index))
        if isinstance(result, Exhausted):
            assert space.is_discrete and len(history) == space.size
            return
        assert isinstance(result, Suggestion)
        phases.add(result.info["phase"])
        encoded, valid = space.encode([result.config])
        assert valid.all(), result.config
        # On a valid value of every spec (continuous floats only up to rounding).
        assert _same(space.decode(encoded[0]), result.config), result.config
        history.append(
            RunRecord(
                f"r{index}",
                RunState.FINISHED,
                result.config,
                summary={name: float(values.normal())},
            )
        )
    assert "model" in phases
