"""summary and define_metric."""

from __future__ import annotations

import math

import pytest

import sweeplab.sdk as wandb
from sweeplab.errors import UsageError
from sweeplab.sdk.run_summary import Summary, parse_definition
from sweeplab.sdk.settings import Settings
from sweeplab.store.memory import MemoryStore


def test_last_value_by_default_and_explicit_values(settings: Settings, store: MemoryStore) -> None:
    run = wandb.init(settings=settings)
    wandb.log({"loss": 2.0, "acc": 0.1})
    wandb.log({"loss": 1.0})
    wandb.summary["best_acc"] = 0.9
    run.summary.note = "hello"
    wandb.summary.update({"extra": 1}, more=2)
    assert wandb.summary["loss"] == 1.0 and run.summary.acc == 0.1 and run.summary.note == "hello"
    wandb.summary["loss"] = 0.5  # explicit value until the key is logged again
    assert wandb.summary["loss"] == 0.5
    wandb.log({"loss": 0.7})
    assert wandb.summary["loss"] == 0.7
    del wandb.summary["extra"]
    assert "extra" not in wandb.summary and len(wandb.summary) == 5
    with pytest.raises(KeyError):
        del wandb.summary["extra"]
    with pytest.raises(AttributeError, match="summary has no key 'nope'"):
        _ = run.summary.nope
    assert sorted(wandb.summary.keys()) == ["acc", "best_acc", "loss", "more", "note"]
    assert dict(wandb.summary.items())["more"] == 2 and 0.1 in wandb.summary.values()
    assert wandb.summary.get("nope", 3) == 3 and sorted(wandb.summary) == sorted(
        wandb.summary.keys()
    )
    assert "Summary(" in repr(wandb.summary)
    wandb.finish()
    assert store.get_run(run.id).summary == {
        "loss": 0.7,
        "acc": 0.1,
        "best_acc": 0.9,
        "note": "hello",
        "more": 2,
    }


def test_define_metric_aggregates(settings: Settings, store: MemoryStore) -> None:
    run = wandb.init(settings=settings)
    wandb.define_metric("loss", summary="min")
    wandb.define_metric("loss", summary="max")  # adds up, as in W&B
    wandb.define_metric("acc", summary="best,last", goal="maximize")
    wandb.define_metric("val/*", summary="mean")
    wandb.define_metric("hidden", summary="none")
    wandb.define_metric("first_only", summary="first")
    for loss, acc, val in [(3.0, 0.2, 1.0), (math.nan, 0.5, 2.0), (1.0, 0.4, 6.0)]:
        wandb.log(
            {
                "loss": loss,
                "acc": acc,
                "val/x": val,
                "hidden": 1.0,
                "first_only": loss,
                "other": 1.0,
            }
        )
    assert run.summary["loss"] == {"max": 3.0, "min": 1.0}  # NaN left out
    assert run.summary["acc"] == {"best": 0.5, "last": 0.4}
    assert run.summary["val/x"] == {"mean": 3.0}
    assert run.summary["first_only"] == {"first": 3.0}
    assert "hidden" not in run.summary and run.summary["other"] == 1.0
    run.summary["loss"] = 0.0  # an explicit value wins over the aggregate
    assert run.summary["loss"] == 0.0
    wandb.finish()
    assert store.get_run(run.id).summary["acc"] == {"best": 0.5, "last": 0.4}


def test_define_metric_overwrite_and_last_only() -> None:
    summary = Summary()
    definition = parse_definition(
        "x", summary="min", goal=None, step_metric=None, hidden=None, previous=None
    )
    replaced = parse_definition(
        "x", summary="copy", goal=None, step_metric="epoch", hidden=True, previous=None
    )
    assert definition.summary_ops == {"min"} and replaced.summary_ops == {"last"}
    assert replaced.step_metric == "epoch" and replaced.hidden
    summary.define(replaced)
    summary.observe_row({"x": 4.0})
    assert summary["x"] == 4.0


def test_define_metric_errors(settings: Settings) -> None:
    run = wandb.init(settings=settings)
    with pytest.raises(UsageError, match="unknown summary average"):
        run.define_metric("x", summary="average")
    with pytest.raises(UsageError, match="goal must be 'minimize' or 'maximize', got 'up'"):
        run.define_metric("x", goal="up")
    with pytest.raises(UsageError, match="summary='best'\\) needs goal"):
        run.define_metric("x", summary="best")
    with pytest.raises(UsageError, match="name must be a non-empty string"):
        run.define_metric("", summary="min")
    definition = run.define_metric("x", summary="best", goal="min")
    assert definition.goal == "minimize"
    assert run.define_metric("x", overwrite=True).summary_ops == frozenset()
