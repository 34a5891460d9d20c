"""The bayes search-space encoding: every distribution, categoricals, nesting, errors."""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
import pytest

from sweeplab.errors import SearchError
from sweeplab.search.bayes.categories import CategoryIndex
from sweeplab.search.bayes.space import build_space
from sweeplab.sweep_config.params import (
    Beta,
    Categorical,
    Constant,
    Distribution,
    IntUniform,
    InvLogUniform,
    InvLogUniformValues,
    LogNormal,
    LogUniform,
    LogUniformValues,
    Nested,
    Normal,
    ParamSpec,
    QBeta,
    QLogNormal,
    QLogUniform,
    QLogUniformValues,
    QNormal,
    QUniform,
    Uniform,
    flatten_params,
)

# Every numeric distribution with the range its values must stay in (None: unbounded side) and
# its q (None: continuous); ``is_int`` says the values must be Python ints.
NUMERIC_SPECS: list[tuple[ParamSpec, float | None, float | None, float | None, bool]] = [
    (Uniform(-2.0, 3.0), -2.0, 3.0, None, False),
    (IntUniform(-3, 4), -3, 4, 1, True),
    (QUniform(0.0, 1.0, q=0.1), 0.0, 1.0, 0.1, False),
    (QUniform(1, 20, q=3), 1, 20, 3, True),
    (LogUniform(-5.0, 0.0), math.exp(-5), 1.0, None, False),
    (LogUniformValues(1e-5, 1e-1), 1e-5, 1e-1, None, False),
    (QLogUniform(0.0, 5.0, q=2.0), 1.0, math.exp(5), 2.0, False),
    (QLogUniformValues(1.0, 1000.0, q=5), 1.0, 1000.0, 5, True),
    (InvLogUniform(1.0, 4.0), math.exp(-4), math.exp(-1), None, False),
    (InvLogUniformValues(0.01, 0.5), 0.01, 0.5, None, False),
    (Normal(1.0, 2.0), None, None, None, False),
    (QNormal(0.0, 10.0, q=0.5), None, None, 0.5, False),
    (LogNormal(0.0, 1.0), 0.0, None, None, False),
    (QLogNormal(2.0, 0.5, q=1.0), 0.0, None, 1.0, False),
    (Beta(2.0, 5.0), 0.0, 1.0, None, False),
    (QBeta(0.5, 0.5, q=0.05), 0.0, 1.0, 0.05, False),
]


def _is_multiple(value: float, q: float) -> bool:
    return abs(value / q - round(value / q)) < 1e-9


@pytest.mark.parametrize(("spec", "low", "high", "q", "is_int"), NUMERIC_SPECS)
def test_decoded_values_stay_in_their_spec(
    spec: ParamSpec, low: float | None, high: float | None, q: float | None, is_int: bool
) -> None:
    space = build_space([(("p",), spec)])
    rng = np.random.default_rng(0)
    # Random rows, rows far outside [0, 1] (the optimizer may step out) and the ends.
    rows = np.concatenate([rng.random((200, 1)), rng.normal(0.5, 3.0, (50, 1)), [[0.0], [1.0]]])
    for row in space.snap(rows):
        value = space.decode(row)["p"]
        assert type(value) is (int if is_int else float), value
        if low is not None:
            assert value >= low
        if high is not None:
            assert value <= high
        if q is not None:
            assert _is_multiple(value, q), value


@pytest.mark.parametrize(("spec", "low", "high", "q", "is_int"), NUMERIC_SPECS)
def test_encoding_round_trips(
    spec: ParamSpec, low: float | None, high: float | None, q: float | None, is_int: bool
) -> None:
    space = build_space([(("p",), spec)])
    rows = space.sample(20, np.random.default_rng(1))
    configs = [space.decode(row) for row in rows]
    encoded, valid = space.encode(configs)
    assert valid.all()
    assert [space.decode(row) for row in encoded] == configs


def test_log_distributions_are_searched_on_a_log_axis() -> None:
    space = build_space([(("lr",), LogUniformValues(1e-6, 1.0))])
    encoded, _ = space.encode([{"lr": 1e-3}])
    assert encoded[0, 0] == pytest.approx(0.5)


def test_unbounded_priors_cover_the_central_quantiles() -> None:
    space = build_space([(("x",), Normal(10.0, 2.0))])
    low, high = space.decode(np.array([0.0]))["x"], space.decode(np.array([1.0]))["x"]
    assert low == pytest.approx(10.0 - 3.0902 * 2.0, abs=1e-3)
    assert high == pytest.approx(10.0 + 3.0902 * 2.0, abs=1e-3)


def test_a_q_wider_than_an_unbounded_prior_leaves_one_value() -> None:
    space = build_space([(("p",), QNormal(0.4, 0.01, q=1.0))])
    assert space.size == 1
    assert space.decode(np.array([0.3]))["p"] == 0.0


def test_an_unknown_spec_kind_is_an_error() -> None:
    class Weird(ParamSpec):
        distribution: ClassVar[Distribution] = Distribution.UNIFORM

    with pytest.raises(SearchError, match="cannot search parameter p"):
        build_space([(("p",), Weird())])


def test_categorical_values_are_columns_of_indices_not_ordinals() -> None:
    space = build_space([(("act",), Categorical(("relu", "tanh", "gelu")))])
    assert space.categorical_columns.tolist() == [True]
    encoded, _ = space.encode([{"act": "gelu"}, {"act": "relu"}])
    assert encoded[:, 0].tolist() == [2.0, 0.0]


def test_falsy_categorical_values_are_told_apart() -> None:
    values: tuple[Any, ...] = (0, False, "", None, 0.0, 1, True)
    space = build_space([(("v",), Categorical(values))])
    encoded, valid = space.encode([{"v": value} for value in values])
    assert valid.all()
    assert encoded[:, 0].tolist() == [0, 1, 2, 3, 4, 5, 6]
    decoded = [space.decode(row)["v"] for row in encoded]
    assert [(type(v), v) for v in decoded] == [(type(v), v) for v in values]


def test_category_lookup_falls_back_to_numbers_but_never_to_booleans() -> None:
    index = CategoryIndex([1, "a", [1, 2]])
    assert index.find(1.0) == 0
    assert index.find(True) is None
    assert index.find((1, 2)) == 2
    assert index.find({"x": 1}) is None


def test_categorical_with_probabilities_never_proposes_a_zero_probability_value() -> None:
    spec = Categorical(("a", "b", "c"), probabilities=(0.7, 0.0, 0.3))
    space = build_space([(("c",), spec)])
    drawn = [space.decode(row)["c"] for row in space.sample(500, np.random.default_rng(2))]
    assert set(drawn) == {"a", "c"}
    assert 0.6 < drawn.count("a") / len(drawn) < 0.8


def test_repeated_categorical_values_are_one_category() -> None:
    space = build_space([(("c",), Categorical(("a", "b", "a"), probabilities=(0.25, 0.5, 0.25)))])
    assert space.dims[0].cardinality == 2
    assert space.size == 2


def test_a_categorical_with_one_possible_value_is_a_constant() -> None:
    space = build_space([(("c",), Categorical(("a", "b"), probabilities=(0.0, 1.0)))])
    assert space.width == 0
    assert space.decode(np.empty(0)) == {"c": "b"}


def test_nested_parameters_decode_to_nested_configs_with_constants() -> None:
    parameters: dict[str, ParamSpec] = {
        "optimizer": Nested(
            {
                "lr": LogUniformValues(1e-4, 1e-1),
                "name": Constant("adam"),
                "beta": Uniform(0.8, 0.99),
            }
        ),
        "layers": IntUniform(1, 4),
    }
    space = build_space(flatten_params(parameters))
    config = space.decode(space.sample(1, np.random.default_rng(3))[0])
    assert set(config) == {"optimizer", "layers"}
    assert set(config["optimizer"]) == {"lr", "name", "beta"}
    assert config["optimizer"]["name"] == "adam"
    encoded, valid = space.encode([config, {"layers": 2}])
    assert valid.tolist() == [True, False]
    assert space.decode(encoded[0]) == config


def test_configs_that_do_not_fit_the_space_are_marked_invalid() -> None:
    space = build_space([(("lr",), LogUniformValues(1e-4, 1.0)), (("c",), Categorical(("a", "b")))])
    _, valid = space.encode(
        [
            {"lr": 0.01, "c": "a"},
            {"lr": -1.0, "c": "a"},  # not on the log axis
            {"lr": "fast", "c": "a"},  # not a number
            {"lr": True, "c": "a"},  # a bool is not a number here
            {"lr": 0.01, "c": "z"},  # not a category
            {"lr": float("nan"), "c": "a"},
        ]
    )
    assert valid.tolist() == [True, False, False, False, False, False]


def test_discrete_space_size_and_point_keys() -> None:
    space = build_space(
        [
            (("a",), IntUniform(1, 3)),
            (("b",), Categorical(("x", "y"))),
            (("c",), QUniform(0.0, 1.0, q=0.5)),
        ]
    )
    assert space.is_discrete
    assert space.size == 3 * 2 * 3
    keys = {space.key_of_index(i) for i in range(space.size)}
    assert len(keys) == space.size
    rows = np.array([space.row_of_key(key) for key in keys])
    assert set(space.point_keys(rows)) == keys
    assert space.member_keys(rows) == keys


def test_runs_off_the_grid_of_values_occupy_no_point() -> None:
    space = build_space([(("a",), IntUniform(1, 3))])
    encoded, _ = space.encode([{"a": 7}, {"a": 2}])  # 7: the range was edited since
    assert space.member_keys(encoded) == {(2,)}


def test_point_keys_need_a_discrete_space() -> None:
    space = build_space([(("a",), Uniform(0.0, 1.0))])
    with pytest.raises(SearchError, match="only for discrete"):
        space.point_keys(np.array([[0.5]]))


def test_all_rows_enumerates_a_discrete_space_in_key_order() -> None:
    space = build_space(
        [
            (("a",), IntUniform(1, 3)),
            (("b",), Categorical(("x", "y", "z"), probabilities=(0.5, 0.0, 0.5))),
        ]
    )
    rows = space.all_rows()
    assert space.size == len(rows) == 6
    assert space.point_keys(rows) == [space.key_of_index(i) for i in range(6)]
    assert [space.decode(row)["b"] for row in rows[:2]] == ["x", "z"]


def test_decoded_lists_and_dicts_are_copies_of_the_spec_values() -> None:
    space = build_space(
        [
            (
                ("layers",),
                Categorical(
                    (
                        [64, 64],
                        [128],
                    )
                ),
            ),
            (("extra",), Constant({"a": [1]})),
        ]
    )
    config = space.decode(np.array([0.0]))
    config["layers"].append(1)
    config["extra"]["a"].append(2)
    again = space.decode(np.array([0.0]))
    assert again == {"layers": [64, 64], "extra": {"a": [1]}}
