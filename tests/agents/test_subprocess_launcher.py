from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from sweeplab.agents import RunAssignment, StopFlag, SubprocessLauncher
from sweeplab.agents.subprocess_launcher import describe_exit, sweep_param_path
from sweeplab.domain import RunState
from sweeplab.engine import Controller

pytestmark = pytest.mark.skipif(os.name != "posix", reason="process groups and signals are POSIX")


def _assignment(controller: Controller, script: str, tmp_path: Path, command: list[str] | None = None,
                params: dict[str, Any] | None = None) -> RunAssignment:
    program = tmp_path / "child.py"
    program.write_text(script)
    config = {
        "method": "grid",
        "program": str(program),
        "parameters": {key: {"value": value} for key, value in (params or {"lr": 0.5}).items()},
    }
    if command is not None:
        config["command"] = command
    sweep = controller.create_sweep(config, "proj")
    claim = controller.claim_next_run(sweep.sweep_id, 30)
    assert claim.run is not None
    return RunAssignment(
        run=claim.run,
        sweep=sweep,
        config=controller.sweep_config(sweep),
        store=controller.store,
        lease_seconds=30,
        heartbeat_seconds=1,
    )


def _launcher(tmp_path: Path, grace: float = 5.0, **environ: str) -> SubprocessLauncher:
    return SubprocessLauncher(
        work_dir=tmp_path / "work", kill_grace_seconds=grace, environ={**os.environ, **environ},
        poll_seconds=0.02,
    )


def test_child_gets_run_identity_params_and_args(controller: Controller, tmp_path: Path) -> None:
    out = tmp_path / "seen.json"
    script = f"""
import json, os, sys
names = ["SWEEPLAB_RUN_ID", "SWEEPLAB_SWEEP_ID", "SWEEPLAB_PROJECT", "SWEEPLAB_SWEEP_PARAM_PATH", "EXTRA"]
seen = {{name: os.environ.get(name) for name in names}}
seen["argv"] = sys.argv[1:]
seen["params"] = json.load(open(os.environ["SWEEPLAB_SWEEP_PARAM_PATH"]))
seen["executable"] = sys.executable
json.dump(seen, open({str(out)!r}, "w"))
"""
    assignment = _assignment(controller, script, tmp_path, params={"lr": 0.5, "bn": True})
    outcome = _launcher(tmp_path, EXTRA="kept").run(assignment, StopFlag())
    assert (outcome.state, outcome.exit_code) == (RunState.FINISHED, 0)
    seen = json.loads(out.read_text())
    param_path = sweep_param_path(tmp_path / "work", assignment.sweep.sweep_id, assignment.run.run_id)
    assert seen["SWEEPLAB_RUN_ID"] == assignment.run.run_id
    assert seen["SWEEPLAB_SWEEP_ID"] == assignment.sweep.sweep_id
    assert seen["SWEEPLAB_PROJECT"] == "proj"
    assert seen["SWEEPLAB_SWEEP_PARAM_PATH"] == str(param_path)
    assert seen["EXTRA"] == "kept"
    assert seen["params"] == {"lr": 0.5, "bn": True}
    assert seen["argv"] == ["--bn=True", "--lr=0.5"]
    assert os.path.realpath(seen["executable"]) == os.path.realpath(sys.executable)


def test_args_json_file_points_at_the_params(controller: Controller, tmp_path: Path) -> None:
    out = tmp_path / "seen.json"
    script = f"import json, sys; json.dump(json.load(open(sys.argv[1])), open({str(out)!r}, 'w'))"
    command = ["${interpreter}", "${program}", "${args_json_file}"]
    assignment = _assignment(controller, script, tmp_path, command=command)
    assert _launcher(tmp_path).run(assignment, StopFlag()).state is RunState.FINISHED
    assert json.loads(out.read_text()) == {"lr": 0.5}


def test_nonzero_exit_fails(controller: Controller, tmp_path: Path) -> None:
    assignment = _assignment(controller, "raise SystemExit(3)", tmp_path)
    outcome = _launcher(tmp_path).run(assignment, StopFlag())
    assert (outcome.state, outcome.exit_code, outcome.reason) == (RunState.FAILED, 3, "exited with code 3")


def test_command_that_cannot_start_fails(controller: Controller, tmp_path: Path) -> None:
    assignment = _assignment(controller, "", tmp_path, command=["/no/such/binary", "${args}"])
    outcome = _launcher(tmp_path).run(assignment, StopFlag())
    assert outcome.state is RunState.FAILED
    assert "could not start the sweep's command ['/no/such/binary', '--lr=0.5']" in outcome.reason


def _stop_when_ready(ready: Path, stop: StopFlag, reason: str) -> None:
    def wait_then_stop() -> None:
        while not ready.exists():
            time.sleep(0.01)
        stop.set(reason)

    threading.Thread(target=wait_then_stop, daemon=True).start()


def test_stop_sends_sigterm(controller: Controller, tmp_path: Path) -> None:
    marker, ready = tmp_path / "term", tmp_path / "ready"
    script = f"""
import signal, sys, time
def on_term(signum, frame):
    open({str(marker)!r}, "w").write("got SIGTERM")
    sys.exit(0)
signal.signal(signal.SIGTERM, on_term)
open({str(ready)!r}, "w").close()
time.sleep(30)
"""
    assignment = _assignment(controller, script, tmp_path)
    stop = StopFlag()
    _stop_when_ready(ready, stop, "hyperband says so")
    outcome = _launcher(tmp_path).run(assignment, stop)
    assert (outcome.state, outcome.reason) == (RunState.STOPPED, "hyperband says so")
    assert marker.read_text() == "got SIGTERM"


def test_stop_kills_a_child_that_ignores_sigterm(controller: Controller, tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    script = (
        "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        f"open({str(ready)!r}, 'w').close()\ntime.sleep(30)\n"
    )
    assignment = _assignment(controller, script, tmp_path)
    stop = StopFlag()
    _stop_when_ready(ready, stop, "stop")
    started = time.monotonic()
    outcome = _launcher(tmp_path, grace=0.5).run(assignment, stop)
    assert time.monotonic() - started < 10
    assert (outcome.state, outcome.exit_code) == (RunState.STOPPED, -signal.SIGKILL)


def test_forwarded_signal_interrupts(controller: Controller, tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    script = (
        f"import time\nopen({str(ready)!r}, 'w').close()\ntry:\n    time.sleep(30)\n"
        "except KeyboardInterrupt:\n    raise SystemExit(130)\n"
    )
    assignment = _assignment(controller, script, tmp_path)
    launcher = _launcher(tmp_path)
    assert launcher.forward_signal(signal.SIGINT) is False  # nothing running yet

    def forward_when_started() -> None:
        while not ready.exists():
            time.sleep(0.01)
        assert launcher.forward_signal(signal.SIGINT)

    threading.Thread(target=forward_when_started, daemon=True).start()
    outcome = launcher.run(assignment, StopFlag())
    assert outcome.state is RunState.STOPPED and outcome.interrupted
    assert outcome.reason == "interrupted: the agent received SIGINT and passed it on"


def test_describe_exit() -> None:
    assert describe_exit(2) == "exited with code 2"
    assert describe_exit(-9) == "killed by SIGKILL"
    assert describe_exit(-200) == "killed by signal 200"
