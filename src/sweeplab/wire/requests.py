"""Request bodies, each field bounded (see :mod:`sweeplab.wire.limits`).

Unknown fields are refused (a typo in a field name is an error, not silently ignored).
Times (``now``) are optional and exist for tests and replays; agents leave them out so that
leases run on the server's clock, whatever the clocks of the agents' machines say.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from sweeplab.domain import RunState, SweepState
from sweeplab.store.base import MetricRow, NewRun, PlannedRun, RunChanges, RunQuery, SweepDone
from sweeplab.wire import limits
from sweeplab.wire.json_values import FreeJsonObject

Id = Annotated[
    str, StringConstraints(min_length=1, max_length=limits.MAX_ID_CHARS, pattern=limits.ID_PATTERN)
]
Project = Annotated[
    str,
    StringConstraints(
        min_length=1, max_length=limits.MAX_PROJECT_CHARS, pattern=limits.PROJECT_PATTERN
    ),
]
Label = Annotated[str, StringConstraints(max_length=limits.MAX_LABEL_CHARS)]
Name = Annotated[str, StringConstraints(max_length=limits.MAX_NAME_CHARS)]
Notes = Annotated[str, StringConstraints(max_length=limits.MAX_NOTES_CHARS)]
Reason = Annotated[str, StringConstraints(max_length=limits.MAX_REASON_CHARS)]
MetricKey = Annotated[
    str,
    StringConstraints(
        min_length=1, max_length=limits.MAX_METRIC_KEY_CHARS, pattern=limits.METRIC_KEY_PATTERN
    ),
]
LeaseSeconds = Annotated[
    float, Field(ge=limits.MIN_LEASE_SECONDS, le=limits.MAX_LEASE_SECONDS, allow_inf_nan=False)
]
Timestamp = Annotated[float, Field(allow_inf_nan=False)]
Step = Annotated[int, Field(ge=0, le=limits.MAX_STEP)]


def _bounded_keys(values: dict[str, Any]) -> dict[str, Any]:
    if len(values) > limits.MAX_TOP_LEVEL_KEYS:
        raise ValueError(
            f"at most {limits.MAX_TOP_LEVEL_KEYS} top-level keys per request, got {len(values)}"
        )
    return values


BoundedObject = Annotated[FreeJsonObject, AfterValidator(_bounded_keys)]


class RequestModel(BaseModel):
    """Base of requests: unknown fields refused; ``"NaN"`` strings accepted in float fields."""

    model_config = ConfigDict(extra="forbid", ser_json_inf_nan="strings")


class SweepCreate(RequestModel):
    """Create a sweep. ``validate_config`` false stores the config as given: the
    :class:`~sweeplab.store.base.Store` primitive, for callers that validated already."""

    project: Project
    config: BoundedObject
    seed: Annotated[int, Field(ge=0, lt=2**63)] | None = None
    sweep_id: Id | None = None
    validate_config: bool = True


class SweepStateChange(RequestModel):
    """Move a sweep to ``state`` (the store primitive; users pause/resume/stop/cancel)."""

    state: SweepState
    reason: Reason = ""


class SweepAction(RequestModel):
    reason: Reason | None = None


class RunCreate(RequestModel):
    project: Project
    config: BoundedObject = Field(default_factory=dict)
    run_id: Id | None = None
    name: Name = ""
    group: Label | None = None
    job_type: Label | None = None
    tags: Annotated[list[Label], Field(max_length=limits.MAX_TAGS)] = Field(default_factory=list)
    notes: Notes = ""
    state: RunState = RunState.RUNNING
    sweep_id: Id | None = None
    now: Timestamp | None = None

    def to_new_run(self) -> NewRun:
        return NewRun(
            project=self.project,
            config=self.config,
            run_id=self.run_id or "",
            name=self.name,
            group=self.group,
            job_type=self.job_type,
            tags=tuple(self.tags),
            notes=self.notes,
            state=self.state,
            sweep_id=self.sweep_id,
        )

    @classmethod
    def from_new_run(cls, new: NewRun, now: float | None) -> RunCreate:
        return cls(
            project=new.project,
            config=dict(new.config),
            run_id=new.run_id or None,
            name=new.name,
            group=new.group,
            job_type=new.job_type,
            tags=list(new.tags),
            notes=new.notes,
            state=new.state,
            sweep_id=new.sweep_id,
            now=now,
        )


class RunUpdate(RequestModel):
    """A partial update; absent (``null``) fields stay as they are."""

    state: RunState | None = None
    config: BoundedObject | None = None
    summary: BoundedObject | None = None
    name: Name | None = None
    tags: Annotated[list[Label], Field(max_length=limits.MAX_TAGS)] | None = None
    notes: Notes | None = None
    exit_code: int | None = None
    end_reason: Reason | None = None
    stop_requested: Reason | None = None
    now: Timestamp | None = None

    def to_changes(self) -> RunChanges:
        return RunChanges(
            state=self.state,
            config=self.config,
            summary=self.summary,
            name=self.name,
            tags=tuple(self.tags) if self.tags is not None else None,
            notes=self.notes,
            exit_code=self.exit_code,
            end_reason=self.end_reason,
            stop_requested=self.stop_requested,
        )

    @classmethod
    def from_changes(cls, changes: RunChanges, now: float | None) -> RunUpdate:
        return cls(
            state=changes.state,
            config=dict(changes.config) if changes.config is not None else None,
            summary=dict(changes.summary) if changes.summary is not None else None,
            name=changes.name,
            tags=list(changes.tags) if changes.tags is not None else None,
            notes=changes.notes,
            exit_code=changes.exit_code,
            end_reason=changes.end_reason,
            stop_requested=changes.stop_requested,
            now=now,
        )


class RunQueryBody(RequestModel):
    """A :class:`~sweeplab.store.base.RunQuery`; ``limit`` is capped at one page."""

    project: Project | None = None
    sweep_id: Id | None = None
    states: list[RunState] = Field(default_factory=list, max_length=len(RunState))
    group: Label | None = None
    tags: Annotated[list[Label], Field(max_length=limits.MAX_TAGS)] = Field(default_factory=list)
    config_equals: BoundedObject = Field(default_factory=dict)
    summary_equals: BoundedObject = Field(default_factory=dict)
    order: Annotated[str, StringConstraints(max_length=limits.MAX_METRIC_KEY_CHARS + 9)] = (
        "created_at"
    )
    limit: Annotated[int, Field(ge=0, le=limits.MAX_PAGE_SIZE)] = limits.MAX_PAGE_SIZE
    offset: Annotated[int, Field(ge=0, le=limits.MAX_OFFSET)] = 0

    def to_query(self) -> RunQuery:
        return RunQuery(
            project=self.project,
            sweep_id=self.sweep_id,
            states=tuple(self.states),
            group=self.group,
            tags=tuple(self.tags),
            config_equals=self.config_equals,
            summary_equals=self.summary_equals,
            order=self.order,
            limit=self.limit,
            offset=self.offset,
        )

    @classmethod
    def from_query(cls, query: RunQuery, limit: int, offset: int) -> RunQueryBody:
        return cls(
            project=query.project,
            sweep_id=query.sweep_id,
            states=list(query.states),
            group=query.group,
            tags=list(query.tags),
            config_equals=dict(query.config_equals),
            summary_equals=dict(query.summary_equals),
            order=query.order,
            limit=limit,
            offset=offset,
        )


# One metric row: [step, key, value, wall_time]; value may be "NaN"/"Infinity"/"-Infinity".
MetricRowIn = tuple[Step, MetricKey, float, Timestamp | None]


class MetricBatch(RequestModel):
    """Rows to store idempotently on ``(run_id, step, key)``, and optionally the run's config
    and summary changes since the last batch (merged key by key, after the rows): a writer's
    whole flush in one request."""

    rows: Annotated[list[MetricRowIn], Field(max_length=limits.MAX_METRIC_ROWS_PER_REQUEST)]
    config: BoundedObject | None = None
    summary: BoundedObject | None = None
    now: Timestamp | None = None

    def to_rows(self) -> list[MetricRow]:
        return [MetricRow(step, key, value, wall_time) for step, key, value, wall_time in self.rows]

    def to_changes(self) -> RunChanges | None:
        """The run changes carried with the rows, or ``None`` when there are none."""
        if self.config is None and self.summary is None:
            return None
        return RunChanges(config=self.config, summary=self.summary)

    @classmethod
    def from_flush(
        cls, rows: Sequence[MetricRow], changes: RunChanges | None, now: float | None
    ) -> MetricBatch:
        """The request for ``Store.ingest(run_id, rows, changes, now)``."""
        return cls(
            rows=[(row.step, row.key, row.value, row.wall_time) for row in rows],
            config=None if changes is None or changes.config is None else dict(changes.config),
            summary=None if changes is None or changes.summary is None else dict(changes.summary),
            now=now,
        )


class Heartbeat(RequestModel):
    lease_seconds: LeaseSeconds
    now: Timestamp | None = None


class Reap(RequestModel):
    now: Timestamp | None = None


class ClaimRequest(RequestModel):
    """Ask the server's controller for the sweep's next run.

    ``request_id`` makes a retried claim safe: the server answers a repeat with the run it
    already claimed instead of claiming a second one.
    """

    lease_seconds: LeaseSeconds
    request_id: Annotated[str, StringConstraints(max_length=limits.MAX_ID_CHARS)] | None = None


class PlannedDecision(RequestModel):
    """A planner's decision made on a client: a run to start, the sweep done, or nothing."""

    kind: Literal["run", "done", "none"]
    config: BoundedObject = Field(default_factory=dict)
    suggestion_info: BoundedObject = Field(default_factory=dict)
    point_key: Annotated[str, StringConstraints(max_length=10_000)] | None = None
    state: SweepState | None = None
    reason: Reason = ""

    def to_decision(self) -> PlannedRun | SweepDone | None:
        if self.kind == "run":
            return PlannedRun(
                config=self.config, suggestion_info=self.suggestion_info, point_key=self.point_key
            )
        if self.kind == "done":
            return SweepDone(self.state or SweepState.FINISHED, self.reason)
        return None

    @classmethod
    def from_decision(cls, decision: PlannedRun | SweepDone | None) -> PlannedDecision:
        if isinstance(decision, PlannedRun):
            return cls(
                kind="run",
                config=dict(decision.config),
                suggestion_info=dict(decision.suggestion_info),
                point_key=decision.point_key,
            )
        if isinstance(decision, SweepDone):
            return cls(kind="done", state=decision.state, reason=decision.reason)
        return cls(kind="none")


class PlannedClaim(RequestModel):
    """Apply a client-side planner's decision if the sweep still matches ``fingerprint``."""

    fingerprint: Annotated[str, StringConstraints(max_length=128)]
    decision: PlannedDecision
    lease_seconds: LeaseSeconds
    now: Timestamp | None = None


class ApiKeyCreate(RequestModel):
    name: Label = ""
    read_only: bool = False
