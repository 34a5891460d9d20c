"""Random search: independent seeded draws of every leaf, nested like the sweep's parameters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest

from sweeplab.domain.records import RunRecord, Suggestion
from sweeplab.domain.states import RunState
from sweeplab.errors import SearchError
from sweeplab.search import suggest
from sweeplab.search.random import next_suggestion
from sweeplab.sweep_config.params import (
    Categorical,
    Constant,
    IntUniform,
    LogNormal,
    LogUniformValues,
    Nested,
    Normal,
    ParamSpec,
    QUniform,
)
from sweeplab.sweep_config.sweep import Method, SweepConfig


def random_config(parameters: Mapping[str, ParamSpec]) -> SweepConfig:
    return SweepConfig(method=Method.RANDOM, parameters=parameters)


CONFIG = random_config(
    {
        "lr": LogUniformValues(min=1e-5, max=1e-1),
        "model": Nested(
            parameters={
                "layers": IntUniform(min=1, max=8),
                "act": Categorical(values=("relu", "gelu")),
                "head": Nested(parameters={"dropout": QUniform(min=0.0, max=0.5, q=0.05)}),
            }
        ),
        "epochs": Constant(10),
        "noise": Normal(),
    }
)


def draws(seed: int, count: int = 5) -> list[Mapping[str, Any]]:
    rng = np.random.default_rng(seed)
    results = [next_suggestion(CONFIG, [], rng) for _ in range(count)]
    assert all(isinstance(result, Suggestion) for result in results)
    return [result.config for result in results if isinstance(result, Suggestion)]


def test_output_is_nested_like_the_parameters() -> None:
    config = draws(0, count=1)[0]
    assert set(config) == {"lr", "model", "epochs", "noise"}
    assert set(config["model"]) == {"layers", "act", "head"}
    assert set(config["model"]["head"]) == {"dropout"}
    assert config["epochs"] == 10
    assert 1e-5 <= config["lr"] <= 1e-1
    assert type(config["model"]["layers"]) is int
    assert config["model"]["act"] in ("relu", "gelu")


def test_same_seed_same_suggestions() -> None:
    assert draws(42) == draws(42)


def test_different_seeds_different_suggestions() -> None:
    assert draws(42) != draws(43)


def test_successive_draws_differ() -> None:
    configs = draws(0)
    assert len({repr(config) for config in configs}) == len(configs)


def test_history_is_ignored() -> None:
    history = [
        RunRecord(run_id=f"r{i}", state=RunState.FINISHED, config=config, summary={"loss": 1.0})
        for i, config in enumerate(draws(0))
    ]
    with_history = next_suggestion(CONFIG, history, np.random.default_rng(9))
    without = next_suggestion(CONFIG, [], np.random.default_rng(9))
    assert with_history == without


def test_suggest_is_seeded_by_seed_and_history_length() -> None:
    config = random_config({"x": Normal()})
    first = suggest(config, [], seed=3)
    assert isinstance(first, Suggestion)
    assert first == suggest(config, [], seed=3)
    assert first.info["method"] == "random"
    assert first.info["seed"] == 3
    other_seed = suggest(config, [], seed=4)
    assert isinstance(other_seed, Suggestion)
    assert first.config != other_seed.config
    one_run = [RunRecord(run_id="r", state=RunState.RUNNING, config=first.config)]
    after_one_run = suggest(config, one_run, seed=3)
    assert isinstance(after_one_run, Suggestion)
    assert first.config != after_one_run.config


def test_draw_errors_name_the_parameter() -> None:
    config = random_config(
        {"data": Nested(parameters={"bs": LogNormal(mu=800.0, sigma=1.0)})}
    )
    with pytest.raises(SearchError, match=r"parameters\.data\.bs: log_normal drew inf"):
        next_suggestion(config, [], np.random.default_rng(0))
