"""A sweep's runs as claim planners see them, kept decoded between claims.

Every claim shows its planner every run of the sweep. Reading and decoding them all each time
made a claim cost grow with the sweep (8 ms at 450 runs on PostgreSQL, most of it moving and
parsing rows), and claims of one sweep take turns, so that cost became the queue. Here a
claim reads each run's ``(seq, version)`` only and fetches in full just the runs that are new
or whose version moved since the last claim (``runs.version`` is bumped by every change a
planner can see; heartbeats do not bump it, so cached records may show an older lease).

The records are for planners only (pure functions), and shared between claims: nobody may
change them.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from sweeplab.domain import RunRecord
from sweeplab.store.sql.rows import run_from_row, runs_with_json_text
from sweeplab.store.sql.tables import runs
from sweeplab.store.sql.types import decode_json_text

# How many runs a sweep has and the last one's ``seq``: equal marks mean no run was added
# (runs are never deleted from a sweep).
RunSetMark = tuple[int, int | None]

# Runs kept decoded across all sweeps; past it the cache starts afresh.
MAX_CACHED_RUNS = 200_000
# Runs fetched per query when many changed (bounded ``IN`` lists).
FETCH_CHUNK = 1_000


class PlanningCache:
    """Decoded runs by sweep, refreshed against ``runs.version`` (see the module docstring)."""

    def __init__(self, max_runs: int = MAX_CACHED_RUNS) -> None:
        self._max_runs = max_runs
        self._lock = threading.Lock()
        # sweep id -> {seq: (version, record)}
        self._sweeps: dict[str, dict[int, tuple[int, RunRecord]]] = {}

    def runs(self, connection: Connection, sweep_id: str) -> tuple[list[RunRecord], RunSetMark]:
        """The sweep's runs in creation order, as of ``connection``'s transaction, and the
        mark of that set of runs."""
        stamps = connection.execute(
            sa.select(runs.c.seq, runs.c.version)
            .where(runs.c.sweep_id == sweep_id)
            .order_by(runs.c.seq)
        ).all()
        with self._lock:
            known = dict(self._sweeps.get(sweep_id, {}))
        wanted = [seq for seq, version in stamps if known.get(seq, (None,))[0] != version]
        fetched = self._fetch(connection, wanted)
        fresh = {seq: fetched.get(seq) or known[seq] for seq, _ in stamps}
        with self._lock:
            if sum(len(cached) for cached in self._sweeps.values()) + len(fresh) > self._max_runs:
                self._sweeps.clear()
            self._sweeps[sweep_id] = fresh
        mark = (len(stamps), stamps[-1][0] if stamps else None)
        return [record for _, record in fresh.values()], mark

    def _fetch(
        self, connection: Connection, seqs: Sequence[int]
    ) -> dict[int, tuple[int, RunRecord]]:
        fetched: dict[int, tuple[int, RunRecord]] = {}
        query = runs_with_json_text()  # every column, so ``seq`` and ``version`` too
        for start in range(0, len(seqs), FETCH_CHUNK):
            chunk = seqs[start : start + FETCH_CHUNK]
            for row in connection.execute(query.where(runs.c.seq.in_(chunk))).mappings():
                fetched[row["seq"]] = (row["version"], run_from_row(row, _parse))
        return fetched


def _parse(text: str | None) -> object:
    return None if text is None else decode_json_text(text)
