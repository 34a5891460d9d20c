"""The agent's heartbeat thread: keeps the run's lease, judges stopping, reaps the dead.

While a launcher runs a run, :class:`Heartbeat` wakes every ``heartbeat_seconds`` and

1. applies the sweep's early termination rule (``Controller.evaluate_stopping``),
2. extends the run's lease (``Controller.heartbeat``); if the run now has ``stop_requested``
   (from the rule, a canceled sweep or a user), it sets the launcher's :class:`StopFlag`,
3. reaps runs of other agents whose lease expired (``Controller.reap``).

Against a server (``Controller.server_coordinated``) only step 2 is sent: the server judges
early termination as metrics arrive and reaps on its own schedule, so a hundred agents asking
for both on every beat would only add load.

A failing store call (a busy database, a network blip) is reported as a warning and retried at
the next beat; the lease is long enough to survive a few misses.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType

from sweeplab.agents.launch import StopFlag
from sweeplab.engine import Controller


class Heartbeat:
    """A background thread beating for one run; use as a context manager."""

    def __init__(
        self,
        controller: Controller,
        *,
        sweep_id: str,
        run_id: str,
        lease_seconds: float,
        heartbeat_seconds: float,
        stop: StopFlag,
        warn: Callable[[str], None],
    ) -> None:
        self._controller = controller
        self._sweep_id = sweep_id
        self._run_id = run_id
        self._lease_seconds = lease_seconds
        self._heartbeat_seconds = heartbeat_seconds
        self._stop = stop
        self._warn = warn
        self._done = threading.Event()
        self._thread = threading.Thread(
            target=self._beat_until_done, name=f"sweeplab-heartbeat-{run_id}", daemon=True
        )

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._done.set()
        self._thread.join()

    def beat(self) -> None:
        """One beat (the thread calls this; tests may too)."""
        steps: list[tuple[str, Callable[[], object]]] = [("heartbeat", self._heartbeat)]
        if not self._controller.server_coordinated:
            steps = [
                ("judge early termination", self._judge),
                *steps,
                ("reap expired runs", self._controller.reap),
            ]
        for what, step in steps:
            try:
                step()
            except Exception as error:  # a beat must never kill the thread: warn, retry
                self._warn(f"could not {what} for run {self._run_id} (will retry): {error}")

    def _judge(self) -> None:
        self._controller.evaluate_stopping(self._sweep_id)

    def _heartbeat(self) -> None:
        run = self._controller.heartbeat(self._run_id, self._lease_seconds)
        if run.stop_requested:
            self._stop.set(run.stop_requested)

    def _beat_until_done(self) -> None:
        while not self._done.wait(self._heartbeat_seconds):
            self.beat()
