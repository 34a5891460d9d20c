"""A real sweep for dashboard tests, made by the engine: claims, metrics, hyperband stops.

:func:`populate` runs a random-search sweep with hyperband through :class:`Controller` the way
agents do (claim, log, heartbeat-time stopping evaluation, finish), one run at a time on a
clock that advances a minute per run, so runs have distinct start times. It leaves one run
running (for live-update tests) and adds a standalone run whose name is an XSS probe.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sweeplab.domain import RunState
from sweeplab.engine import Controller
from sweeplab.store.base import MetricRow, NewRun, RunChanges, Store

PROJECT = "vision"
XSS_NAME = "<img src=x onerror=alert(1)>"
METRIC = "val_loss"

SWEEP_CONFIG = {
    "name": "cnn-search",
    "method": "random",
    "metric": {"name": METRIC, "goal": "minimize"},
    "parameters": {
        "lr": {"distribution": "log_uniform_values", "min": 1e-4, "max": 1e-1},
        "batch_size": {"values": [16, 32, 64]},
        "optimizer": {"values": ["adam", "sgd"]},
        "dropout": {"min": 0.0, "max": 0.5},
    },
    "early_terminate": {"type": "hyperband", "min_iter": 3, "eta": 2},
    "run_cap": 40,
}


@dataclass(frozen=True)
class SweepData:
    """What :func:`populate` made."""

    sweep_id: str
    finished_ids: tuple[str, ...]
    stopped_ids: tuple[str, ...]
    running_id: str
    xss_run_id: str


class StepClock:
    """A clock the population moves by hand (Unix seconds)."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def loss_at(config: Mapping[str, Any], step: int, rng: random.Random) -> float:
    """A plausible validation loss: best near lr=3e-3, adam, small dropout; decays per step."""
    base = 0.25 * (math.log10(float(config["lr"])) + 2.5) ** 2 + 0.15
    base += 0.12 if config["optimizer"] == "sgd" else 0.0
    base += 0.3 * float(config["dropout"])
    base += 0.02 * (int(config["batch_size"]) // 16)
    return base + 1.5 * math.exp(-step / 4.0) + rng.gauss(0.0, 0.01)


def log_steps(
    store: Store,
    run_id: str,
    config: Mapping[str, Any],
    steps: range,
    rng: random.Random,
    *,
    now: float | None = None,
) -> float:
    """Log val_loss, train_loss and accuracy for ``steps``; returns the last val_loss."""
    value = math.nan
    rows = []
    for step in steps:
        value = loss_at(config, step, rng)
        rows.extend(
            [
                MetricRow(step, METRIC, value),
                MetricRow(step, "train_loss", value * 0.9),
                MetricRow(step, "accuracy", 1.0 / (1.0 + value)),
            ]
        )
    store.log_metrics(run_id, rows)
    store.update_run(
        run_id, RunChanges(summary={METRIC: value, "accuracy": 1.0 / (1.0 + value)}), now=now
    )
    return value


def populate(store: Store, run_count: int = 16, steps_per_run: int = 16) -> SweepData:
    """Run ``run_count`` runs of the sweep (hyperband stops some), then leave one running.

    Finished runs are spread over the past hour or so (a minute apart, 2 s per step); the
    running run starts now with an hour's lease, so no reaper crashes it during a test.
    """
    clock = StepClock(time.time() - (60.0 + 2.0 * steps_per_run) * (run_count + 1))
    controller = Controller(store, clock=clock)
    sweep = controller.create_sweep(SWEEP_CONFIG, project=PROJECT, seed=7)
    rng = random.Random(7)
    finished: list[str] = []
    stopped: list[str] = []
    for _ in range(run_count):
        clock.now += 60.0
        claim = controller.claim_next_run(sweep.sweep_id, lease_seconds=3600)
        assert claim.run is not None, claim.reason
        run_id, config = claim.run.run_id, dict(claim.run.config)
        done = 0
        while done < steps_per_run:
            chunk = range(done, min(steps_per_run, done + 3))
            clock.now += 2.0 * len(chunk)
            log_steps(store, run_id, config, chunk, rng, now=clock.now)
            done = chunk.stop
            controller.evaluate_stopping(sweep.sweep_id)  # as agents do after a heartbeat
            if store.get_run(run_id).stop_requested:
                break
        reason = store.get_run(run_id).stop_requested
        if reason:
            store.finish_run(run_id, RunState.STOPPED, reason=reason, now=clock.now)
            stopped.append(run_id)
        else:
            store.finish_run(run_id, RunState.FINISHED, exit_code=0, now=clock.now)
            finished.append(run_id)
    clock.now = time.time()
    live = controller.claim_next_run(sweep.sweep_id, lease_seconds=3600).run
    assert live is not None
    log_steps(store, live.run_id, dict(live.config), range(2), rng)
    xss = store.create_run(
        NewRun(
            project=PROJECT, name=XSS_NAME, config={"lr": 0.01, "note": XSS_NAME}, tags=("probe",)
        )
    )
    store.log_metrics(xss.run_id, [MetricRow(step, "loss", 1.0 / (step + 1)) for step in range(5)])
    store.update_run(xss.run_id, RunChanges(summary={"loss": 0.2, "comment": XSS_NAME}))
    return SweepData(
        sweep_id=sweep.sweep_id,
        finished_ids=tuple(finished),
        stopped_ids=tuple(stopped),
        running_id=live.run_id,
        xss_run_id=xss.run_id,
    )
