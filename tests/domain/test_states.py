from __future__ import annotations

import math

import pytest

from sweeplab.domain import RunRecord, RunState, SweepState
from sweeplab.errors import StateTransitionError


def test_run_terminal_states() -> None:
    assert {s for s in RunState if s.is_terminal} == {
        RunState.FINISHED,
        RunState.FAILED,
        RunState.CRASHED,
        RunState.STOPPED,
    }


def test_allowed_run_transition_returns_target() -> None:
    assert RunState.RUNNING.transition(RunState.FINISHED) is RunState.FINISHED
    assert RunState.CRASHED.transition(RunState.FINISHED) is RunState.FINISHED


def test_illegal_run_transition_names_both_states() -> None:
    with pytest.raises(StateTransitionError, match="a run cannot go from 'finished' to 'running'"):
        RunState.FINISHED.transition(RunState.RUNNING)


def test_sweep_transitions() -> None:
    assert SweepState.RUNNING.transition(SweepState.PAUSED) is SweepState.PAUSED
    assert SweepState.PAUSED.hands_out_runs is False
    assert SweepState.RUNNING.hands_out_runs is True
    assert SweepState.CANCELED.is_terminal
    with pytest.raises(
        StateTransitionError, match="a sweep cannot go from 'finished' to 'running'"
    ):
        SweepState.FINISHED.transition(SweepState.RUNNING)


def test_state_transition_error_code() -> None:
    error = StateTransitionError("run", "a", "b")
    assert (error.code, error.current, error.requested) == ("state_transition", "a", "b")


def test_run_record_metric_helpers() -> None:
    run = RunRecord(
        run_id="r1",
        state=RunState.RUNNING,
        config={},
        history={"loss": (1.0, math.nan, 0.5, math.inf)},
        summary={"acc": 0.9, "flag": True},
    )
    assert run.finite_metric_values("loss") == (1.0, 0.5)
    assert run.metric_values("missing") == ()
    assert run.summary_metric("acc") == 0.9
    assert math.isinf(run.summary_metric("loss") or 0.0)  # falls back to the last logged value
    assert run.summary_metric("flag") is None  # a bool is not a metric value
    assert run.summary_metric("missing") is None
