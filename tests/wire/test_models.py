"""Records cross the wire unchanged, non-finite floats included."""

from __future__ import annotations

import math

from sweeplab.domain import RunRecord, RunState, StopDecision, SweepRecord, SweepState
from sweeplab.store.base import Claim, NewRun, PlannedRun, RunChanges, RunQuery, SweepDone
from sweeplab.wire.json_values import tag, untag
from sweeplab.wire.models import ClaimOut, RunOut, StopDecisionOut, SweepOut
from sweeplab.wire.requests import PlannedDecision, RunCreate, RunQueryBody, RunUpdate


def _same(left: object, right: object) -> bool:
    return repr(left) == repr(right)  # NaN != NaN, but its repr is stable


def test_run_records_round_trip_through_json() -> None:
    record = RunRecord(
        run_id="r1",
        state=RunState.STOPPED,
        config={"lr": math.inf, "nested": {"a": [1, math.nan]}},
        history={"loss": (1.0, math.nan, -math.inf)},
        summary={"best": -math.inf, "text": "NaN"},
        project="p",
        sweep_id="s",
        tags=("a", "b"),
        heartbeat_at=3.5,
        exit_code=-15,
        suggestion_info={"grid_index": 3},
        point_key="3",
        stop_requested="hyperband",
    )
    text = RunOut.from_record(record).model_dump_json()
    assert "NaN," not in text and "Infinity," not in text.replace('"-Infinity"', "")
    back = RunOut.model_validate_json(text).to_record()
    assert _same(back, record)


def test_sweeps_claims_and_decisions_round_trip() -> None:
    sweep = SweepRecord("s", "p", {"x": 1}, SweepState.PAUSED, 7, 1.0, 2.0, "0.1", "lunch")
    assert (
        SweepOut.model_validate_json(SweepOut.from_record(sweep).model_dump_json()).to_record()
        == sweep
    )
    claim = Claim(run=None, sweep=sweep, reason="paused")
    assert (
        ClaimOut.model_validate_json(ClaimOut.from_claim(claim).model_dump_json()).to_claim()
        == claim
    )
    decision = StopDecision("r", True, "worse", {"band": 2, "threshold": math.nan})
    back = StopDecisionOut.model_validate_json(
        StopDecisionOut.from_decision(decision).model_dump_json()
    ).to_decision()
    assert _same(back, decision)


def test_requests_convert_both_ways() -> None:
    new = NewRun(project="p", config={"a": 1}, run_id="r", tags=("t",), sweep_id="s")
    assert RunCreate.from_new_run(new, None).to_new_run() == new
    changes = RunChanges(state=RunState.FINISHED, summary={"x": 1}, tags=("a",))
    assert RunUpdate.from_changes(changes, 5.0).to_changes() == changes
    query = RunQuery(project="p", states=(RunState.RUNNING,), config_equals={"a": 1}, order="-name")
    body = RunQueryBody.from_query(query, limit=10, offset=20)
    assert body.to_query() == RunQuery(
        project="p", states=(RunState.RUNNING,), config_equals={"a": 1}, order="-name",
        limit=10, offset=20,
    )  # fmt: skip
    for decision in (
        PlannedRun({"x": 1}, {"grid_index": 1}, "1"),
        SweepDone(SweepState.FINISHED, "grid exhausted"),
        None,
    ):
        assert PlannedDecision.from_decision(decision).to_decision() == decision


def test_tags_only_replace_non_finite_floats() -> None:
    value = {"a": [1.0, math.nan], "b": "NaN", "c": {"$float": "other"}}
    tagged = tag(value)
    assert tagged == {"a": [1.0, {"$float": "NaN"}], "b": "NaN", "c": {"$float": "other"}}
    assert _same(untag(tagged), value)
