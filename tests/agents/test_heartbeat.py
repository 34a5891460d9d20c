from __future__ import annotations

from typing import Any

from sweeplab.agents import StopFlag
from sweeplab.agents.heartbeat import Heartbeat
from sweeplab.domain import RunRecord, RunState, StopDecision
from sweeplab.engine import Controller
from sweeplab.store.base import RunChanges
from sweeplab.store.memory import MemoryStore
from tests.agents.conftest import GRID


def _beat(controller: Controller, sweep_id: str, run_id: str, stop: StopFlag,
          warnings: list[str]) -> Heartbeat:
    return Heartbeat(controller, sweep_id=sweep_id, run_id=run_id, lease_seconds=10,
                     heartbeat_seconds=60, stop=stop, warn=warnings.append)


def test_beat_extends_the_lease_and_raises_the_stop_flag(controller: Controller) -> None:
    sweep = controller.create_sweep(GRID, "p")
    run = controller.claim_next_run(sweep.sweep_id, 1).run
    assert run is not None
    stop, warnings = StopFlag(), []  # type: ignore[var-annotated]
    beat = _beat(controller, sweep.sweep_id, run.run_id, stop, warnings)
    beat.beat()
    assert not stop.is_set()
    lease = controller.store.get_run(run.run_id).lease_expires_at
    assert lease is not None and lease > (run.lease_expires_at or 0)
    controller.store.update_run(run.run_id, RunChanges(stop_requested="user asked"))
    beat.beat()
    assert stop.is_set() and stop.reason == "user asked"
    assert warnings == []


def test_a_failing_beat_warns_and_goes_on(controller: Controller) -> None:
    sweep = controller.create_sweep(GRID, "p")
    stop, warnings = StopFlag(), []  # type: ignore[var-annotated]
    with _beat(controller, sweep.sweep_id, "nosuchrun", stop, warnings) as beat:
        beat.beat()
    assert len(warnings) == 1
    assert warnings[0].startswith("could not heartbeat for run nosuchrun (will retry): ")


def test_stop_flag_keeps_its_first_reason() -> None:
    stop = StopFlag()
    assert stop.wait(0) is False
    stop.set("first")
    stop.set("second")
    assert stop.reason == "first" and stop.wait(0)


class _ServerSideController(Controller):
    """A controller whose store's server coordinates; records what a beat asks of it."""

    def __init__(self, calls: list[str]) -> None:
        super().__init__(MemoryStore())
        self.calls = calls

    @property
    def server_coordinated(self) -> bool:
        return True

    def evaluate_stopping(self, sweep_id: str) -> list[StopDecision]:
        self.calls.append("judge")
        return []

    def heartbeat(self, run_id: str, lease_seconds: float) -> RunRecord:
        self.calls.append("heartbeat")
        return RunRecord(run_id=run_id, state=RunState.RUNNING, config={}, project="p")

    def reap(self, now: float | None = None) -> list[str]:
        self.calls.append("reap")
        return []


def test_against_a_server_a_beat_only_extends_the_lease() -> None:
    """The server judges early termination as metrics arrive and reaps by itself."""
    calls: list[str] = []
    stop, warnings = StopFlag(), []  # type: ignore[var-annotated]
    _beat(_ServerSideController(calls), "s", "r", stop, warnings).beat()
    assert calls == ["heartbeat"] and warnings == []


def test_locally_a_beat_judges_heartbeats_and_reaps(controller: Controller) -> None:
    calls: list[str] = []
    sweep = controller.create_sweep(GRID, "p")
    run = controller.claim_next_run(sweep.sweep_id, 1).run
    assert run is not None and not controller.server_coordinated
    for name in ("evaluate_stopping", "reap"):
        original = getattr(controller, name)

        def recorded(*args: object, _name: str = name, _original: Any = original) -> object:
            calls.append(_name)
            return _original(*args)

        setattr(controller, name, recorded)
    stop, warnings = StopFlag(), []  # type: ignore[var-annotated]
    _beat(controller, sweep.sweep_id, run.run_id, stop, warnings).beat()
    assert calls == ["evaluate_stopping", "reap"] and warnings == []
