"""Storage: one :class:`Store` interface, implementations picked by URL with :func:`open_store`.

| URL | store |
| --- | --- |
| ``memory://`` | :class:`~sweeplab.store.memory.MemoryStore` (tests, throwaway sweeps) |
| ``sqlite:///path/to/sweeplab.db`` | :class:`~sweeplab.store.sql.SqlStore` on SQLite |
| ``postgresql+psycopg://user@host/db`` | :class:`~sweeplab.store.sql.SqlStore` on PostgreSQL |
| ``http://host:port`` | the remote store (a sweeplab server) |

Implementations are imported on first use, so ``import sweeplab`` stays light.
"""

from __future__ import annotations

from sweeplab.store.base import (
    Claim,
    ClaimPlanner,
    Ingested,
    MetricRow,
    NewRun,
    PlannedRun,
    RunChanges,
    RunQuery,
    Store,
    SweepDone,
    new_id,
)
from sweeplab.store.urls import default_store_url, open_store, sweeplab_dir

__all__ = [
    "Claim",
    "ClaimPlanner",
    "Ingested",
    "MetricRow",
    "NewRun",
    "PlannedRun",
    "RunChanges",
    "RunQuery",
    "Store",
    "SweepDone",
    "default_store_url",
    "new_id",
    "open_store",
    "sweeplab_dir",
]
