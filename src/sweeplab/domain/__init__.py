"""Frozen records and state enums shared by every layer (stdlib only)."""

from sweeplab.domain.records import (
    MetricPoint,
    RunRecord,
    StopDecision,
    Suggestion,
    SweepRecord,
)
from sweeplab.domain.states import RunState, SweepState

__all__ = [
    "MetricPoint",
    "RunRecord",
    "RunState",
    "StopDecision",
    "Suggestion",
    "SweepRecord",
    "SweepState",
]
