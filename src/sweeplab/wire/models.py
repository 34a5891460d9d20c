"""Response bodies: the domain records as JSON, and back.

Each ``...Out`` model mirrors one frozen record of :mod:`sweeplab.domain` (or the store) and
converts both ways (``from_record`` on the server, ``to_record`` in the client), so a record
that crosses the wire comes back equal. Responses ignore fields they do not know, so an older
client keeps working against a newer server.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from sweeplab.domain import RunRecord, RunState, StopDecision, SweepRecord, SweepState
from sweeplab.store.base import ApiKeyRecord, Claim, Ingested
from sweeplab.wire.json_values import FreeJson, FreeJsonObject


class ResponseModel(BaseModel):
    """Base of responses: non-finite float fields as strings; unknown fields ignored."""

    model_config = ConfigDict(ser_json_inf_nan="strings", extra="ignore")


class SweepOut(ResponseModel):
    sweep_id: str
    project: str
    config: FreeJsonObject
    state: SweepState
    seed: int
    created_at: float
    updated_at: float
    engine_version: str = ""
    state_reason: str = ""

    @classmethod
    def from_record(cls, record: SweepRecord) -> SweepOut:
        return cls(
            sweep_id=record.sweep_id,
            project=record.project,
            config=dict(record.config),
            state=record.state,
            seed=record.seed,
            created_at=record.created_at,
            updated_at=record.updated_at,
            engine_version=record.engine_version,
            state_reason=record.state_reason,
        )

    def to_record(self) -> SweepRecord:
        return SweepRecord(
            sweep_id=self.sweep_id,
            project=self.project,
            config=self.config,
            state=self.state,
            seed=self.seed,
            created_at=self.created_at,
            updated_at=self.updated_at,
            engine_version=self.engine_version,
            state_reason=self.state_reason,
        )


class SweepListOut(ResponseModel):
    sweeps: list[SweepOut]


class RunOut(ResponseModel):
    run_id: str
    state: RunState
    config: FreeJsonObject
    history: dict[str, list[float]] = Field(default_factory=dict)
    summary: FreeJsonObject = Field(default_factory=dict)
    project: str = ""
    sweep_id: str | None = None
    name: str = ""
    group: str | None = None
    job_type: str | None = None
    tags: list[str] = Field(default_factory=list)
    notes: str = ""
    created_at: float = 0.0
    updated_at: float = 0.0
    heartbeat_at: float | None = None
    lease_expires_at: float | None = None
    exit_code: int | None = None
    end_reason: str = ""
    suggestion_info: FreeJsonObject = Field(default_factory=dict)
    point_key: str | None = None
    stop_requested: str = ""

    @classmethod
    def from_record(cls, record: RunRecord) -> RunOut:
        return cls(
            run_id=record.run_id,
            state=record.state,
            config=dict(record.config),
            history={key: list(values) for key, values in record.history.items()},
            summary=dict(record.summary),
            project=record.project,
            sweep_id=record.sweep_id,
            name=record.name,
            group=record.group,
            job_type=record.job_type,
            tags=list(record.tags),
            notes=record.notes,
            created_at=record.created_at,
            updated_at=record.updated_at,
            heartbeat_at=record.heartbeat_at,
            lease_expires_at=record.lease_expires_at,
            exit_code=record.exit_code,
            end_reason=record.end_reason,
            suggestion_info=dict(record.suggestion_info),
            point_key=record.point_key,
            stop_requested=record.stop_requested,
        )

    def to_record(self) -> RunRecord:
        return RunRecord(
            run_id=self.run_id,
            state=self.state,
            config=self.config,
            history={key: tuple(values) for key, values in self.history.items()},
            summary=self.summary,
            project=self.project,
            sweep_id=self.sweep_id,
            name=self.name,
            group=self.group,
            job_type=self.job_type,
            tags=tuple(self.tags),
            notes=self.notes,
            created_at=self.created_at,
            updated_at=self.updated_at,
            heartbeat_at=self.heartbeat_at,
            lease_expires_at=self.lease_expires_at,
            exit_code=self.exit_code,
            end_reason=self.end_reason,
            suggestion_info=self.suggestion_info,
            point_key=self.point_key,
            stop_requested=self.stop_requested,
        )


class RunPageOut(ResponseModel):
    """One page of a run listing; ``next_offset`` is ``None`` on the last page."""

    runs: list[RunOut]
    next_offset: int | None = None


class ClaimOut(ResponseModel):
    """A claim's outcome; ``stale`` (optimistic claims only): the sweep changed, plan again."""

    run: RunOut | None = None
    sweep: SweepOut | None = None
    reason: str = ""
    stale: bool = False

    @classmethod
    def from_claim(cls, claim: Claim) -> ClaimOut:
        return cls(
            run=RunOut.from_record(claim.run) if claim.run is not None else None,
            sweep=SweepOut.from_record(claim.sweep) if claim.sweep is not None else None,
            reason=claim.reason,
        )

    def to_claim(self) -> Claim:
        return Claim(
            run=self.run.to_record() if self.run is not None else None,
            sweep=self.sweep.to_record() if self.sweep is not None else None,
            reason=self.reason,
        )


class ClaimSnapshotOut(ResponseModel):
    """What a planner needs (the sweep and its runs) and a fingerprint of exactly that."""

    sweep: SweepOut
    runs: list[RunOut]
    fingerprint: str


class HeartbeatOut(ResponseModel):
    """An agent heartbeat's answer: the run, and what the agent should do next.

    ``command``: ``continue``; ``stop`` (stop this run: ``reason`` says why); ``exit`` (the
    sweep has ended: finish this run, claim no more).
    """

    run: RunOut
    command: Literal["continue", "stop", "exit"]
    reason: str = ""


class StopDecisionOut(ResponseModel):
    run_id: str
    should_stop: bool
    reason: str
    details: FreeJsonObject = Field(default_factory=dict)

    @classmethod
    def from_decision(cls, decision: StopDecision) -> StopDecisionOut:
        return cls(
            run_id=decision.run_id,
            should_stop=decision.should_stop,
            reason=decision.reason,
            details=dict(decision.details),
        )

    def to_decision(self) -> StopDecision:
        return StopDecision(
            run_id=self.run_id,
            should_stop=self.should_stop,
            reason=self.reason,
            details=self.details,
        )


class StopDecisionsOut(ResponseModel):
    decisions: list[StopDecisionOut]


class MetricsOut(ResponseModel):
    """Each key's ``[step, value]`` pairs in step order (downsampled when asked)."""

    metrics: dict[str, list[tuple[int, float]]]


class HistoriesOut(ResponseModel):
    """For every run of a sweep, its values of one key in step order."""

    histories: dict[str, list[float]]


class LoggedOut(ResponseModel):
    """What an ingest stored, and whether the run is still wanted (``stop_requested``)."""

    new_rows: int
    state: RunState
    stop_requested: str = ""
    sweep_id: str | None = None

    @classmethod
    def from_ingested(cls, ingested: Ingested) -> LoggedOut:
        return cls(
            new_rows=ingested.new_rows,
            state=ingested.state,
            stop_requested=ingested.stop_requested,
            sweep_id=ingested.sweep_id,
        )


class ReapedOut(ResponseModel):
    run_ids: list[str]


class ProjectOut(ResponseModel):
    name: str


class ProjectListOut(ResponseModel):
    projects: list[ProjectOut]


class ApiKeyOut(ResponseModel):
    """A key's public description (never its hash)."""

    key_id: str
    read_only: bool
    name: str
    created_at: float

    @classmethod
    def from_record(cls, record: ApiKeyRecord) -> ApiKeyOut:
        return cls(
            key_id=record.key_id,
            read_only=record.read_only,
            name=record.name,
            created_at=record.created_at,
        )


class ApiKeyListOut(ResponseModel):
    keys: list[ApiKeyOut]


class ApiKeyCreatedOut(ResponseModel):
    """A new key: ``api_key`` is shown this once and cannot be read again."""

    api_key: str
    key: ApiKeyOut


class HealthOut(ResponseModel):
    status: Literal["ok"]
    version: str


class ViolationOut(ResponseModel):
    path: str
    message: str


class ErrorDetailOut(ResponseModel):
    code: str
    message: str
    violations: list[ViolationOut] = Field(default_factory=list)
    details: FreeJson = None


class ErrorOut(ResponseModel):
    """Every error response: ``{"error": {"code", "message", ...}}``."""

    error: ErrorDetailOut
