from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import pytest

from sweeplab.agents import AgentExit, FunctionLauncher, RunAssignment, StopFlag, describe_error
from sweeplab.domain import RunState
from sweeplab.engine import Controller
from sweeplab.errors import RunStopped
from sweeplab.store.base import RunChanges, RunQuery
from tests.agents.conftest import GRID, make_loop


@pytest.fixture(autouse=True)
def _sdk_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Run logs of joined runs go under tmp_path, never the working directory.
    monkeypatch.setenv("SWEEPLAB_DIR", str(tmp_path / "sweeplab"))
    monkeypatch.chdir(tmp_path)


def _assignment(controller: Controller, config: dict[str, Any] | None = None) -> RunAssignment:
    sweep = controller.create_sweep(config or GRID, "proj")
    claim = controller.claim_next_run(sweep.sweep_id, 30)
    assert claim.run is not None
    return RunAssignment(run=claim.run, sweep=sweep, config=controller.sweep_config(sweep),
                         store=controller.store, lease_seconds=30, heartbeat_seconds=10)


def test_plain_function_finishes(controller: Controller) -> None:
    calls: list[int] = []
    outcome = FunctionLauncher(lambda: calls.append(1)).run(_assignment(controller), StopFlag())
    assert (outcome.state, outcome.exit_code) == (RunState.FINISHED, 0)
    assert calls == [1]


def test_raising_function_fails_with_error_and_traceback(controller: Controller) -> None:
    def train() -> None:
        raise ValueError("learning rate too high")

    outcome = FunctionLauncher(train).run(_assignment(controller), StopFlag())
    assert (outcome.state, outcome.exit_code) == (RunState.FAILED, 1)
    assert outcome.reason.startswith("ValueError: learning rate too high\nTraceback")
    assert "in train" in outcome.reason


def test_run_stopped_ends_stopped(controller: Controller) -> None:
    assignment = _assignment(controller)

    def train() -> None:
        raise RunStopped(assignment.run.run_id, "hyperband")

    outcome = FunctionLauncher(train).run(assignment, StopFlag())
    assert (outcome.state, outcome.reason) == (RunState.STOPPED, "hyperband")


def test_stop_requested_while_the_function_ran(controller: Controller) -> None:
    assignment = _assignment(controller)

    def train() -> None:
        controller.store.update_run(assignment.run.run_id, RunChanges(stop_requested="user"))

    outcome = FunctionLauncher(train).run(assignment, StopFlag())
    assert (outcome.state, outcome.reason) == (RunState.STOPPED, "user")


def test_keyboard_interrupt_stops_and_interrupts(controller: Controller) -> None:
    def train() -> None:
        raise KeyboardInterrupt

    outcome = FunctionLauncher(train).run(_assignment(controller), StopFlag())
    assert outcome.state is RunState.STOPPED and outcome.interrupted


def test_describe_error_without_traceback() -> None:
    assert describe_error(RuntimeError("x")) == "RuntimeError: x"
    assert describe_error(RuntimeError()) == "RuntimeError"


def test_init_inside_the_function_joins_the_run(controller: Controller) -> None:
    import sweeplab.sdk as wandb

    seen: list[dict[str, Any]] = []

    def train() -> None:
        run = wandb.init(config={"a": 100, "epochs": 1})
        wandb.config.epochs = 2
        seen.append({"id": run.id, "a": wandb.config.a, "epochs": wandb.config.epochs})
        for epoch in range(wandb.config.epochs):
            wandb.log({"loss": 1.0 / (epoch + 1)})

    loop = make_loop(controller, controller.create_sweep(GRID, "proj").sweep_id,
                     FunctionLauncher(train), io.StringIO(), count=2)
    result = loop.run()
    assert result.exit is AgentExit.COUNT_REACHED
    runs = controller.store.list_runs(RunQuery())
    assert [run.run_id for run in runs] == [entry["id"] for entry in seen]
    assert [entry["a"] for entry in seen] == [1, 2]  # sweep values win over init(config=)
    for run in runs:
        assert run.state is RunState.FINISHED
        assert run.config["epochs"] == 2
        history = controller.store.read_metrics(run.run_id)
        assert [value for _, value in history["loss"]] == [1.0, 0.5]


def test_run_stopped_from_log_inside_the_function(controller: Controller) -> None:
    import sweeplab.sdk as wandb

    sweep = controller.create_sweep(GRID, "proj")

    def train() -> None:
        run = wandb.init()
        controller.store.update_run(run.id, RunChanges(stop_requested="early termination (test)"))
        for step in range(10_000):
            wandb.log({"loss": float(step)})
            time.sleep(0.001)
        raise AssertionError("log() never raised RunStopped")

    result = make_loop(controller, sweep.sweep_id, FunctionLauncher(train), io.StringIO(),
                       count=1).run()
    assert result.runs == 1
    run = controller.store.sweep_runs(sweep.sweep_id)[0]
    assert run.state is RunState.STOPPED
    assert run.end_reason == "early termination (test)"


@pytest.mark.parametrize(
    ("code", "state", "exit_code"),
    [(None, RunState.FINISHED, 0), (0, RunState.FINISHED, 0), (3, RunState.FAILED, 3),
     ("bad input", RunState.FAILED, 1)],
)
def test_sys_exit_ends_the_run_not_the_agent(controller: Controller, code: object,
                                             state: RunState, exit_code: int) -> None:
    def train() -> None:
        raise SystemExit(code)

    outcome = FunctionLauncher(train).run(_assignment(controller), StopFlag())
    assert (outcome.state, outcome.exit_code) == (state, exit_code)
    assert not outcome.interrupted
