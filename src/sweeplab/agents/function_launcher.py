"""Run a sweep run in this process by calling the user's function.

The function runs on the calling (main) thread, so Ctrl-C, signal handlers and libraries that
insist on the main thread behave as in a plain script. Around the call, the SDK's sweep context
(:func:`sweeplab.sdk.context.activate_sweep_run`) makes ``sweeplab.init()`` inside the function
join the claimed run, with the sweep's parameters locked in its config.

How the run ends:

- the function returns → ``finished`` (``stopped`` if the run was asked to stop meanwhile);
- it raises :class:`~sweeplab.errors.RunStopped` (from ``log()`` after a stop request) →
  ``stopped`` with the stop reason;
- it raises anything else → ``failed``, with the error and the last frames of its traceback as
  the run's ``end_reason``; the agent goes on with the next run;
- ``sys.exit(code)`` → ``finished`` for 0, else ``failed``; the agent goes on (as W&B's
  agent, which runs the function on a thread, does);
- Ctrl-C (``KeyboardInterrupt``) → ``stopped`` and the agent runs no further run.

A run the function finished itself (``run.finish()``) keeps the outcome it recorded.
"""

from __future__ import annotations

from collections.abc import Callable

from sweeplab.agents.launch import RunAssignment, RunOutcome, StopFlag
from sweeplab.domain import RunState
from sweeplab.errors import RunStopped
from sweeplab.sdk.tracked_run import describe_error


def _exit_status(exiting: SystemExit) -> int:
    """The process status ``sys.exit(code)`` would give: None → 0, a message → 1."""
    if exiting.code is None:
        return 0
    return exiting.code if isinstance(exiting.code, int) else 1


class FunctionLauncher:
    """Calls ``function()`` once per run, in this process and thread."""

    def __init__(self, function: Callable[[], object]) -> None:
        self.function = function

    def run(self, assignment: RunAssignment, stop: StopFlag) -> RunOutcome:
        from sweeplab.sdk.context import SweepRunContext, activate_sweep_run

        run = assignment.run
        context = SweepRunContext(
            run_id=run.run_id,
            sweep_id=assignment.sweep.sweep_id,
            project=run.project or assignment.sweep.project,
            params=run.config,
            store=assignment.store,
            # The agent's own heartbeat keeps the lease; the run's writer still learns of a
            # stop request from each ship's answer.
            heartbeat=False,
            lease_seconds=assignment.lease_seconds,
            heartbeat_seconds=assignment.heartbeat_seconds,
        )
        try:
            with activate_sweep_run(context):
                self.function()
                reason = self._stop_reason(assignment, stop)
                if reason:
                    # Raised inside the block so the SDK ends a joined run as stopped.
                    raise RunStopped(run.run_id, reason)
        except RunStopped as stopped:
            return RunOutcome(RunState.STOPPED, reason=stopped.reason)
        except SystemExit as exiting:
            # As under W&B's agent (which runs the function on a thread), sys.exit() ends the
            # run, not the agent.
            code = _exit_status(exiting)
            if code == 0:
                return RunOutcome(RunState.FINISHED, exit_code=0)
            return RunOutcome(RunState.FAILED, exit_code=code, reason=describe_error(exiting))
        except KeyboardInterrupt:
            return RunOutcome(
                RunState.STOPPED, reason="interrupted by the user (Ctrl-C)", interrupted=True
            )
        except Exception as error:
            return RunOutcome(RunState.FAILED, exit_code=1, reason=describe_error(error))
        return RunOutcome(RunState.FINISHED, exit_code=0)

    @staticmethod
    def _stop_reason(assignment: RunAssignment, stop: StopFlag) -> str:
        """The stop request for a run still going (the store may know before the next beat)."""
        current = assignment.store.get_run(assignment.run.run_id)
        if current.state is not RunState.RUNNING:
            return ""  # the function finished the run itself: its outcome stands
        return stop.reason or current.stop_requested
