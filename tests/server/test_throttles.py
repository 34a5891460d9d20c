"""Judging early termination and reaping on behalf of many agents, at most once a second."""

from __future__ import annotations

import asyncio

import httpx
import pytest

import sweeplab.server.claims as claims_module
from sweeplab.domain import StopDecision
from sweeplab.engine.judging import StoppingJudge
from sweeplab.server.claims import ClaimTurns
from sweeplab.server.state import ReapThrottle
from sweeplab.store.base import NewRun, Store


def test_stopping_verdicts_are_reused_within_the_interval() -> None:
    throttle = StoppingJudge(interval_seconds=60)
    calls: list[int] = []

    def evaluate() -> list[StopDecision]:
        calls.append(1)
        return [StopDecision("r", True, f"call {len(calls)}")]

    first = throttle.judge("s", evaluate)
    assert throttle.judge("s", evaluate) == first
    assert len(calls) == 1
    throttle.judge("other", evaluate)
    assert len(calls) == 2
    assert StoppingJudge(interval_seconds=0).judge("s", evaluate)[0].reason == "call 3"
    assert throttle.judge("s", evaluate, fresh=True)[0].reason == "call 4"
    assert throttle.judge("s", evaluate)[0].reason == "call 4"  # the fresh verdict is kept


def test_sweeps_noted_with_new_metrics_are_handed_out_once() -> None:
    judge = StoppingJudge()
    assert judge.take_due() == []
    for sweep_id in ("b", "a", "b"):
        judge.note_new_metrics(sweep_id)
    assert judge.take_due() == ["a", "b"]
    assert judge.take_due() == []


def test_reaps_without_a_time_are_throttled(client: httpx.Client, store: Store) -> None:
    assert ReapThrottle(interval_seconds=60).due()
    run = store.create_run(NewRun(project="p"))
    store.heartbeat(run.run_id, 1.0, now=0.0)  # expired long ago
    assert client.post("/api/v1/runs/reap", json={}).json()["run_ids"] == [run.run_id]
    again = store.create_run(NewRun(project="p"))
    store.heartbeat(again.run_id, 1.0, now=0.0)
    assert client.post("/api/v1/runs/reap", json={}).json()["run_ids"] == []  # too soon
    explicit = client.post("/api/v1/runs/reap", json={"now": 10.0}).json()["run_ids"]
    assert explicit == [again.run_id]


def test_a_slow_judgement_is_repeated_less_often() -> None:
    """A sweep whose judgement took 2 s is judged again 20 s later (max_share 0.1), not every
    second: judging a huge sweep cannot take over the server."""
    now = [100.0]
    judge = StoppingJudge(interval_seconds=1.0, max_share=0.1, clock=lambda: now[0])

    def slow() -> list[StopDecision]:
        now[0] += 2.0
        return []

    judge.note_new_metrics("big")
    assert judge.take_due() == ["big"]
    judge.judge("big", slow, fresh=True)
    judge.note_new_metrics("big")
    judge.note_new_metrics("small")
    now[0] = 110.0
    assert judge.take_due() == ["small"]  # "big" stays noted
    now[0] = 119.9
    assert judge.take_due() == []
    now[0] = 120.0
    assert judge.take_due() == ["big"]


def test_claims_of_a_sweep_share_one_turn_and_idle_turns_are_forgotten(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    turns = ClaimTurns()
    assert turns.turn("a") is turns.turn("a")
    assert turns.turn("a") is not turns.turn("b")
    monkeypatch.setattr(claims_module, "_MAX_TURN_LOCKS", 2)

    async def hold_a_then_add_c() -> None:
        async with turns.turn("a"):
            turns.turn("c")  # over the limit: "b" (idle) is forgotten, "a" (held) kept

    asyncio.run(hold_a_then_add_c())
    assert sorted(turns._locks) == ["a", "c"]


def test_judging_one_sweep_now_leaves_the_other_noted_sweeps_noted() -> None:
    now = [0.0]
    judge = StoppingJudge(interval_seconds=1.0, clock=lambda: now[0])
    judge.note_new_metrics("other")
    assert judge.judge_if_due("mine", list) == []
    assert judge.judge_if_due("mine", list) is None  # judged a moment ago: noted for later
    assert judge.take_due() == ["other"]
    now[0] = 1.0
    assert judge.take_due() == ["mine"]
