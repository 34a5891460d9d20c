"""The writer thread: from ``log()``'s in-memory queue to the run log and the store.

``log()`` only appends a tuple to :attr:`RunWriter.queue` (a ``deque``: appending is atomic
and lock-free under the GIL, which keeps ``log()`` in the microseconds). Every
``flush_seconds`` the writer thread drains the queue and appends framed batches to the run
log; every ``ship_seconds``, online, it ships the rows with the config and summary changes to
the store in one ``Store.ingest`` (idempotent on rows, so a retried batch never duplicates);
the answer says whether the run should stop. A sweep run also heartbeats its lease. When the
store answers ``stop_requested``, :attr:`RunWriter.on_stop_requested` is called and the
run's next ``log()`` raises ``RunStopped``.

Queues: :attr:`RunWriter.queue` holds history rows ``(step, wall_time, {key: number})``;
:attr:`RunWriter.config_queue` holds config changes ``{key: value}`` (their order relative
to the rows does not matter: a run has one config).
"""

from __future__ import annotations

import threading
import time
import warnings
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sweeplab.domain import RunState
from sweeplab.errors import RunFinishedError, SweeplabError
from sweeplab.sdk.runlog import Record, RunLogWriter

if TYPE_CHECKING:
    from pathlib import Path

    from sweeplab.sdk.run_summary import Summary
    from sweeplab.store.base import Ingested, MetricRow, RunChanges, Store

# Rows per log_metrics call: big enough to amortise a transaction, small enough to retry.
SHIP_BATCH_ROWS = 20_000
# History rows per run-log frame: frames stay small, and the GIL is handed back between them.
MAX_FRAME_ROWS = 50_000


@dataclass(frozen=True)
class HeartbeatPlan:
    """A sweep run's lease: extend it by ``lease_seconds`` every ``every_seconds``."""

    every_seconds: float
    lease_seconds: float


@dataclass(frozen=True)
class FinalState:
    state: RunState
    exit_code: int | None = None
    reason: str = ""


def _ignore(reason: str) -> None:
    del reason


def _ignore_shipped(ingested: Ingested) -> None:
    del ingested


class RunWriter:
    """Owns a run's log file and its connection to the store, on a thread of its own."""

    def __init__(
        self,
        run_id: str,
        *,
        log_path: Path,
        header: Record,
        summary: Summary,
        store: Store | None,
        flush_seconds: float,
        ship_seconds: float | None = None,
        heartbeat: HeartbeatPlan | None = None,
    ) -> None:
        self.run_id = run_id
        self.queue: deque[tuple[int, float, dict[str, Any]]] = deque()
        self.config_queue: deque[dict[str, Any]] = deque()
        # Called (on the writer thread) with the reason when the store asks the run to stop.
        self.on_stop_requested: Callable[[str], None] = _ignore
        # Called (on the writer thread) after a ship that stored new rows, with its answer.
        self.on_shipped: Callable[[Ingested], None] = _ignore_shipped
        self.errors: list[str] = []
        self._log = RunLogWriter(log_path)
        self._log.append([header])
        self._summary = summary
        self._store = store
        self._flush_seconds = flush_seconds
        # Shipping may be rarer than flushing (to a server shared by many runs).
        self._ship_seconds = flush_seconds if ship_seconds is None else ship_seconds
        self._next_ship = time.monotonic() + self._ship_seconds
        self._heartbeat = heartbeat
        self._next_heartbeat = time.monotonic() + (heartbeat.every_seconds if heartbeat else 0)
        self._unshipped: list[MetricRow] = []
        self._unshipped_config: dict[str, Any] = {}
        self._unshipped_summary: dict[str, Any] | None = None
        self._store_failures = 0
        self._retry_at = 0.0
        # Set when the store refuses the run for good (it was finished elsewhere).
        self._store_refusal: str | None = None
        self._final: FinalState | None = None
        self._wake = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"sweeplab-writer-{run_id}", daemon=True
        )
        self._thread.start()

    # --- called from the run's thread ----------------------------------------------------------

    def close(self, final: FinalState, timeout_seconds: float | None = None) -> None:
        """Drain everything, record ``final``, fsync the log, update the store; then stop."""
        self._final = final
        self._wake.set()
        self._thread.join(timeout_seconds)
        if self._thread.is_alive():
            warnings.warn(
                f"run {self.run_id}: the writer did not finish within {timeout_seconds} s; "
                f"the run log {self._log.path} holds what was written",
                stacklevel=3,
            )

    @property
    def log_path(self) -> Path:
        return self._log.path

    # --- the writer thread ---------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            self._wake.wait(self._flush_seconds)
            self._wake.clear()
            final = self._final
            try:
                self._write_pending()
                if self._store is not None:
                    if final is not None or time.monotonic() >= self._next_ship:
                        self._next_ship = time.monotonic() + self._ship_seconds
                        shipped = self._ship(force=final is not None)
                        if shipped is not None and final is None:
                            self._after_ship(shipped)
                    if final is None:
                        self._heartbeat_if_due()
            except Exception as error:  # never die silently: the run log keeps the data
                self._report(f"run {self.run_id}: writer error: {error!r}")
            if final is not None:
                self._finish(final)
                return

    def _write_pending(self) -> None:
        queue, config_queue = self.queue, self.config_queue
        config: dict[str, Any] = {}
        while config_queue:
            config.update(config_queue.popleft())
        rows_seen = False
        while True:
            count = min(len(queue), MAX_FRAME_ROWS)
            rows = [queue.popleft() for _ in range(count)]
            rows_seen = rows_seen or bool(rows)
            records: list[Record] = []
            if config:
                records.append({"t": "config", "values": config})
                self._unshipped_config.update(config)
                config = {}
            if rows:
                records.append({"t": "history", "rows": rows})
                if self._store is not None and self._store_refusal is None:
                    self._unshipped.extend(metric_rows(rows))
            done = not queue
            if done and (rows_seen or self._summary.dirty):
                self._summary.dirty = False
                summary = self._summary.as_dict()
                records.append({"t": "summary", "values": summary})
                self._unshipped_summary = summary
            self._log.append(records)
            if done:
                break
        self._log.flush()

    def _ship(self, force: bool) -> Ingested | None:
        """Ship what is unshipped; the last answer that stored new rows, if any."""
        store = self._store
        assert store is not None
        if self._store_refusal is not None or (not force and time.monotonic() < self._retry_at):
            return None
        stored_rows: Ingested | None = None
        try:
            # One ingest per batch; the config and summary ride with the last one, so a
            # flush is one request to a server (and one transaction in a database).
            while (
                self._unshipped or self._unshipped_config or self._unshipped_summary is not None
            ):
                batch = self._unshipped[:SHIP_BATCH_ROWS]
                last = len(batch) == len(self._unshipped)
                changes = self._unshipped_changes() if last else None
                ingested = store.ingest(self.run_id, batch, changes)
                del self._unshipped[: len(batch)]
                if last:
                    self._unshipped_config = {}
                    self._unshipped_summary = None
                self._learn_state(ingested.state, ingested.stop_requested)
                if ingested.new_rows:
                    stored_rows = ingested
        except RunFinishedError as error:
            # Retrying cannot help: the run ended in the store (stopped by a user, say).
            self._store_refusal = str(error)
            self._report(
                f"run {self.run_id}: the store refuses further data ({error}); "
                f"{len(self._unshipped)} rows are kept only in the run log {self._log.path}"
            )
            self._unshipped.clear()
            self._unshipped_config = {}
            self._unshipped_summary = None
        except Exception as error:
            self._store_failures += 1
            # Back off (up to 30 s) and keep the rows: the next cycle retries them.
            self._retry_at = time.monotonic() + min(30.0, 0.5 * 2**self._store_failures)
            self._report(
                f"run {self.run_id}: could not write to the store ({error}); "
                f"{len(self._unshipped)} rows kept for a retry (the run log has them all)"
            )
        else:
            self._store_failures = 0
        return stored_rows

    def _after_ship(self, ingested: Ingested) -> None:
        try:
            self.on_shipped(ingested)
        except Exception as error:  # the rows are stored; only this reaction failed
            self._report(f"run {self.run_id}: after storing rows: {error}")

    def _unshipped_changes(self) -> RunChanges | None:
        if not self._unshipped_config and self._unshipped_summary is None:
            return None
        from sweeplab.store.base import RunChanges

        return RunChanges(config=self._unshipped_config or None, summary=self._unshipped_summary)

    def _heartbeat_if_due(self) -> None:
        plan, store = self._heartbeat, self._store
        if plan is None or store is None or time.monotonic() < self._next_heartbeat:
            return
        self._next_heartbeat = time.monotonic() + plan.every_seconds
        record = store.heartbeat(self.run_id, plan.lease_seconds)
        self._learn_state(record.state, record.stop_requested)

    def _learn_state(self, state: RunState, stop_requested: str) -> None:
        """React to what the store says about the run (an ingest's or a heartbeat's answer)."""
        if stop_requested:
            self.on_stop_requested(stop_requested)
        elif state.is_terminal and state is not RunState.CRASHED:
            self.on_stop_requested(f"the run was marked {state.value} in the store")

    def _finish(self, final: FinalState) -> None:
        try:
            self._log.append(
                [
                    {
                        "t": "exit",
                        "state": final.state.value,
                        "exit_code": final.exit_code,
                        "reason": final.reason,
                    }
                ]
            )
            self._log.close()
        except OSError as error:
            self._report(f"run {self.run_id}: could not close the run log: {error}")
        store = self._store
        if store is None or self._store_refusal is not None:
            return
        if self._unshipped or self._unshipped_config or self._unshipped_summary is not None:
            self._report(
                f"run {self.run_id}: {len(self._unshipped)} rows could not be stored; upload "
                f"them later with `sweeplab sync {self._log.path.parent}`"
            )
            return
        try:
            current = store.get_run(self.run_id)
            if not current.state.is_terminal or current.state.can_become(final.state):
                store.finish_run(self.run_id, final.state, final.exit_code, final.reason)
        except SweeplabError as error:
            self._report(f"run {self.run_id}: could not record its final state: {error}")

    def _report(self, message: str) -> None:
        self.errors.append(message)
        warnings.warn(message, stacklevel=2)


def metric_rows(rows: Sequence[Sequence[Any]]) -> list[MetricRow]:
    """History rows ``(step, wall_time, {key: value})`` as the store's ``MetricRow`` objects."""
    from sweeplab.store.base import MetricRow

    return [
        MetricRow(step, key, float(value), wall_time)
        for step, wall_time, values in rows
        for key, value in values.items()
    ]
