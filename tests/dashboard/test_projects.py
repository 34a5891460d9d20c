"""Project summaries: counts per project, cached for a few seconds."""

from __future__ import annotations

from sweeplab.domain import RunState
from sweeplab.engine import Controller
from sweeplab.server.dashboard.projects import ProjectCache, project_summaries
from sweeplab.store.base import NewRun, Store


def test_summaries_count_runs_sweeps_and_running_runs(store: Store) -> None:
    Controller(store).create_sweep(
        {"method": "grid", "parameters": {"a": {"values": [1]}}}, project="only-sweeps"
    )
    old = store.create_run(NewRun(project="runs"), now=100.0)
    store.finish_run(old.run_id, RunState.FINISHED, now=200.0)
    store.create_run(NewRun(project="runs"), now=300.0)
    summaries = {summary.name: summary for summary in project_summaries(store)}
    assert (summaries["runs"].run_count, summaries["runs"].running_count) == (2, 1)
    assert summaries["runs"].sweep_count == 0 and summaries["runs"].last_activity == 300.0
    assert (summaries["only-sweeps"].run_count, summaries["only-sweeps"].sweep_count) == (0, 1)
    assert project_summaries(store)[0].name == "only-sweeps"  # most recently active first


def test_cache_serves_repeats_and_peek_never_scans(store: Store) -> None:
    now = [0.0]
    cache = ProjectCache(store, cache_seconds=5.0, clock=lambda: now[0])
    assert cache.peek("p") is None  # nothing computed yet, and peek does not compute
    store.create_run(NewRun(project="p"))
    first = cache.summaries()
    store.create_run(NewRun(project="p"))
    assert cache.summaries() is first
    peeked = cache.peek("p")
    assert peeked is not None and peeked.run_count == 1
    now[0] += 6.0
    assert cache.peek("p") is None  # stale
    assert cache.summaries()[0].run_count == 2
