"""``/api/v1/sweeps``: create (validated), read, change state, early-termination verdicts."""

from __future__ import annotations

import secrets
from typing import Annotated, Literal, get_args

from fastapi import APIRouter, Depends, Query

from sweeplab.server.auth import require_read, require_write
from sweeplab.server.routes.params import SweepIdPath
from sweeplab.server.state import ControllerDep, StateDep, StoreDep
from sweeplab.sweep_config import load_sweep_config
from sweeplab.wire import limits
from sweeplab.wire.models import (
    HistoriesOut,
    StopDecisionOut,
    StopDecisionsOut,
    SweepListOut,
    SweepOut,
)
from sweeplab.wire.requests import SweepAction, SweepCreate, SweepStateChange

router = APIRouter(prefix="/api/v1", tags=["sweeps"])
_SEED_LIMIT = 2**31  # as the controller draws them: safe in every JSON and SQL integer

SweepActionName = Literal["pause", "resume", "stop", "cancel"]


@router.post(
    "/sweeps", status_code=201, response_model=SweepOut, dependencies=[Depends(require_write)]
)
def create_sweep(body: SweepCreate, store: StoreDep) -> SweepOut:
    """Store a sweep, running. The config is validated first (every violation is returned
    at once, status 422) unless ``validate_config`` is false; the seed is the config's
    ``seed``, else the body's, else random."""
    seed = body.seed
    if body.validate_config:
        config = load_sweep_config(body.config)
        seed = config.seed if config.seed is not None else seed
    if seed is None:
        seed = secrets.randbelow(_SEED_LIMIT)
    record = store.create_sweep(body.project, body.config, seed, body.sweep_id or "")
    return SweepOut.from_record(record)


@router.get("/sweeps", response_model=SweepListOut, dependencies=[Depends(require_read)])
def list_sweeps(
    store: StoreDep,
    project: Annotated[str | None, Query(max_length=limits.MAX_PROJECT_CHARS)] = None,
) -> SweepListOut:
    """Sweeps, newest first (of one project if given)."""
    return SweepListOut(sweeps=[SweepOut.from_record(s) for s in store.list_sweeps(project)])


@router.get("/sweeps/{sweep_id}", response_model=SweepOut, dependencies=[Depends(require_read)])
def get_sweep(sweep_id: SweepIdPath, store: StoreDep) -> SweepOut:
    return SweepOut.from_record(store.get_sweep(sweep_id))


@router.put(
    "/sweeps/{sweep_id}/state", response_model=SweepOut, dependencies=[Depends(require_write)]
)
def set_sweep_state(sweep_id: SweepIdPath, body: SweepStateChange, store: StoreDep) -> SweepOut:
    """Move the sweep to a state (the store primitive); users want the actions below."""
    return SweepOut.from_record(store.set_sweep_state(sweep_id, body.state, body.reason))


def _sweep_action(action: SweepActionName) -> None:
    """Register ``POST /sweeps/{id}/<action>``, applying ``Controller.<action>``."""

    def change_sweep(
        sweep_id: SweepIdPath, controller: ControllerDep, body: SweepAction | None = None
    ) -> SweepOut:
        move = getattr(controller, action)
        reason = body.reason if body is not None else None
        record = move(sweep_id) if reason is None else move(sweep_id, reason)
        return SweepOut.from_record(record)

    change_sweep.__name__ = f"{action}_sweep"
    change_sweep.__doc__ = _ACTION_DOCS[action]
    router.post(
        f"/sweeps/{{sweep_id}}/{action}",
        response_model=SweepOut,
        dependencies=[Depends(require_write)],
        name=f"{action}_sweep",
    )(change_sweep)


_ACTION_DOCS: dict[str, str] = {
    "pause": "Hand out no runs until resumed; running runs go on.",
    "resume": "Hand out runs again after a pause.",
    "stop": "End the sweep for good; running runs go on to their end.",
    "cancel": "End the sweep for good and ask every running run to stop.",
}
for _action in get_args(SweepActionName):
    _sweep_action(_action)


@router.get(
    "/sweeps/{sweep_id}/histories",
    response_model=HistoriesOut,
    dependencies=[Depends(require_read)],
)
def metric_histories(
    sweep_id: SweepIdPath,
    store: StoreDep,
    key: Annotated[
        str,
        Query(
            min_length=1,
            max_length=limits.MAX_METRIC_KEY_CHARS,
            pattern=limits.METRIC_KEY_PATTERN,
        ),
    ],
) -> HistoriesOut:
    """Every run's values of metric ``key`` in step order (what stopping rules read)."""
    histories = store.metric_histories(sweep_id, key)
    return HistoriesOut(histories={run_id: list(values) for run_id, values in histories.items()})


@router.get(
    "/sweeps/{sweep_id}/stop-decisions",
    response_model=StopDecisionsOut,
    dependencies=[Depends(require_read)],
)
def stop_decisions(sweep_id: SweepIdPath, controller: ControllerDep) -> StopDecisionsOut:
    """The early termination verdicts on running runs as they stand, with reasons."""
    decisions = controller.stop_decisions(sweep_id)
    return StopDecisionsOut(decisions=[StopDecisionOut.from_decision(d) for d in decisions])


@router.post(
    "/sweeps/{sweep_id}/stop-decisions",
    response_model=StopDecisionsOut,
    dependencies=[Depends(require_write)],
)
def evaluate_stopping(sweep_id: SweepIdPath, state: StateDep) -> StopDecisionsOut:
    """Judge the running runs and ask those that should stop to stop (verdicts less than a
    second old are reused: many agents ask on every heartbeat)."""
    decisions = state.stopping.judge(sweep_id, lambda: state.controller.evaluate_stopping(sweep_id))
    return StopDecisionsOut(decisions=[StopDecisionOut.from_decision(d) for d in decisions])
