"""Small claim planners and claim loops for the store contract (picklable, for processes)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from sweeplab.domain import RunRecord, SweepRecord, SweepState
from sweeplab.store.base import PlannedRun, Store, SweepDone

GRID_DONE_REASON = "grid exhausted"
RUN_CAP_REASON = "run_cap reached"


@dataclass(frozen=True)
class GridPlanner:
    """Hands out points ``0..size-1`` (point key = index), then finishes the sweep."""

    size: int

    def __call__(self, sweep: SweepRecord, runs: Sequence[RunRecord]) -> PlannedRun | SweepDone:
        taken = {run.point_key for run in runs}
        for index in range(self.size):
            if str(index) not in taken:
                return PlannedRun(
                    config={"x": index},
                    suggestion_info={"grid_index": index},
                    point_key=str(index),
                )
        return SweepDone(SweepState.FINISHED, GRID_DONE_REASON)


def next_point(sweep: SweepRecord, runs: Sequence[RunRecord]) -> PlannedRun:
    """Point ``len(runs)``: a planner whose decision collides if a run was added meanwhile."""
    return PlannedRun(config={"x": len(runs)}, point_key=str(len(runs)))


@dataclass
class BlockingPlanner:
    """:func:`next_point`, but each call waits for :attr:`release` (up to 10 s) after setting
    :attr:`planning`, so a test can claim meanwhile; :attr:`seen` counts the runs of each call."""

    planning: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    seen: list[int] = field(default_factory=list)

    def __call__(self, sweep: SweepRecord, runs: Sequence[RunRecord]) -> PlannedRun:
        self.seen.append(len(runs))
        self.planning.set()
        self.release.wait(10)
        return next_point(sweep, runs)


@dataclass(frozen=True)
class CappedPlanner:
    """Hands out runs without grid points until the sweep has ``run_cap`` runs."""

    run_cap: int

    def __call__(self, sweep: SweepRecord, runs: Sequence[RunRecord]) -> PlannedRun | SweepDone:
        if len(runs) >= self.run_cap:
            return SweepDone(SweepState.FINISHED, RUN_CAP_REASON)
        return PlannedRun(config={"n": len(runs)})


def claim_until_done(
    store: Store, sweep_id: str, planner: GridPlanner | CappedPlanner, max_claims: int = 1000
) -> list[str]:
    """Claim runs until the sweep stops handing them out; returns the claimed run ids."""
    claimed: list[str] = []
    for _ in range(max_claims):
        claim = store.claim_run(sweep_id, planner, lease_seconds=60.0)
        if claim.run is None:
            break
        claimed.append(claim.run.run_id)
    return claimed


def claim_in_process(url: str, sweep_id: str, grid_size: int, claims: int) -> list[str]:
    """A process's work in the multi-process test: open the store, claim ``claims`` runs."""
    from sweeplab.store import open_store

    store = open_store(url)
    try:
        return claim_until_done(store, sweep_id, GridPlanner(grid_size), max_claims=claims)
    finally:
        store.close()


def create_run_in_process(url: str, project: str) -> str:
    """A process's work in the parallel-open test: open (maybe migrate) the store, add a run."""
    from sweeplab.store import open_store
    from sweeplab.store.base import NewRun

    store = open_store(url)
    try:
        return store.create_run(NewRun(project=project)).run_id
    finally:
        store.close()
