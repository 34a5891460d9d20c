"""End to end: a real hyperband sweep stops Keras ``fit()`` runs, and ``fit()`` returns."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

import sweeplab
from sweeplab.domain import RunState
from sweeplab.errors import RunStopped
from sweeplab.store import open_store
from tests.integration.conftest import framework

keras: Any = framework("keras")

from sweeplab.keras import WandbCallback  # noqa: E402 - after the framework check

pytestmark = pytest.mark.integration

# Four grid points; the monitored "score" is ``a`` at every epoch. Bands at iterations 2, 4, ...
# Points 1 and 2 train 4 epochs and finish; 3 and 4 would train 300 epochs, but at band 1
# their score is worse than the threshold set by the runs before them, so hyperband stops them.
SWEEP = {
    "method": "grid",
    "metric": {"name": "score", "goal": "minimize"},
    "parameters": {"a": {"values": [1, 2, 3, 4]}},
    "early_terminate": {"type": "hyperband", "min_iter": 2, "eta": 2},
}
FAST = {
    "SWEEPLAB_LEASE_SECONDS": "10",
    "SWEEPLAB_HEARTBEAT_SECONDS": "0.1",
    "SWEEPLAB_FLUSH_SECONDS": "0.05",
    "SWEEPLAB_SHIP_SECONDS": "0.05",
}


class Score(keras.callbacks.Callback):  # type: ignore[misc]
    """Adds ``score = a`` to each epoch's logs (callbacks share the dict) and slows epochs."""

    def __init__(self, a: int) -> None:
        super().__init__()
        self.a = a

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        logs["score"] = float(self.a)
        time.sleep(0.03)


def test_hyperband_stops_fit_runs_cleanly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in FAST.items():
        monkeypatch.setenv(name, value)
    outcomes: dict[int, tuple[int, RunStopped | None]] = {}

    def train() -> None:
        sweeplab.init()
        a = int(sweeplab.config.a)
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        callback = WandbCallback(monitor="score", save_model=False)
        x = keras.ops.ones((8, 2))
        history = model.fit(x, x[:, :1], epochs=4 if a <= 2 else 300, verbose=0,
                            callbacks=[Score(a), callback])
        outcomes[a] = (len(history.history["loss"]), callback.run_stopped)

    sweep_id = sweeplab.sweep(SWEEP, project="hb")
    sweeplab.agent(sweep_id, function=train)

    assert sorted(outcomes) == [1, 2, 3, 4]  # fit() returned in every run
    store = open_store(f"sqlite:///{tmp_path / 'sweeplab' / 'sweeplab.db'}")
    try:
        runs = {run.config["a"]: run for run in store.sweep_runs(sweep_id)}
        for a in (1, 2):
            assert runs[a].state is RunState.FINISHED and outcomes[a] == (4, None)
        for a in (3, 4):
            run = runs[a]
            assert run.state is RunState.STOPPED, (a, run.state, run.end_reason)
            assert run.end_reason.startswith("early termination (hyperband)")
            epochs, stopped = outcomes[a]
            assert stopped is not None and stopped.reason == run.end_reason
            assert 2 <= epochs < 300
            assert len(store.read_metrics(run.run_id)["score"]) == epochs
            assert run.summary["best_score"] == a
    finally:
        store.close()
