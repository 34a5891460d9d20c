"""Grid search: W&B 0.3.0's order, dedupe, occupancy and exhaustion."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pytest

from sweeplab.domain.records import RunRecord, Suggestion
from sweeplab.domain.states import RunState
from sweeplab.errors import SearchError
from sweeplab.search import suggest
from sweeplab.search.base import Exhausted
from sweeplab.search.grid import grid_size, next_suggestion
from sweeplab.sweep_config.params import (
    Categorical,
    Constant,
    IntUniform,
    Nested,
    ParamSpec,
    QUniform,
    Uniform,
)
from sweeplab.sweep_config.sweep import Method, SweepConfig


def grid(parameters: Mapping[str, ParamSpec]) -> SweepConfig:
    return SweepConfig(method=Method.GRID, parameters=parameters)


def values(*items: Any) -> Categorical:
    return Categorical(values=tuple(items))


def run(config: Mapping[str, Any], state: RunState = RunState.FINISHED) -> RunRecord:
    return RunRecord(run_id=f"run-{id(config)}", state=state, config=config)


def suggest_next(config: SweepConfig, history: Sequence[RunRecord]) -> Suggestion:
    result = next_suggestion(config, history, np.random.default_rng(0))
    assert isinstance(result, Suggestion), result
    return result


def walk(config: SweepConfig, limit: int = 10_000) -> list[Mapping[str, Any]]:
    """Every suggestion until the grid is exhausted, each becoming a running run."""
    history: list[RunRecord] = []
    for _ in range(limit):
        result = next_suggestion(config, history, np.random.default_rng(0))
        if isinstance(result, Exhausted):
            return [record.config for record in history]
        history.append(run(result.config, RunState.RUNNING))
    raise AssertionError("grid never exhausted")


# --- order ---------------------------------------------------------------------------------


def test_keys_are_sorted_and_the_last_varies_fastest() -> None:
    configs = walk(grid({"b": values(1, 2), "a": values("x", "y")}))
    assert configs == [
        {"a": "x", "b": 1},
        {"a": "x", "b": 2},
        {"a": "y", "b": 1},
        {"a": "y", "b": 2},
    ]


def test_values_keep_their_listed_order() -> None:
    assert walk(grid({"a": values(3, 1, 2)})) == [{"a": 3}, {"a": 1}, {"a": 2}]


def test_nested_parameters_are_ordered_depth_first_with_sorted_keys() -> None:
    config = grid(
        {
            "z": values(0, 1),
            "opt": Nested(parameters={"lr": values(0.1, 0.2), "beta": values(1, 2)}),
            "a": Constant("fixed"),
        }
    )
    configs = walk(config)
    order = [(c["opt"]["beta"], c["opt"]["lr"], c["z"]) for c in configs]
    # Leaves in order: a (constant), opt.beta, opt.lr, z; z varies fastest.
    assert order == [(beta, lr, z) for beta in (1, 2) for lr in (0.1, 0.2) for z in (0, 1)]
    assert all(c["a"] == "fixed" for c in configs)
    assert list(configs[0]) == ["a", "opt", "z"]


def test_int_uniform_expands_to_min_through_max() -> None:
    configs = walk(grid({"n": IntUniform(min=2, max=5)}))
    assert [c["n"] for c in configs] == [2, 3, 4, 5]
    assert all(type(c["n"]) is int for c in configs)


def test_q_uniform_expands_from_min_by_q_excluding_max() -> None:
    configs = walk(grid({"x": QUniform(min=0.0, max=1.0, q=0.1)}))
    assert [c["x"] for c in configs] == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    int_configs = walk(grid({"x": QUniform(min=0, max=10, q=3)}))
    assert [c["x"] for c in int_configs] == [0, 3, 6, 9]


# --- dedupe --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("listed", "expected"),
    [
        ((1, 2, 1), [1, 2]),
        ((3, 3.0), [3]),
        ((2, 3.0, 3, 2.0), [2, 3.0]),
        (([1.0, 2], [1, 2]), [[1.0, 2], [1, 2]]),
        (({"a": 1, "b": 2}, {"b": 2, "a": 1}), [{"a": 1, "b": 2}]),
        ((True, 1, False, 0), [True, 1, False, 0]),
        (("1", 1), ["1", 1]),
        ((None, "null", None), [None, "null"]),
    ],
    ids=str,
)
def test_duplicate_values_collapse_keeping_the_first(
    listed: tuple[Any, ...], expected: list[Any]
) -> None:
    configs = walk(grid({"v": Categorical(values=listed)}))
    assert [c["v"] for c in configs] == expected
    # Same types too: 3 and 3.0 compare equal, so check the first-listed one was kept.
    assert [type(c["v"]) for c in configs] == [type(v) for v in expected]


def test_duplicates_keep_their_first_position_in_a_product() -> None:
    configs = walk(grid({"a": values("x", "y", "x"), "b": values(1, 2)}))
    assert [(c["a"], c["b"]) for c in configs] == [("x", 1), ("x", 2), ("y", 1), ("y", 2)]


# --- occupancy -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grid_values", "run_value", "expected_next"),
    [
        # 3 ≡ 3.0 for a top-level value, both ways round.
        ((3, 4), 3.0, 4),
        ((3.0, 4), 3, 4),
        # ... but not inside a list.
        (([1, 2], [3]), [1.0, 2], [1, 2]),
        # Dict key order is ignored.
        (({"a": 1, "b": 2}, "c"), {"b": 2, "a": 1}, "c"),
        # True is not 1, "1" is not 1.
        ((1, 2), True, 1),
        ((1, 2), "1", 1),
        # A value that is not a grid point occupies nothing.
        ((1, 2), 7, 1),
    ],
    ids=str,
)
def test_run_values_occupy_points_by_w_and_b_equality(
    grid_values: tuple[Any, ...], run_value: Any, expected_next: Any
) -> None:
    config = grid({"v": Categorical(values=grid_values)})
    assert suggest_next(config, [run({"v": run_value})]).config == {"v": expected_next}


def test_int_uniform_and_q_uniform_points_are_occupied_by_equal_numbers() -> None:
    config = grid({"n": IntUniform(min=1, max=3), "x": QUniform(min=0.0, max=0.3, q=0.1)})
    history = [run({"n": 1.0, "x": 0}), run({"n": 1, "x": 0.1})]
    assert suggest_next(config, history).config == {"n": 1, "x": 0.2}


@pytest.mark.parametrize("state", list(RunState))
def test_a_run_in_any_state_occupies_its_point(state: RunState) -> None:
    config = grid({"a": values(1, 2)})
    assert suggest_next(config, [run({"a": 1}, state)]).config == {"a": 2}


def test_a_run_missing_a_parameter_occupies_nothing() -> None:
    config = grid({"a": values(1, 2), "b": values(1)})
    assert suggest_next(config, [run({"a": 1})]).config == {"a": 1, "b": 1}


def test_extra_keys_and_constants_do_not_matter_for_occupancy() -> None:
    config = grid({"a": values(1, 2), "c": Constant(5)})
    history = [run({"a": 1, "c": 99, "unrelated": "x"})]
    assert suggest_next(config, history).config == {"a": 2, "c": 5}


def test_nested_run_config_occupies_its_point() -> None:
    config = grid({"opt": Nested(parameters={"lr": values(0.1, 0.2)})})
    assert suggest_next(config, [run({"opt": {"lr": 0.1}})]).config == {"opt": {"lr": 0.2}}
    # A flat key with a dot is not the nested parameter.
    assert suggest_next(config, [run({"opt.lr": 0.1})]).config == {"opt": {"lr": 0.1}}


def test_the_lowest_free_point_is_suggested() -> None:
    config = grid({"a": values(0, 1, 2, 3)})
    history = [run({"a": 0}), run({"a": 2})]
    result = suggest_next(config, history)
    assert result.config == {"a": 1}
    assert result.info == {"grid_index": 1, "grid_size": 4}
    history.append(run({"a": 1}))
    assert suggest_next(config, history).info["grid_index"] == 3


# --- exhaustion and constants --------------------------------------------------------------


def test_exhausted_when_every_point_is_taken() -> None:
    config = grid({"a": values(1, 2), "b": IntUniform(min=0, max=2)})
    configs = walk(config)
    assert len(configs) == 6 == grid_size(config)
    result = next_suggestion(config, [run(c) for c in configs], np.random.default_rng(0))
    assert result == Exhausted("grid exhausted: all 6 points have a run")


def test_a_grid_of_constants_only_yields_exactly_one_run() -> None:
    config = grid({"a": Constant(1), "b": Nested(parameters={"c": Constant([1, 2])})})
    assert grid_size(config) == 1
    first = suggest_next(config, [])
    assert first.config == {"a": 1, "b": {"c": [1, 2]}}
    assert first.info == {"grid_index": 0, "grid_size": 1}
    # Any run takes the single point, whatever its config says.
    result = next_suggestion(config, [run({})], np.random.default_rng(0))
    assert result == Exhausted("grid exhausted: all 1 point has a run")


def test_grid_size_is_the_product_of_distinct_points() -> None:
    config = grid(
        {
            "a": values(1, 1.0, 2),
            "b": IntUniform(min=1, max=10),
            "c": Nested(parameters={"d": QUniform(min=0.0, max=1.0, q=0.25)}),
            "e": Constant("x"),
        }
    )
    assert grid_size(config) == 2 * 10 * 4


def test_categorical_with_probabilities_enumerates_every_value() -> None:
    config = grid({"a": Categorical(values=("x", "y"), probabilities=(1.0, 0.0))})
    assert walk(config) == [{"a": "x"}, {"a": "y"}]


# --- errors --------------------------------------------------------------------------------


def test_continuous_parameter_is_an_error_naming_its_path() -> None:
    config = grid({"a": values(1), "opt": Nested(parameters={"lr": Uniform(min=0.0, max=1.0)})})
    with pytest.raises(SearchError, match=r"parameters\.opt\.lr: grid search cannot"):
        next_suggestion(config, [], np.random.default_rng(0))
    with pytest.raises(SearchError, match=r"parameters\.opt\.lr"):
        grid_size(config)


# --- purity, dispatch and speed ------------------------------------------------------------


def test_inputs_are_not_mutated_and_outputs_are_copies() -> None:
    config = grid({"a": values([1, 2], [3]), "c": Constant({"k": [0]})})
    history = [run({"a": [3], "c": {"k": [0]}})]
    before = copy.deepcopy(history)
    result = suggest_next(config, history)
    assert history == before
    result.config["a"].append(99)
    result.config["c"]["k"].append(99)
    assert suggest_next(config, history).config == {"a": [1, 2], "c": {"k": [0]}}


def test_suggest_dispatches_to_grid() -> None:
    result = suggest(grid({"a": values(1, 2)}), [run({"a": 1})], seed=5)
    assert isinstance(result, Suggestion)
    assert result.config == {"a": 2}
    assert result.info["method"] == "grid"
    assert result.info["grid_size"] == 2


def test_large_grid_with_many_runs_finds_the_first_free_point() -> None:
    # 100 000 points, 10 000 runs on points scattered through the grid (its speed is measured
    # by benchmarks/suggest_latency.py, not here).
    config = grid(
        {
            "a": IntUniform(min=0, max=99),
            "b": QUniform(min=0.0, max=10.0, q=0.1),
            "c": Categorical(values=tuple(f"v{i}" for i in range(10))),
        }
    )
    assert grid_size(config) == 100_000
    rng = np.random.default_rng(1)
    history = [
        run({"a": int(a), "b": round(float(b) / 10, 1), "c": f"v{c}"})
        for a, b, c in zip(
            rng.integers(0, 100, 10_000),
            rng.integers(0, 100, 10_000),
            rng.integers(0, 10, 10_000),
            strict=True,
        )
    ]
    # Occupy the first 1 000 points too, so the free-point scan has work to do.
    history += [run({"a": 0, "b": round(i // 10 / 10, 1), "c": f"v{i % 10}"}) for i in range(1000)]
    result = suggest_next(config, history)
    assert result.info["grid_index"] >= 1000
    assert dict(result.config) not in [dict(past.config) for past in history]


def test_a_run_occupies_the_point_its_point_key_names() -> None:
    """Claimed grid runs carry their point's number; the planner trusts it over the config
    (so claims parse no configs), and falls back to the config for runs without one."""
    config = grid({"a": values(1, 2, 3)})
    keyed = RunRecord(run_id="k", state=RunState.RUNNING, config={}, point_key="0")
    assert suggest_next(config, [keyed]).config == {"a": 2}
    unkeyed = run({"a": 2})
    assert suggest_next(config, [keyed, unkeyed]).config == {"a": 3}
    odd_key = RunRecord(run_id="o", state=RunState.RUNNING, config={"a": 1}, point_key="x-1")
    assert suggest_next(config, [odd_key]).config == {"a": 2}

