"""``RemoteStore``: the :class:`~sweeplab.store.base.Store` contract over a sweeplab server.

Every method is one or a few HTTP calls through :class:`~sweeplab.wire.client.ApiClient`
(retries with backoff on 429/5xx and connection failures; other 4xx re-raised as the
sweeplab error they carry). How the contract's harder clauses hold over HTTP:

- **Retries stay idempotent.** New runs and sweeps get their id here, before the first try,
  so a retried create finds its own first attempt; metric writes are idempotent anyway;
  server-side claims carry a request id the server remembers.
- **Claims.** A :data:`ClaimPlanner` is a Python function and cannot be sent. Agents never
  need to: their :class:`~sweeplab.engine.Controller` sees that this store is
  :class:`~sweeplab.engine.coordination.ServerCoordinatedStore` and asks the server's
  controller (:meth:`claim_next_run`). ``claim_run`` with any other planner runs the planner
  here on a snapshot and has the server apply its decision only if the sweep has not changed
  since (optimistic concurrency on a fingerprint); otherwise it plans again.
- **Long answers** (``list_runs`` without a limit) are read page by page.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from sweeplab.domain import RunRecord, StopDecision, SweepRecord, SweepState
from sweeplab.errors import ConflictError, NotFoundError, ServerUnavailableError
from sweeplab.store.base import (
    Claim,
    ClaimPlanner,
    Ingested,
    MetricRow,
    NewRun,
    RunChanges,
    RunQuery,
    Store,
    new_id,
)
from sweeplab.store.json_values import json_equal
from sweeplab.store.run_query import check_paging
from sweeplab.wire import limits
from sweeplab.wire.client import ApiClient
from sweeplab.wire.models import (
    ClaimOut,
    ClaimSnapshotOut,
    HeartbeatOut,
    HistoriesOut,
    LoggedOut,
    MetricsOut,
    ProjectListOut,
    ReapedOut,
    RunOut,
    RunPageOut,
    StopDecisionsOut,
    SweepListOut,
    SweepOut,
)
from sweeplab.wire.requests import (
    ClaimRequest,
    Heartbeat,
    MetricBatch,
    PlannedClaim,
    PlannedDecision,
    Reap,
    RunCreate,
    RunQueryBody,
    RunUpdate,
    SweepCreate,
    SweepStateChange,
)
from sweeplab.wire.retry import RetryPolicy

# An optimistic claim that keeps meeting a changed sweep gives up after this many plans.
MAX_PLANNED_CLAIM_TRIES = 200


class RemoteStore(Store):
    """The store of the sweeplab server at ``base_url``, authenticated with ``api_key``.

    ``transport`` (e.g. ``httpx.ASGITransport(app)``) runs against an in-process server.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
        timeout_seconds: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = ApiClient(
            self.base_url,
            api_key,
            transport=transport,
            retry=retry,
            timeout_seconds=timeout_seconds,
        )

    def __repr__(self) -> str:
        return f"RemoteStore({self.base_url!r})"

    def close(self) -> None:
        self._client.close()

    # --- sweeps --------------------------------------------------------------------------------

    def create_sweep(
        self, project: str, config: Mapping[str, Any], seed: int, sweep_id: str = ""
    ) -> SweepRecord:
        chosen_id = sweep_id or new_id()
        body = SweepCreate(
            project=project,
            config=dict(config),
            seed=seed,
            sweep_id=chosen_id,
            validate_config=False,  # the Store primitive: callers validated (Controller)
        )
        try:
            return self._client.call("POST", "/sweeps", SweepOut, body=body).to_record()
        except ConflictError:
            if sweep_id:
                raise
            # A retried request whose first try got through finds its own sweep.
            existing = self.get_sweep(chosen_id)
            if (existing.project, existing.seed) == (project, seed) and json_equal(
                dict(existing.config), dict(config)
            ):
                return existing
            raise

    def get_sweep(self, sweep_id: str) -> SweepRecord:
        return self._client.call("GET", f"/sweeps/{_id(sweep_id)}", SweepOut).to_record()

    def list_sweeps(self, project: str | None = None) -> list[SweepRecord]:
        params = {"project": project} if project is not None else None
        answer = self._client.call("GET", "/sweeps", SweepListOut, params=params)
        return [sweep.to_record() for sweep in answer.sweeps]

    def set_sweep_state(self, sweep_id: str, state: SweepState, reason: str = "") -> SweepRecord:
        body = SweepStateChange(state=state, reason=reason)
        path = f"/sweeps/{_id(sweep_id)}/state"
        return self._client.call("PUT", path, SweepOut, body=body).to_record()

    def list_projects(self) -> list[str]:
        answer = self._client.call("GET", "/projects", ProjectListOut)
        return [project.name for project in answer.projects]

    # --- runs ----------------------------------------------------------------------------------

    def create_run(self, new: NewRun, now: float | None = None) -> RunRecord:
        # An id chosen here makes a retried create resume the run its first try created.
        body = RunCreate.from_new_run(new, now)
        body = body.model_copy(update={"run_id": new.run_id or new_id()})
        return self._client.call("POST", "/runs", RunOut, body=body).to_record()

    def get_run(self, run_id: str, with_history: bool = False) -> RunRecord:
        params = {"history": "true"} if with_history else None
        answer = self._client.call("GET", f"/runs/{_id(run_id)}", RunOut, params=params)
        return answer.to_record()

    def list_runs(self, query: RunQuery) -> list[RunRecord]:
        check_paging(query)  # the server's bounds would refuse it less clearly
        wanted = query.limit
        offset = query.offset
        runs: list[RunRecord] = []
        while wanted is None or len(runs) < wanted:
            page_size = limits.MAX_PAGE_SIZE
            if wanted is not None:
                page_size = min(page_size, wanted - len(runs))
            body = RunQueryBody.from_query(query, limit=page_size, offset=offset)
            page = self._client.call("POST", "/runs/query", RunPageOut, body=body)
            runs.extend(run.to_record() for run in page.runs)
            if page.next_offset is None or not page.runs:
                break
            offset = page.next_offset
        return runs

    def update_run(self, run_id: str, changes: RunChanges, now: float | None = None) -> RunRecord:
        body = RunUpdate.from_changes(changes, now)
        return self._client.call("PATCH", f"/runs/{_id(run_id)}", RunOut, body=body).to_record()

    # --- metrics -------------------------------------------------------------------------------

    def log_metrics(self, run_id: str, rows: Sequence[MetricRow]) -> int:
        return self.ingest(run_id, rows).new_rows

    def ingest(
        self,
        run_id: str,
        rows: Sequence[MetricRow],
        changes: RunChanges | None = None,
        now: float | None = None,
    ) -> Ingested:
        """One request per flush: the rows (in chunks if there are many), with the config and
        summary changes riding on the last chunk."""
        path = f"/runs/{_id(run_id)}/metrics"
        chunk = limits.CLIENT_METRIC_CHUNK_ROWS
        starts = range(0, len(rows), chunk) if rows else range(1)
        new_rows = 0
        for start in starts:
            last = start + chunk >= len(rows)
            body = MetricBatch.from_flush(
                rows[start : start + chunk], changes if last else None, now
            )
            answer = self._client.call("POST", path, LoggedOut, body=body)
            new_rows += answer.new_rows
        return Ingested(new_rows, answer.state, answer.stop_requested, answer.sweep_id)

    def read_metrics(
        self, run_id: str, keys: Sequence[str] | None = None
    ) -> dict[str, list[tuple[int, float]]]:
        if keys is not None and not keys:
            self.get_run(run_id)
            return {}
        if keys is None:
            return self._read_metrics(run_id, None)
        series: dict[str, list[tuple[int, float]]] = {}
        chunk = limits.MAX_METRIC_KEYS_PER_READ
        for start in range(0, len(keys), chunk):
            series.update(self._read_metrics(run_id, keys[start : start + chunk]))
        return {key: series[key] for key in dict.fromkeys(keys) if key in series}

    def read_sampled_metrics(
        self, run_id: str, keys: Sequence[str] | None, samples: int
    ) -> dict[str, list[tuple[int, float]]]:
        """Like :meth:`read_metrics`, downsampled on the server to ``samples`` points per key
        (each stretch's min and max kept)."""
        return self._read_metrics(run_id, keys, samples)

    def _read_metrics(
        self, run_id: str, keys: Sequence[str] | None, samples: int | None = None
    ) -> dict[str, list[tuple[int, float]]]:
        params: dict[str, str | int | Sequence[str]] = {}
        if keys is not None:
            params["keys"] = list(keys)
        if samples is not None:
            params["samples"] = samples
        path = f"/runs/{_id(run_id)}/metrics"
        answer = self._client.call("GET", path, MetricsOut, params=params)
        return {key: list(points) for key, points in answer.metrics.items()}

    def metric_histories(self, sweep_id: str, key: str) -> dict[str, tuple[float, ...]]:
        path = f"/sweeps/{_id(sweep_id)}/histories"
        answer = self._client.call("GET", path, HistoriesOut, params={"key": key})
        return {run_id: tuple(values) for run_id, values in answer.histories.items()}

    # --- coordination --------------------------------------------------------------------------

    def claim_run(
        self,
        sweep_id: str,
        planner: ClaimPlanner,
        lease_seconds: float,
        now: float | None = None,
    ) -> Claim:
        """Plan here on a snapshot; the server applies the plan only if nothing changed."""
        path = f"/sweeps/{_id(sweep_id)}"
        for attempt in range(MAX_PLANNED_CLAIM_TRIES):
            snapshot = self._client.call("GET", f"{path}/claim-snapshot", ClaimSnapshotOut)
            sweep = snapshot.sweep.to_record()
            decision = None
            if sweep.state.hands_out_runs:
                decision = planner(sweep, [run.to_record() for run in snapshot.runs])
            body = PlannedClaim(
                fingerprint=snapshot.fingerprint,
                decision=PlannedDecision.from_decision(decision),
                lease_seconds=lease_seconds,
                now=now,
            )
            answer = self._client.call("POST", f"{path}/planned-claims", ClaimOut, body=body)
            if not answer.stale:
                return answer.to_claim()
            # Others claimed meanwhile: plan again, after a short random pause that
            # spreads out clients contending for the same sweep.
            time.sleep(secrets.randbelow(1000) / 1000 * min(0.2, 0.005 * 2 ** min(attempt, 6)))
        raise ServerUnavailableError(
            f"could not claim a run of sweep {sweep_id}: it changed under every one of "
            f"{MAX_PLANNED_CLAIM_TRIES} plans; agents should claim through "
            "Controller.claim_next_run, which the server plans itself"
        )

    def heartbeat(self, run_id: str, lease_seconds: float, now: float | None = None) -> RunRecord:
        body = Heartbeat(lease_seconds=lease_seconds, now=now)
        path = f"/runs/{_id(run_id)}/heartbeat"
        return self._client.call("POST", path, RunOut, body=body).to_record()

    def reap_expired(self, now: float | None = None) -> list[str]:
        return self._client.call("POST", "/runs/reap", ReapedOut, body=Reap(now=now)).run_ids

    # --- the server's controller (sweeplab.engine.coordination.ServerCoordinatedStore) ---------

    def claim_next_run(self, sweep_id: str, lease_seconds: float) -> Claim:
        body = ClaimRequest(lease_seconds=lease_seconds, request_id=new_id(16))
        path = f"/sweeps/{_id(sweep_id)}/claims"
        return self._client.call("POST", path, ClaimOut, body=body).to_claim()

    def agent_heartbeat(self, run_id: str, lease_seconds: float) -> RunRecord:
        body = Heartbeat(lease_seconds=lease_seconds)
        path = f"/runs/{_id(run_id)}/agent-heartbeat"
        return self._client.call("POST", path, HeartbeatOut, body=body).run.to_record()

    def evaluate_stopping(self, sweep_id: str) -> list[StopDecision]:
        path = f"/sweeps/{_id(sweep_id)}/stop-decisions"
        answer = self._client.call("POST", path, StopDecisionsOut)
        return [decision.to_decision() for decision in answer.decisions]


def _id(value: str) -> str:
    """``value`` as a URL path segment; a malformed id is refused before it is sent."""
    if not limits.is_valid_id(value):
        raise NotFoundError(
            f"no run or sweep with id {value!r}: ids have 1 to {limits.MAX_ID_CHARS} letters, "
            "digits, '_', '-' or '.'"
        )
    return value
