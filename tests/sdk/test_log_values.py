"""log(): W&B step rules, flattening, numpy values, NaN/Inf, non-numeric values."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import sweeplab.sdk as wandb
from sweeplab.errors import UsageError
from sweeplab.sdk.settings import Settings
from sweeplab.sdk.values import as_number, flatten, split_values
from sweeplab.store.memory import MemoryStore


def _history(store: MemoryStore, run_id: str) -> dict[str, list[tuple[int, float]]]:
    return store.read_metrics(run_id)


def test_each_log_call_is_a_new_step(settings: Settings, store: MemoryStore) -> None:
    run = wandb.init(settings=settings)
    for value in (1.0, 2.0, 3.0):
        wandb.log({"x": value})
    assert run.step == 3
    wandb.finish()
    assert _history(store, run.id)["x"] == [(0, 1.0), (1, 2.0), (2, 3.0)]


def test_commit_false_merges_into_the_current_step(settings: Settings, store: MemoryStore) -> None:
    run = wandb.init(settings=settings)
    wandb.log({"a": 1.0}, commit=False)
    wandb.log({"b": 2.0}, commit=False)
    assert run.step == 0
    wandb.log({"c": 3.0})
    assert run.step == 1
    wandb.log({"a": 4.0})
    wandb.finish()
    history = _history(store, run.id)
    assert history["a"] == [(0, 1.0), (1, 4.0)]
    assert history["b"] == [(0, 2.0)]
    assert history["c"] == [(0, 3.0)]


def test_explicit_steps(settings: Settings, store: MemoryStore) -> None:
    run = wandb.init(settings=settings)
    wandb.log({"a": 1.0}, step=5)  # not committed yet: same step may get more keys
    assert run.step == 5
    wandb.log({"b": 2.0}, step=5)
    wandb.log({"a": 3.0}, step=7)  # commits step 5, moves to 7
    wandb.log({"c": 4.0})  # merges into 7 and commits; the next step is 8
    assert run.step == 8
    wandb.log({"a": 5.0}, step=9, commit=True)
    assert run.step == 10
    wandb.log({"a": 6.0}, step=12)  # pending until finish
    wandb.finish()
    history = _history(store, run.id)
    assert history["a"] == [(5, 1.0), (7, 3.0), (9, 5.0), (12, 6.0)]
    assert history["b"] == [(5, 2.0)]
    assert history["c"] == [(7, 4.0)]


def test_lower_step_is_dropped_with_wandb_warning(settings: Settings, store: MemoryStore) -> None:
    run = wandb.init(settings=settings)
    wandb.log({"a": 1.0}, step=10)
    with pytest.warns(
        UserWarning, match="Tried to log to step 3 that is less than the current step 10"
    ):
        wandb.log({"a": 2.0}, step=3)
    wandb.finish()
    assert _history(store, run.id)["a"] == [(10, 1.0)]


@pytest.mark.parametrize("step", [-1, 1.5, "3", True])
def test_bad_step_is_refused(settings: Settings, step: object) -> None:
    wandb.init(settings=settings)
    with pytest.raises(UsageError, match="non-negative integer"):
        wandb.log({"a": 1.0}, step=step)  # type: ignore[arg-type]


def test_numpy_step_is_accepted(settings: Settings, store: MemoryStore) -> None:
    run = wandb.init(settings=settings)
    wandb.log({"a": 1.0}, step=np.int64(4), commit=True)  # type: ignore[arg-type]
    wandb.finish()
    assert _history(store, run.id)["a"] == [(4, 1.0)]


def test_nested_dicts_are_flattened(settings: Settings, store: MemoryStore) -> None:
    run = wandb.init(settings=settings)
    wandb.log({"train": {"loss": 0.5, "deep": {"x": 1}}, "lr": 0.1})
    wandb.finish()
    history = _history(store, run.id)
    assert history["train.loss"] == [(0, 0.5)]
    assert history["train.deep.x"] == [(0, 1.0)]
    assert history["lr"] == [(0, 0.1)]


def test_numpy_values_nan_and_inf(settings: Settings, store: MemoryStore) -> None:
    run = wandb.init(settings=settings)
    wandb.log(
        {
            "f32": np.float32(0.5),
            "i64": np.int64(3),
            "b": np.bool_(True),
            "arr": np.array([2.5]),
            "zero_d": np.array(1.5),
            "nan": float("nan"),
            "inf": math.inf,
            "ninf": np.float64(-np.inf),
            "flag": False,
        }
    )
    wandb.finish()
    history = _history(store, run.id)
    assert history["f32"] == [(0, 0.5)]
    assert history["i64"] == [(0, 3.0)]
    assert history["b"] == [(0, 1.0)]
    assert history["arr"] == [(0, 2.5)]
    assert history["zero_d"] == [(0, 1.5)]
    assert math.isnan(history["nan"][0][1])
    assert history["inf"] == [(0, math.inf)]
    assert history["ninf"] == [(0, -math.inf)]
    assert history["flag"] == [(0, 0.0)]
    assert type(run.summary["i64"]) is int


def test_strings_go_to_summary_only_with_one_warning(
    settings: Settings, store: MemoryStore
) -> None:
    run = wandb.init(settings=settings)
    with pytest.warns(
        UserWarning, match="'phase' is a str, not a number; it is kept in the run's summary"
    ):
        wandb.log({"phase": "warmup", "x": 1.0})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the second time is silent
        wandb.log({"phase": "train", "x": 2.0})
    wandb.finish()
    assert "phase" not in _history(store, run.id)
    assert store.get_run(run.id).summary["phase"] == "train"


def test_unsupported_values_are_dropped_with_a_warning(
    settings: Settings, store: MemoryStore
) -> None:
    run = wandb.init(settings=settings)
    with pytest.warns(UserWarning, match="'vector' is a ndarray, which sweeplab cannot store"):
        wandb.log({"vector": np.zeros(3), "obj": 1.0})
    wandb.finish()
    assert "vector" not in _history(store, run.id)
    assert "vector" not in store.get_run(run.id).summary


def test_log_needs_a_dict(settings: Settings) -> None:
    wandb.init(settings=settings)
    with pytest.raises(TypeError, match=r"log\(\) takes a dict"):
        wandb.log([1, 2], step=1)  # type: ignore[arg-type]


def test_split_values_fast_and_slow_paths() -> None:
    assert split_values({"a": 1.0, "b": 2}) == ({"a": 1.0, "b": 2}, None)
    with pytest.warns(UserWarning, match="'s' is a NoneType"):
        numbers, others = split_values({"a": np.float64(1.5), "s": None, 3: 1.0})  # type: ignore[dict-item]
    assert numbers == {"a": 1.5, "3": 1.0}
    assert type(numbers["a"]) is float
    assert others == {"s": None}


def test_as_number_duck_types() -> None:
    class FakeTensor:  # torch-like: size() is a method, numel() counts
        def size(self) -> tuple[int, ...]:
            return (1,)

        def numel(self) -> int:
            return 1

        def item(self) -> float:
            return 7.0

    class BrokenItem:
        size = 1

        def item(self) -> float:
            raise ValueError("no")

    assert as_number(FakeTensor()) == 7.0
    assert as_number(BrokenItem()) is None
    assert as_number(np.array([1.0, 2.0])) is None
    assert as_number("1.0") is None
    assert as_number(np.array(["a"])) is None  # .item() gives a str


def test_flatten() -> None:
    assert flatten({"a": {"b": {"c": 1}}, "d": {}, "e": 2}) == {"a.b.c": 1, "d": {}, "e": 2}
