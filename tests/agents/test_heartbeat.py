from __future__ import annotations

from sweeplab.agents import StopFlag
from sweeplab.agents.heartbeat import Heartbeat
from sweeplab.engine import Controller
from sweeplab.store.base import RunChanges
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
