"""Run a sweep run as a child process built from the sweep's ``command``.

For each run the launcher writes the run's parameters to a JSON file, expands the command's
macros (:mod:`sweeplab.agents.macros`), and starts the child with the agent's environment plus
``SWEEPLAB_RUN_ID``, ``SWEEPLAB_SWEEP_ID``, ``SWEEPLAB_PROJECT`` and
``SWEEPLAB_SWEEP_PARAM_PATH``, so ``sweeplab.init()`` in the child joins the run (store
settings such as ``SWEEPLAB_DIR`` pass through unchanged).

The child gets its own process group, so a Ctrl-C in the terminal reaches only the agent, which
passes it on (:meth:`SubprocessLauncher.forward_signal`); a second one kills the child. When
the run is asked to stop, the child's group gets SIGTERM, then SIGKILL after
``kill_grace_seconds`` (W&B's agent does the same, with a 30 s default).

How the run ends, when the child did not record it itself: exit code 0 → ``finished``; asked
to stop → ``stopped`` with the reason; interrupted by a forwarded signal → ``stopped``; any
other exit → ``failed`` with the exit code (or the signal that killed it).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path

from sweeplab.agents.launch import RunAssignment, RunOutcome, StopFlag
from sweeplab.agents.macros import CommandInputs, expand_command
from sweeplab.domain import RunState

_POSIX = os.name == "posix"


def sweep_param_path(work_dir: Path, sweep_id: str, run_id: str) -> Path:
    """Where a run's parameter file goes: ``<dir>/sweep-<sweep>/config-<run>.json``."""
    return work_dir / f"sweep-{sweep_id}" / f"config-{run_id}.json"


def describe_exit(exit_code: int) -> str:
    """``exited with code 3`` or ``killed by SIGKILL``."""
    if exit_code < 0:
        try:
            name = signal.Signals(-exit_code).name
        except ValueError:
            name = f"signal {-exit_code}"
        return f"killed by {name}"
    return f"exited with code {exit_code}"


class SubprocessLauncher:
    """Starts one child process per run (see the module docstring)."""

    def __init__(
        self,
        *,
        work_dir: Path,
        kill_grace_seconds: float,
        environ: Mapping[str, str] | None = None,
        interpreter: str = sys.executable,
        poll_seconds: float = 0.1,
    ) -> None:
        self.work_dir = work_dir
        self.kill_grace_seconds = kill_grace_seconds
        self.environ = dict(os.environ if environ is None else environ)
        self.interpreter = interpreter
        self.poll_seconds = poll_seconds
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._forwarded: signal.Signals | None = None

    def command_for(self, assignment: RunAssignment, param_path: Path) -> list[str]:
        """The argument list that runs ``assignment`` (macros expanded)."""
        inputs = CommandInputs(
            params=assignment.run.config,
            program=assignment.config.program,
            interpreter=self.interpreter,
            args_json_file=str(param_path),
            environ=self.environ,
        )
        return expand_command(assignment.config.command, inputs)

    def run(self, assignment: RunAssignment, stop: StopFlag) -> RunOutcome:
        from sweeplab.sdk.context import SweepRunContext, sweep_run_env, write_sweep_param_file

        run = assignment.run
        param_path = sweep_param_path(self.work_dir, assignment.sweep.sweep_id, run.run_id)
        param_path.parent.mkdir(parents=True, exist_ok=True)
        write_sweep_param_file(param_path, run.config)
        argv = self.command_for(assignment, param_path)
        context = SweepRunContext(
            run_id=run.run_id,
            sweep_id=assignment.sweep.sweep_id,
            project=run.project or assignment.sweep.project,
        )
        env = {**self.environ, **sweep_run_env(context, param_path)}
        try:
            process = subprocess.Popen(argv, env=env, start_new_session=_POSIX)
        except OSError as error:
            return RunOutcome(
                RunState.FAILED, reason=f"could not start the sweep's command {argv}: {error}"
            )
        with self._lock:
            self._process, self._forwarded = process, None
        try:
            exit_code = self._wait(process, stop)
        finally:
            with self._lock:
                self._process = None
        return self._outcome(exit_code, stop)

    def forward_signal(self, signum: int) -> bool:
        """Pass a signal the agent received on to the running child; False if none runs."""
        with self._lock:
            process = self._process
            if process is None or process.poll() is not None:
                return False
            self._forwarded = signal.Signals(signum)
        _signal_group(process, signum)
        return True

    def kill_current(self) -> None:
        """Kill the running child (and its process group) at once."""
        with self._lock:
            process = self._process
        if process is not None and process.poll() is None:
            _signal_group(process, signal.SIGKILL if _POSIX else signal.SIGTERM)

    def _wait(self, process: subprocess.Popen[bytes], stop: StopFlag) -> int:
        terminated_at: float | None = None
        while True:
            try:
                return process.wait(timeout=self.poll_seconds)
            except subprocess.TimeoutExpired:
                pass
            if not stop.is_set():
                continue
            if terminated_at is None:
                terminated_at = time.monotonic()
                _signal_group(process, signal.SIGTERM)
            elif time.monotonic() - terminated_at >= self.kill_grace_seconds:
                self.kill_current()

    def _outcome(self, exit_code: int, stop: StopFlag) -> RunOutcome:
        if stop.is_set():
            return RunOutcome(RunState.STOPPED, exit_code=exit_code, reason=stop.reason)
        forwarded = self._forwarded
        if forwarded is not None:
            return RunOutcome(
                RunState.STOPPED,
                exit_code=exit_code,
                reason=f"interrupted: the agent received {forwarded.name} and passed it on",
                interrupted=True,
            )
        if exit_code == 0:
            return RunOutcome(RunState.FINISHED, exit_code=0)
        return RunOutcome(RunState.FAILED, exit_code=exit_code, reason=describe_exit(exit_code))


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    """Signal the child's whole process group (its own workers too), as a terminal would."""
    try:
        if _POSIX:
            os.killpg(process.pid, signum)
        else:
            process.send_signal(signum)
    except (ProcessLookupError, PermissionError):
        pass  # it exited meanwhile
