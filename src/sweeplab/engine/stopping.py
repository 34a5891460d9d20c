"""Early termination of a sweep's running runs, decided from the store's metric histories.

:func:`evaluate_stopping` asks the sweep's stopping rule (W&B's hyperband) about every running
run and, for each run it condemns, sets the run's ``stop_requested`` to the reason, once. The
process running the run acts on it: the in-process SDK raises ``RunStopped`` at the next
``log()``, the CLI agent sends SIGTERM (then SIGKILL). The run then ends ``stopped`` with the
reason as its ``end_reason``.

Who calls it, as new metrics arrive (scheduled by :mod:`sweeplab.engine.judging`): with a
server, the server's background judge; on a local store, a sweep run's writer after it stores
new rows, and every agent after each heartbeat (see ``docs/agents.md``, ``docs/server.md``).
Running it twice is harmless: a run already asked to stop is left alone, and the rule is a pure
function of the histories.
"""

from __future__ import annotations

from dataclasses import replace

from sweeplab.domain import RunRecord, RunState, StopDecision
from sweeplab.errors import RunFinishedError, StateTransitionError
from sweeplab.stopping import hyperband_decisions
from sweeplab.store.base import RunChanges, Store
from sweeplab.sweep_config import SweepConfig

STOP_REASON_PREFIX = "early termination (hyperband): "


def stop_decisions(store: Store, config: SweepConfig, sweep_id: str) -> list[StopDecision]:
    """The rule's verdict on every running run that reached a band; changes nothing.

    Empty when the sweep has no ``early_terminate`` or no run is running. Each decision carries
    a reason for people and ``details`` for programs (the dashboard shows them).
    """
    if config.early_terminate is None or config.metric is None:
        return []
    runs = store.sweep_runs(sweep_id)
    if not any(run.state is RunState.RUNNING for run in runs):
        return []
    histories = store.metric_histories(sweep_id, config.metric.name)
    name = config.metric.name
    records: list[RunRecord] = [
        replace(run, history={name: tuple(histories.get(run.run_id, ()))}) for run in runs
    ]
    return hyperband_decisions(config.early_terminate, config.metric, records)


def evaluate_stopping(
    store: Store, config: SweepConfig, sweep_id: str, now: float
) -> list[StopDecision]:
    """Judge the sweep's running runs and ask those that should stop to stop.

    Returns every decision (kept and stopped). A run whose ``stop_requested`` is already set
    keeps its first reason; a run that ended while we judged it is skipped.
    """
    decisions = stop_decisions(store, config, sweep_id)
    for decision in decisions:
        if decision.should_stop:
            request_stop(store, decision.run_id, STOP_REASON_PREFIX + decision.reason, now)
    return decisions


def request_stop(store: Store, run_id: str, reason: str, now: float) -> bool:
    """Set a running run's ``stop_requested`` to ``reason`` unless it has one; True if set."""
    run = store.get_run(run_id)
    if run.state is not RunState.RUNNING or run.stop_requested:
        return False
    try:
        store.update_run(run_id, RunChanges(stop_requested=reason), now=now)
    except (RunFinishedError, StateTransitionError):
        return False  # it ended between the read and the write: nothing left to stop
    return True
