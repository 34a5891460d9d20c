"""Agents and claims: the server's controller hands out runs and judges early termination.

- ``POST /sweeps/{id}/claims``: the sweep's next run, claimed exactly once across all agents
  (``Controller.claim_next_run`` in one store transaction); a repeated ``request_id`` gets the
  first answer again.
- ``POST /runs/{id}/agent-heartbeat``: extend the lease and tell the agent ``continue``,
  ``stop`` (with the reason: early termination is judged in the background as metrics
  arrive, see ``ServerState.stopping``) or ``exit``.
- ``GET /sweeps/{id}/claim-snapshot`` + ``POST /sweeps/{id}/planned-claims``: claims with a
  planner that runs on the client (``RemoteStore.claim_run``): the decision is applied only
  if the sweep still matches the snapshot's fingerprint, else the answer is ``stale``.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool

from sweeplab.domain import RunRecord, RunState, SweepRecord
from sweeplab.server.auth import require_read, require_write
from sweeplab.server.claims import fingerprint
from sweeplab.server.routes.params import RunIdPath, SweepIdPath
from sweeplab.server.state import StateDep, StoreDep
from sweeplab.store.base import PlannedRun, SweepDone
from sweeplab.wire.models import ClaimOut, ClaimSnapshotOut, HeartbeatOut, RunOut, SweepOut
from sweeplab.wire.requests import ClaimRequest, Heartbeat, PlannedClaim

router = APIRouter(prefix="/api/v1", tags=["agents"])


@router.post(
    "/sweeps/{sweep_id}/claims", response_model=ClaimOut, dependencies=[Depends(require_write)]
)
async def claim_next_run(sweep_id: SweepIdPath, body: ClaimRequest, state: StateDep) -> ClaimOut:
    """Start the sweep's next run, leased for ``lease_seconds`` on the server's clock; without
    a run, ``sweep`` and ``reason`` say why (finished, paused, stopped)."""

    def claim() -> ClaimOut:
        return ClaimOut.from_claim(state.controller.claim_next_run(sweep_id, body.lease_seconds))

    async with state.claim_turns.turn(sweep_id):  # wait here, not on a worker thread
        return await run_in_threadpool(state.recent_claims.answer, body.request_id, claim)


@router.post(
    "/runs/{run_id}/agent-heartbeat",
    response_model=HeartbeatOut,
    dependencies=[Depends(require_write)],
)
def agent_heartbeat(run_id: RunIdPath, body: Heartbeat, state: StateDep) -> HeartbeatOut:
    """Extend the lease and say what the agent should do: ``stop`` carries the reason
    (early termination, judged by the server as metrics arrive; a user; a canceled sweep)."""
    run = state.controller.heartbeat(run_id, body.lease_seconds)
    sweep = state.store.get_sweep(run.sweep_id) if run.sweep_id is not None else None
    return _heartbeat_answer(run, sweep)


def _heartbeat_answer(run: RunRecord, sweep: SweepRecord | None) -> HeartbeatOut:
    out = RunOut.from_record(run)
    if run.stop_requested:
        return HeartbeatOut(run=out, command="stop", reason=run.stop_requested)
    if run.state.is_terminal and run.state is not RunState.CRASHED:
        return HeartbeatOut(run=out, command="stop", reason=f"the run is {run.state.value}")
    if sweep is not None and sweep.state.is_terminal:
        why = sweep.state_reason or f"sweep {sweep.sweep_id} is {sweep.state.value}"
        return HeartbeatOut(run=out, command="exit", reason=why)
    return HeartbeatOut(run=out, command="continue")


@router.get(
    "/sweeps/{sweep_id}/claim-snapshot",
    response_model=ClaimSnapshotOut,
    dependencies=[Depends(require_read)],
)
def claim_snapshot(sweep_id: SweepIdPath, store: StoreDep) -> ClaimSnapshotOut:
    """The sweep and its runs as a planner sees them, and their fingerprint."""
    sweep = store.get_sweep(sweep_id)
    runs = store.sweep_runs(sweep_id)
    return ClaimSnapshotOut(
        sweep=SweepOut.from_record(sweep),
        runs=[RunOut.from_record(run) for run in runs],
        fingerprint=fingerprint(sweep, runs),
    )


@router.post(
    "/sweeps/{sweep_id}/planned-claims",
    response_model=ClaimOut,
    dependencies=[Depends(require_write)],
)
def planned_claim(sweep_id: SweepIdPath, body: PlannedClaim, store: StoreDep) -> ClaimOut:
    """Apply a client planner's decision in one transaction if the sweep and its runs still
    match ``fingerprint``; otherwise change nothing and answer ``stale: true``."""
    decision = body.decision.to_decision()
    stale = False

    def planner(sweep: SweepRecord, runs: Sequence[RunRecord]) -> PlannedRun | SweepDone | None:
        # Stores may ask twice (a snapshot, then under the lock): the last answer counts.
        nonlocal stale
        stale = fingerprint(sweep, runs) != body.fingerprint
        return None if stale else decision

    claim = store.claim_run(sweep_id, planner, body.lease_seconds, now=body.now)
    return ClaimOut.from_claim(claim).model_copy(update={"stale": stale})
