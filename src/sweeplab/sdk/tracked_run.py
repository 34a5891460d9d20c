"""``Run``: what ``init()`` returns, and what ``log``/``config``/``summary`` act on.

A run's data goes through a :class:`~sweeplab.sdk.writer.RunWriter` (online and offline) or
nowhere (disabled: the queue is a ``deque(maxlen=0)``, so ``log()`` runs the same code and
every item vanishes).

Steps follow W&B:
- ``log(d)`` merges ``d`` into the current row, commits it at ``run.step`` and moves to the
  next step.
- ``log(d, commit=False)`` merges ``d`` into the current row and stays on the step.
- ``log(d, step=s)``: ``s`` below ``run.step`` is dropped with a warning; ``s`` above it
  commits the pending row first and moves to ``s``; ``d`` is then merged into the row of ``s``,
  which is committed by a later call with another step, by ``commit=True``, or at ``finish()``.
"""

from __future__ import annotations

import time
import traceback
from collections import deque
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from sweeplab.domain import RunState
from sweeplab.errors import RunStopped, UsageError
from sweeplab.sdk.run_config import Config
from sweeplab.sdk.run_summary import MetricDefinition, Summary, parse_definition
from sweeplab.sdk.settings import Mode
from sweeplab.sdk.user_warnings import warn_user
from sweeplab.sdk.values import split_values
from sweeplab.sdk.writer import FinalState, RunWriter

_NUMBER_TYPES = frozenset({float, int, bool})
_KEY_TYPES = frozenset({str})
_now = time.time


class Run:
    """One tracked run. Create it with ``sweeplab.init()``, not directly."""

    def __init__(
        self,
        *,
        run_id: str,
        project: str,
        mode: Mode,
        config: Config,
        summary: Summary,
        name: str = "",
        group: str | None = None,
        job_type: str | None = None,
        tags: tuple[str, ...] = (),
        notes: str = "",
        sweep_id: str | None = None,
        run_dir: Path | None = None,
        start_step: int = 0,
        on_finish: Callable[[Run], None] | None = None,
    ) -> None:
        self.id = run_id
        self.project = project
        self.mode = mode
        self.config = config
        self.summary = summary
        self.name = name or run_id
        self.group = group
        self.job_type = job_type
        self.tags = tags
        self.notes = notes
        self.sweep_id = sweep_id
        self.dir = run_dir
        self.start_time = time.time()
        self._step = start_step
        self._row: dict[str, Any] = {}
        self._warned: set[tuple[str, str]] = set()
        self._writer: RunWriter | None = None
        # Disabled runs keep these zero-length queues: appends vanish, log() runs unchanged.
        self._queue: deque[tuple[int, float, dict[str, Any]]] = deque(maxlen=0)
        self._config_queue: deque[dict[str, Any]] = deque(maxlen=0)
        # Set (by the writer thread) when the store asks the run to stop.
        self._stop_reason: str | None = None
        self._last_values = summary.last_values
        self._aggregating = False
        self._finished = False
        self._final_state: RunState | None = None
        self._end_reason = ""
        self._on_finish = on_finish
        config._set_callback(self._config_changed)

    def _attach_writer(self, writer: RunWriter) -> None:
        self._writer = writer
        self._queue = writer.queue
        self._config_queue = writer.config_queue
        writer.on_stop_requested = self._stop_requested

    def _stop_requested(self, reason: str) -> None:
        self._stop_reason = reason

    # --- W&B-style properties ------------------------------------------------------------------

    @property
    def step(self) -> int:
        """The step the next committed row gets."""
        return self._step

    @property
    def path(self) -> str:
        return f"{self.project}/{self.id}"

    @property
    def disabled(self) -> bool:
        return self.mode is Mode.DISABLED

    @property
    def offline(self) -> bool:
        return self.mode is Mode.OFFLINE

    @property
    def finished(self) -> bool:
        return self._finished

    @property
    def state(self) -> RunState:
        return self._final_state or RunState.RUNNING

    @property
    def end_reason(self) -> str:
        """Why the run ended as it did ("" while it runs, or when it simply finished)."""
        return self._end_reason

    @property
    def log_path(self) -> Path | None:
        """The run's local log file (``None`` when disabled)."""
        return self._writer.log_path if self._writer is not None else None

    def __repr__(self) -> str:
        return f"<Run {self.path} ({self.mode.value}, {self.state.value})>"

    # --- logging -------------------------------------------------------------------------------

    def log(
        self,
        data: Mapping[str, Any],
        step: int | None = None,
        commit: bool | None = None,
    ) -> None:
        """Record ``data`` (see the module docstring for steps). No I/O happens here."""
        if (
            step is None
            and commit is None
            and type(data) is dict
            and not self._row
            and not self._finished
            and _NUMBER_TYPES.issuperset(map(type, data.values()))
            and _KEY_TYPES.issuperset(map(type, data))
        ):
            # The common call, a flat dict of numbers committed at a new step: type checks run
            # in C (set.issuperset over map), then one copy, one append, one summary update.
            if data:
                row = data.copy()
                self._queue.append((self._step, _now(), row))
                self._last_values.update(row)
                if self._aggregating:
                    self.summary.observe_aggregates(row)
            self._step += 1
        else:
            self._log_general(data, step, commit)
        if self._stop_reason is not None:
            self._stop(self._stop_reason)

    def _log_general(self, data: Mapping[str, Any], step: int | None, commit: bool | None) -> None:
        if self._finished:
            warn_user(
                f"run {self.id} is finished; the call to log() was ignored "
                "(call sweeplab.init() to start a new run)"
            )
            return
        if not isinstance(data, Mapping):
            raise TypeError(f"log() takes a dict of values, got a {type(data).__name__}")
        if step is not None:
            step = _as_step(step)
            if step < self._step:
                warn_user(
                    f"Tried to log to step {step} that is less than the current step "
                    f"{self._step}. Steps must be monotonically increasing, so this data "
                    "will be ignored."
                )
                return
            if step > self._step:
                self._flush_row()
                self._step = step
        elif commit is None:
            commit = True
        numbers, others = split_values(data, self._warned)
        if others is not None:
            self.summary.update(others)
        self._row.update(numbers)
        if commit:
            self._flush_row()
            self._step += 1

    def _flush_row(self) -> None:
        """Commit the pending row at the current step (the step does not move)."""
        if self._row:
            row, self._row = self._row, {}
            self._queue.append((self._step, _now(), row))
            self.summary.observe_row(row)

    def define_metric(
        self,
        name: str,
        step_metric: str | None = None,
        *,
        step_sync: bool | None = None,
        hidden: bool | None = None,
        summary: str | None = None,
        goal: str | None = None,
        overwrite: bool | None = None,
    ) -> MetricDefinition:
        """How ``name``'s summary is computed (W&B's ``define_metric``; see ``sdk.run_summary``).

        ``step_metric`` and ``step_sync`` are recorded but do not change the history's steps.
        """
        del step_sync
        previous = None if overwrite else self.summary.definition(name)
        definition = parse_definition(
            name,
            summary=summary,
            goal=goal,
            step_metric=step_metric,
            hidden=hidden,
            previous=previous,
        )
        self.summary.define(definition)
        self._aggregating = True
        return definition

    def _config_changed(self, changed: dict[str, Any]) -> None:
        self._config_queue.append(changed)

    # --- ending --------------------------------------------------------------------------------

    def finish(self, exit_code: int | None = None, quiet: bool | None = None) -> None:
        """End the run: ``finished``, or ``failed`` for a non-zero ``exit_code``.

        Drains the queue, fsyncs the run log and updates the store before returning; calling
        it again does nothing.
        """
        del quiet
        if exit_code:
            self._end(FinalState(RunState.FAILED, exit_code, f"exit code {exit_code}"))
        else:
            self._end(FinalState(RunState.FINISHED, exit_code))

    def _stop(self, reason: str) -> None:
        self._end(FinalState(RunState.STOPPED, None, reason))
        raise RunStopped(self.id, reason)

    def _finish_from_exception(self, error: BaseException) -> None:
        """End the run for an exception that left the user's code.

        ``RunStopped`` and Ctrl-C end it ``stopped``; ``sys.exit(0)`` ``finished``; anything
        else ``failed``, with the error and the innermost frames of its traceback as reason.
        """
        if isinstance(error, RunStopped):
            self._end(FinalState(RunState.STOPPED, None, error.reason))
        elif isinstance(error, KeyboardInterrupt):
            self._end(FinalState(RunState.STOPPED, None, "interrupted by the user (Ctrl-C)"))
        elif isinstance(error, SystemExit) and not error.code:
            self._end(FinalState(RunState.FINISHED, 0))
        else:
            code = error.code if isinstance(error, SystemExit) else 1
            exit_code = code if isinstance(code, int) else 1
            self._end(FinalState(RunState.FAILED, exit_code, describe_error(error)))

    def _end(self, final: FinalState) -> None:
        if self._finished:
            return
        self._finished = True
        self._flush_row()
        self._final_state = final.state
        self._end_reason = final.reason
        self._config_queue.append(self.config.as_dict())  # nested in-place edits, too
        if self._writer is not None:
            self._writer.close(final)
        if self._on_finish is not None:
            self._on_finish(self)

    def __enter__(self) -> Run:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> Literal[False]:
        if exc is None:
            self.finish()
        else:
            self._finish_from_exception(exc)
        return False


def _as_step(step: Any) -> int:
    try:
        as_int = int(step)
    except (TypeError, ValueError):
        as_int = -1
    if isinstance(step, bool) or as_int != step or as_int < 0:
        raise UsageError(f"log(step=...) takes a non-negative integer, got {step!r}")
    return as_int


# How many of the innermost traceback frames a failed run keeps in its end reason.
_TRACEBACK_FRAMES = 5


def describe_error(error: BaseException) -> str:
    """``Type: message`` and the innermost frames of the traceback, for a failed run."""
    head = f"{type(error).__name__}: {error}".rstrip(": ")
    frames = traceback.extract_tb(error.__traceback__)[-_TRACEBACK_FRAMES:]
    if not frames:
        return head
    lines = "".join(traceback.format_list(frames)).rstrip()
    return f"{head}\nTraceback (innermost {len(frames)} frames):\n{lines}"
