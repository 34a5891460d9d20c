from __future__ import annotations

import io
import threading
import time
from dataclasses import replace

import pytest

from sweeplab.agents import AgentExit, RunAssignment, RunOutcome, StopFlag
from sweeplab.domain import RunState, SweepState
from sweeplab.engine import Controller
from sweeplab.errors import UsageError
from sweeplab.store.base import MetricRow
from tests.agents.conftest import FAST, GRID, ScriptedLauncher, make_loop


def test_runs_until_the_grid_is_exhausted(controller: Controller, output: io.StringIO) -> None:
    sweep = controller.create_sweep(GRID, "p")
    launcher = ScriptedLauncher()
    result = make_loop(controller, sweep.sweep_id, launcher, output).run()
    assert result.exit is AgentExit.SWEEP_DONE
    assert result.runs == 5 and result.failed == 0
    assert "grid exhausted: all 5 points have a run" in result.message
    assert [dict(a.run.config) for a in launcher.assignments] == [{"a": i} for i in range(1, 6)]
    states = {run.state for run in controller.store.sweep_runs(sweep.sweep_id)}
    assert states == {RunState.FINISHED}
    text = output.getvalue()
    assert f"agent starting on sweep {sweep.sweep_id}" in text
    assert "run 1: " in text and "with a=1" in text
    assert "agent done after 5 runs: sweep" in text


def test_count_limits_the_runs(controller: Controller, output: io.StringIO) -> None:
    sweep = controller.create_sweep(GRID, "p")
    result = make_loop(controller, sweep.sweep_id, ScriptedLauncher(), output, count=2).run()
    assert (result.exit, result.runs) == (AgentExit.COUNT_REACHED, 2)
    assert result.message == "agent done after 2 runs: ran 2 runs as asked"
    assert controller.store.get_sweep(sweep.sweep_id).state is SweepState.RUNNING


def test_count_must_be_positive(controller: Controller, output: io.StringIO) -> None:
    sweep = controller.create_sweep(GRID, "p")
    with pytest.raises(UsageError, match="count must be at least 1"):
        make_loop(controller, sweep.sweep_id, ScriptedLauncher(), output, count=0)


def test_run_cap_ends_the_agent(controller: Controller, output: io.StringIO) -> None:
    sweep = controller.create_sweep({**GRID, "run_cap": 2}, "p")
    result = make_loop(controller, sweep.sweep_id, ScriptedLauncher(), output).run()
    assert result.exit is AgentExit.SWEEP_DONE and result.runs == 2
    assert "run_cap of 2 reached" in result.message


def test_consecutive_failures_stop_the_agent(controller: Controller, output: io.StringIO) -> None:
    sweep = controller.create_sweep({"method": "random", "parameters": {"x": {"min": 0, "max": 9}}}, "p")
    failing = ScriptedLauncher(lambda a, s: RunOutcome(RunState.FAILED, 1, "ValueError: bad x"))
    settings = replace(FAST, max_consecutive_failures=3)
    result = make_loop(controller, sweep.sweep_id, failing, output, settings=settings).run()
    assert result.exit is AgentExit.TOO_MANY_FAILURES and result.exit.is_failure
    assert (result.runs, result.failed) == (3, 3)
    assert "3 runs failed in a row" in result.message
    assert "ValueError: bad x" in result.message
    ends = [run.end_reason for run in controller.store.sweep_runs(sweep.sweep_id)]
    assert ends == ["ValueError: bad x"] * 3


def test_a_success_resets_the_failure_count(controller: Controller, output: io.StringIO) -> None:
    sweep = controller.create_sweep(GRID, "p")
    outcomes = iter([RunState.FAILED, RunState.FINISHED, RunState.FAILED, RunState.FAILED,
                     RunState.FINISHED])
    launcher = ScriptedLauncher(lambda a, s: RunOutcome(next(outcomes)))
    settings = replace(FAST, max_consecutive_failures=2)
    result = make_loop(controller, sweep.sweep_id, launcher, output, settings=settings).run()
    assert result.exit is AgentExit.TOO_MANY_FAILURES
    assert (result.runs, result.failed) == (4, 3)


def test_paused_sweep_is_waited_for(controller: Controller, output: io.StringIO) -> None:
    sweep = controller.create_sweep({**GRID, "run_cap": 1}, "p")
    controller.pause(sweep.sweep_id)
    threading.Timer(0.2, controller.resume, args=(sweep.sweep_id,)).start()
    started = time.monotonic()
    result = make_loop(controller, sweep.sweep_id, ScriptedLauncher(), output).run()
    assert time.monotonic() - started >= 0.2
    assert result.runs == 1 and result.exit is AgentExit.SWEEP_DONE
    assert f"sweep {sweep.sweep_id!r} is paused" in output.getvalue()
    assert f"sweeplab sweep --resume {sweep.sweep_id}" in output.getvalue()


def test_stopped_sweep_ends_the_agent_at_once(controller: Controller, output: io.StringIO) -> None:
    sweep = controller.create_sweep(GRID, "p")
    controller.stop(sweep.sweep_id)
    result = make_loop(controller, sweep.sweep_id, ScriptedLauncher(), output).run()
    assert result.exit is AgentExit.SWEEP_DONE and result.runs == 0
    assert result.message == f"agent done after 0 runs: sweep {sweep.sweep_id} is stopped (stopped by user)"


def test_nothing_now_is_waited_for(controller: Controller, output: io.StringIO) -> None:
    """A planner that says "nothing now" (None) makes the agent ask again later."""
    sweep = controller.create_sweep(GRID, "p")
    calls = {"n": 0}
    original = controller.claim_next_run

    def claim(sweep_id: str, lease_seconds: float):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            return controller.store.claim_run(sweep_id, lambda s, r: None, lease_seconds)
        return original(sweep_id, lease_seconds)

    controller.claim_next_run = claim  # type: ignore[method-assign]
    result = make_loop(controller, sweep.sweep_id, ScriptedLauncher(), output, count=1).run()
    assert result.runs == 1
    assert "has no run to hand out right now" in output.getvalue()


def test_shutdown_request_ends_after_the_current_run(controller: Controller, output: io.StringIO) -> None:
    sweep = controller.create_sweep(GRID, "p")
    holder: dict[str, object] = {}

    def decide(assignment: RunAssignment, stop: StopFlag) -> RunOutcome:
        loop = holder["loop"]
        loop.request_shutdown("received SIGTERM")  # type: ignore[attr-defined]
        return RunOutcome(RunState.FINISHED, 0)

    loop = make_loop(controller, sweep.sweep_id, ScriptedLauncher(decide), output)
    holder["loop"] = loop
    result = loop.run()
    assert (result.exit, result.runs) == (AgentExit.INTERRUPTED, 1)
    assert result.message.endswith("received SIGTERM")


def test_interrupted_outcome_ends_the_agent(controller: Controller, output: io.StringIO) -> None:
    sweep = controller.create_sweep(GRID, "p")
    launcher = ScriptedLauncher(lambda a, s: RunOutcome(RunState.STOPPED, None, "Ctrl-C", interrupted=True))
    result = make_loop(controller, sweep.sweep_id, launcher, output).run()
    assert (result.exit, result.runs) == (AgentExit.INTERRUPTED, 1)
    run = controller.store.sweep_runs(sweep.sweep_id)[0]
    assert (run.state, run.end_reason) == (RunState.STOPPED, "Ctrl-C")


HYPERBAND = {
    "method": "grid",
    "metric": {"name": "loss"},
    "parameters": {"a": {"values": [1, 2, 3]}},
    "early_terminate": {"type": "hyperband", "min_iter": 1, "eta": 3},
}


def test_heartbeat_raises_the_stop_flag(controller: Controller, output: io.StringIO) -> None:
    """The third run logs a bad loss; the heartbeat's hyperband check stops it."""
    sweep = controller.create_sweep(HYPERBAND, "p")
    store = controller.store

    def decide(assignment: RunAssignment, stop: StopFlag) -> RunOutcome:
        a = assignment.run.config["a"]
        store.log_metrics(assignment.run.run_id, [MetricRow(0, "loss", float(a))])
        if a < 3:
            return RunOutcome(RunState.FINISHED, 0)
        assert stop.wait(5), "the heartbeat never asked the run to stop"
        return RunOutcome(RunState.STOPPED, reason=stop.reason)

    result = make_loop(controller, sweep.sweep_id, ScriptedLauncher(decide), output).run()
    assert result.runs == 3
    last = store.sweep_runs(sweep.sweep_id)[-1]
    assert last.state is RunState.STOPPED
    assert last.end_reason.startswith("early termination (hyperband): stopped at band 1")
    assert "run " + last.run_id + " stopped: early termination" in output.getvalue()
