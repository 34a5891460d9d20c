"""Spec objects check themselves on construction, independent of the loader."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from sweeplab.sweep_config import (
    Categorical,
    Constant,
    IntUniform,
    LogNormal,
    Nested,
    QLogNormal,
    QLogUniform,
    QLogUniformValues,
    QNormal,
    SpecError,
    Uniform,
    flatten_params,
    lookup_value,
    nest_values,
)


def test_spec_error_lists_every_problem() -> None:
    with pytest.raises(SpecError) as caught:
        QNormal(mu=float("inf"), sigma=-1.0, q=0.0)
    assert caught.value.problems == [
        "mu must be a finite number (got inf)",
        "q must be a number > 0 (got q=0.0)",
    ]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: LogNormal(sigma=-1), "log_normal needs sigma > 0 (got sigma=-1)"),
        (lambda: QLogNormal(q=-2), "q must be a number > 0 (got q=-2)"),
        (lambda: QLogUniform(min=0, max=1, q=True), "q must be a number > 0 (got q=True)"),
        (lambda: QLogUniformValues(min=1, max=10, q=0), "q must be a number > 0 (got q=0)"),
        (lambda: IntUniform(min=True, max=3), "int_uniform needs integer min (got True)"),
        (
            lambda: Categorical(values=(1,), probabilities=("x",)),  # type: ignore[arg-type]
            "probabilities must be numbers >= 0",
        ),
    ],
)
def test_each_spec_checks_itself(build: Callable[[], object], message: str) -> None:
    with pytest.raises(SpecError, match=re.escape(message)):
        build()


def test_specs_are_frozen_and_hashable() -> None:
    spec = Uniform(min=0.0, max=1.0)
    with pytest.raises(AttributeError):
        spec.min = 2.0  # type: ignore[misc]
    assert hash(spec) == hash(Uniform(min=0.0, max=1.0))


def test_searchable() -> None:
    assert not Constant(value=1).is_searchable
    assert Categorical(values=(1, 2)).is_searchable
    assert not Nested({"a": Constant(value=1)}).is_searchable
    assert Nested({"a": Constant(value=1), "b": Uniform(0.0, 1.0)}).is_searchable


def test_flatten_is_depth_first_with_sorted_keys() -> None:
    specs = {
        "b": Constant(1),
        "a": Nested({"z": Constant(2), "c": Nested({"y": Constant(3)})}),
        "a_b": Constant(4),
    }
    assert [path for path, _ in flatten_params(specs)] == [
        ("a", "c", "y"),
        ("a", "z"),
        ("a_b",),
        ("b",),
    ]


def test_nest_and_lookup_values() -> None:
    nested = nest_values({("a", "c", "y"): 3, ("a", "z"): 2, ("b",): 1})
    assert nested == {"a": {"c": {"y": 3}, "z": 2}, "b": 1}
    assert lookup_value(nested, ("a", "c", "y")) == (True, 3)
    assert lookup_value(nested, ("a", "q")) == (False, None)
    assert lookup_value(nested, ("b", "x")) == (False, None)
