"""The agent loop: ask → launch → heartbeat → tell, until there is nothing left to do.

One :class:`AgentLoop` serves both the in-process ``sweeplab.agent(function=...)`` and the CLI's
``sweeplab agent`` (one subprocess per run); only the :class:`~sweeplab.agents.launch.Launcher`
differs. Each turn:

1. **ask** — reap expired runs, then ``Controller.claim_next_run`` (exactly once, in a store
   transaction). No run? A finished, stopped or canceled sweep ends the loop with the sweep's
   reason; a paused sweep is waited for, with a doubling delay up to ``paused_poll_seconds``,
   as W&B's agent waits.
2. **launch** — the launcher runs the run while :class:`~sweeplab.agents.heartbeat.Heartbeat`
   keeps its lease, applies early termination and raises the stop flag.
3. **tell** — record the outcome (``Controller.finish_run``), unless the run recorded its own.

The loop ends when ``count`` runs ran, the sweep has nothing more to run, too many runs failed
in a row (``max_consecutive_failures``), or :meth:`AgentLoop.request_shutdown` was called (a
signal) — it never waits forever on a finished sweep.
"""

from __future__ import annotations

import threading
import time

from sweeplab.agents.heartbeat import Heartbeat
from sweeplab.agents.launch import Launcher, RunAssignment, StopFlag
from sweeplab.agents.reporting import AgentReporter, PrintReporter
from sweeplab.agents.result import AgentExit, AgentResult
from sweeplab.agents.settings import FIRST_PAUSED_POLL_SECONDS, AgentSettings
from sweeplab.domain import RunRecord, RunState, SweepRecord, SweepState
from sweeplab.engine import Controller
from sweeplab.errors import UsageError

_FAILED_STATES = (RunState.FAILED, RunState.CRASHED)


class AgentLoop:
    """Runs a sweep's runs one after another with one launcher (see the module docstring)."""

    def __init__(
        self,
        controller: Controller,
        sweep_id: str,
        launcher: Launcher,
        *,
        settings: AgentSettings | None = None,
        count: int | None = None,
        reporter: AgentReporter | None = None,
    ) -> None:
        if count is not None and count < 1:
            raise UsageError(f"count must be at least 1 (or None for no limit), got {count!r}")
        self.controller = controller
        self.sweep_id = sweep_id
        self.launcher = launcher
        self.settings = settings or AgentSettings()
        self.count = count
        self.reporter: AgentReporter = reporter or PrintReporter()
        self._shutdown = threading.Event()
        self._shutdown_reason = ""
        self._runs = 0
        self._failed = 0
        self._failed_in_a_row = 0
        self._reaped_at: float | None = None

    def request_shutdown(self, reason: str) -> None:
        """Run no new run after the current one (safe from signal handlers and threads)."""
        if not self._shutdown.is_set():
            self._shutdown_reason = reason
            self._shutdown.set()

    def run(self) -> AgentResult:
        """Run runs until one of the ends in the module docstring; returns what happened."""
        sweep = self.controller.store.get_sweep(self.sweep_id)
        self.reporter.agent_started(sweep, self.count)
        result = self._loop()
        self.reporter.agent_finished(result)
        return result

    def _loop(self) -> AgentResult:
        first_wait_seconds = min(FIRST_PAUSED_POLL_SECONDS, self.settings.paused_poll_seconds)
        wait_seconds = first_wait_seconds
        while (ended := self._end_before_claim()) is None:
            self._reap_if_due()
            claim = self.controller.claim_next_run(self.sweep_id, self.settings.lease_seconds)
            if claim.run is None:
                sweep = claim.sweep or self.controller.store.get_sweep(self.sweep_id)
                if sweep.state.is_terminal:
                    message = _sweep_done_message(sweep, claim.reason)
                    return self._result(AgentExit.SWEEP_DONE, message)
                self._wait_for_runs(sweep, claim.reason, wait_seconds)
                wait_seconds = min(2 * wait_seconds, self.settings.paused_poll_seconds)
                continue
            wait_seconds = first_wait_seconds
            record, interrupted = self._run_one(claim.run, claim.sweep)
            if interrupted:
                self.request_shutdown(f"interrupted during run {record.run_id}")
            if self._failed_in_a_row >= self.settings.max_consecutive_failures:
                return self._result(AgentExit.TOO_MANY_FAILURES, self._too_many_failures(record))
        return ended

    def _end_before_claim(self) -> AgentResult | None:
        """Why not to claim another run (shutdown, count reached), or None to go on."""
        if self._shutdown.is_set():
            return self._result(AgentExit.INTERRUPTED, self._shutdown_reason)
        if self.count is not None and self._runs >= self.count:
            plural = "run" if self.count == 1 else "runs"
            return self._result(AgentExit.COUNT_REACHED, f"ran {self.count} {plural} as asked")
        return None

    def _reap_if_due(self) -> None:
        """Reap expired runs at most once per heartbeat interval (reaping takes the store's
        write lock, and the heartbeat thread reaps too while runs go on)."""
        now = time.monotonic()
        if self._reaped_at is None or now - self._reaped_at >= self.settings.heartbeat_seconds:
            self.controller.reap()
            self._reaped_at = now

    def _run_one(self, run: RunRecord, sweep: SweepRecord | None) -> tuple[RunRecord, bool]:
        self._runs += 1
        number = self._runs
        self.reporter.run_started(run, number)
        sweep = sweep or self.controller.store.get_sweep(self.sweep_id)
        assignment = RunAssignment(
            run=run,
            sweep=sweep,
            config=self.controller.sweep_config(sweep),
            store=self.controller.store,
            lease_seconds=self.settings.lease_seconds,
            heartbeat_seconds=self.settings.heartbeat_seconds,
        )
        stop = StopFlag()
        with Heartbeat(
            self.controller,
            sweep_id=self.sweep_id,
            run_id=run.run_id,
            lease_seconds=self.settings.lease_seconds,
            heartbeat_seconds=self.settings.heartbeat_seconds,
            stop=stop,
            warn=self.reporter.warning,
        ):
            outcome = self.launcher.run(assignment, stop)
        record = self.controller.finish_run(
            run.run_id, outcome.state, exit_code=outcome.exit_code, reason=outcome.reason
        )
        if record.state in _FAILED_STATES:
            self._failed += 1
            self._failed_in_a_row += 1
        else:
            self._failed_in_a_row = 0
        self.reporter.run_ended(record, number)
        return record, outcome.interrupted

    def _wait_for_runs(self, sweep: SweepRecord, reason: str, wait_seconds: float) -> None:
        if sweep.state is SweepState.PAUSED:
            why = reason or f"sweep {sweep.sweep_id} is paused"
            self.reporter.message(
                f"{why}; waiting {wait_seconds:g} s for it to resume "
                f"(sweeplab sweep --resume {sweep.sweep_id}), Ctrl-C to quit"
            )
        else:
            self.reporter.message(
                f"sweep {sweep.sweep_id} has no run to hand out right now; "
                f"asking again in {wait_seconds:g} s"
            )
        self._shutdown.wait(wait_seconds)

    def _too_many_failures(self, last: RunRecord) -> str:
        last_error = last.end_reason.strip().splitlines()[0] if last.end_reason.strip() else ""
        detail = f" The last one (run {last.run_id}) ended: {last_error}." if last_error else ""
        return (
            f"{self._failed_in_a_row} runs failed in a row, so the agent stops rather than spend "
            f"the sweep on a broken function.{detail} Fix the error and start the agent again "
            "(the limit is SWEEPLAB_AGENT_MAX_CONSECUTIVE_FAILURES)."
        )

    def _result(self, exit: AgentExit, message: str) -> AgentResult:
        plural = "run" if self._runs == 1 else "runs"
        summary = f"agent done after {self._runs} {plural}"
        if self._failed:
            summary += f" ({self._failed} failed)"
        return AgentResult(exit, f"{summary}: {message}", runs=self._runs, failed=self._failed)


def _sweep_done_message(sweep: SweepRecord, reason: str) -> str:
    why = sweep.state_reason or reason
    text = f"sweep {sweep.sweep_id} is {sweep.state.value}"
    return f"{text} ({why})" if why and why not in text else text
