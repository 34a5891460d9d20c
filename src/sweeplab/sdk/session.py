"""The process's runs: which one is current, and the module-level ``log``/``finish`` calls.

``sweeplab.run`` is the current run (``None`` before ``init()`` and after ``finish()``), as in
W&B. ``init(reinit="create_new")`` can keep several runs open; the newest is current. At
interpreter exit every open run is finished (see :mod:`sweeplab.sdk.exit_hooks`).
"""

from __future__ import annotations

import threading
from typing import Any

from sweeplab.errors import UsageError
from sweeplab.sdk.run_summary import MetricDefinition
from sweeplab.sdk.tracked_run import Run

# Reentrant: finishing a run (under the lock in init) calls back into `forget`.
lock = threading.RLock()
_open_runs: list[Run] = []
# The run that ended last, so a call after it can say so (at most one entry).
_last_ended: list[Run] = []


def current_run() -> Run | None:
    """The run ``sweeplab.run`` refers to: the newest open run, or ``None``."""
    return _open_runs[-1] if _open_runs else None


def open_runs() -> list[Run]:
    with lock:
        return list(_open_runs)


def remember(run: Run) -> None:
    with lock:
        _open_runs.append(run)


def forget(run: Run) -> None:
    """Called when ``run`` finishes."""
    with lock:
        if run in _open_runs:
            _open_runs.remove(run)
        _last_ended[:] = [run]


def forget_ended() -> None:
    """Forget which run ended last (a fresh start, as for a new process; tests use it)."""
    with lock:
        _last_ended.clear()


def _require_run(call: str) -> Run:
    run = current_run()
    if run is not None:
        return run
    with lock:
        ended = _last_ended[0] if _last_ended else None
    if ended is None:
        raise UsageError(f"You must call sweeplab.init() before sweeplab.{call}()")
    # Often a training loop that goes on after its run was stopped (early termination caught
    # by a framework callback): say that, not "call init() first".
    why = f"{ended.state.value}: {ended.end_reason}" if ended.end_reason else ended.state.value
    raise UsageError(
        f"sweeplab.{call}(): run {ended.id} has ended ({why}); nothing is recorded after a "
        "run ends. Call sweeplab.init() to start a new run"
    )


def log(data: dict[str, Any], step: int | None = None, commit: bool | None = None) -> None:
    """Log ``data`` to the current run (see :meth:`Run.log`)."""
    run = _open_runs[-1] if _open_runs else _require_run("log")
    run.log(data, step, commit)


def finish(exit_code: int | None = None, quiet: bool | None = None) -> None:
    """Finish the current run, if there is one (see :meth:`Run.finish`)."""
    run = current_run()
    if run is not None:
        run.finish(exit_code, quiet)


def define_metric(
    name: str,
    step_metric: str | None = None,
    *,
    step_sync: bool | None = None,
    hidden: bool | None = None,
    summary: str | None = None,
    goal: str | None = None,
    overwrite: bool | None = None,
) -> MetricDefinition:
    """Customise a metric's summary on the current run (see :meth:`Run.define_metric`)."""
    return _require_run("define_metric").define_metric(
        name,
        step_metric,
        step_sync=step_sync,
        hidden=hidden,
        summary=summary,
        goal=goal,
        overwrite=overwrite,
    )


def finish_all(exit_code: int | None = None, error: BaseException | None = None) -> None:
    """Finish every open run: failed with ``error``'s text if given, else by ``exit_code``."""
    for run in reversed(open_runs()):
        try:
            if error is not None:
                run._finish_from_exception(error)
            else:
                run.finish(exit_code)
        except Exception as failure:  # at exit, one run's problem must not block the others
            import warnings

            warnings.warn(f"could not finish run {run.id}: {failure!r}", stacklevel=2)
