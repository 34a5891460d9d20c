"""The SQL schema as SQLAlchemy Core tables (what the code queries).

The migrations under ``migrations/versions`` create exactly this schema; a test compares the
two, so a change here needs a new migration.
"""

from __future__ import annotations

import sqlalchemy as sa

from sweeplab.store.sql.types import JsonDocument, MetricValue

metadata = sa.MetaData()

# Ids are short generated strings (or caller-chosen, like W&B's); 64 characters is plenty.
ID_LENGTH = 64

sweeps = sa.Table(
    "sweeps",
    metadata,
    # ``seq`` gives a creation order that ties on equal timestamps cannot shuffle.
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sweep_id", sa.String(ID_LENGTH), nullable=False),
    sa.Column("project", sa.String(255), nullable=False, index=True),
    sa.Column("config", JsonDocument, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("state_reason", sa.Text, nullable=False),
    sa.Column("seed", sa.BigInteger, nullable=False),
    sa.Column("engine_version", sa.String(32), nullable=False),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("updated_at", sa.Double, nullable=False),
    sa.UniqueConstraint("sweep_id", name="uq_sweeps_sweep_id"),
)

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String(ID_LENGTH), nullable=False),
    sa.Column("project", sa.String(255), nullable=False, index=True),
    sa.Column(
        "sweep_id",
        sa.String(ID_LENGTH),
        sa.ForeignKey("sweeps.sweep_id", name="fk_runs_sweep_id", ondelete="CASCADE"),
        nullable=True,
        index=True,
    ),
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("name", sa.Text, nullable=False),
    # ``group`` is an SQL keyword.
    sa.Column("run_group", sa.Text, nullable=True),
    sa.Column("job_type", sa.Text, nullable=True),
    sa.Column("tags", JsonDocument, nullable=False),
    sa.Column("notes", sa.Text, nullable=False),
    sa.Column("config", JsonDocument, nullable=False),
    sa.Column("summary", JsonDocument, nullable=False),
    sa.Column("suggestion_info", JsonDocument, nullable=False),
    sa.Column("point_key", sa.Text, nullable=True),
    sa.Column("stop_requested", sa.Text, nullable=False),
    sa.Column("exit_code", sa.Integer, nullable=True),
    sa.Column("end_reason", sa.Text, nullable=False),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.Column("updated_at", sa.Double, nullable=False),
    sa.Column("heartbeat_at", sa.Double, nullable=True),
    sa.Column("lease_expires_at", sa.Double, nullable=True),
    # Bumped by every change a claim planner can see (not by heartbeats): claims re-read only
    # the runs whose version moved (``planning_cache``).
    sa.Column("version", sa.Integer, nullable=False, server_default="0"),
    sa.UniqueConstraint("run_id", name="uq_runs_run_id"),
    # Parallel agents can never hold the same grid point (NULL keys do not collide).
    sa.UniqueConstraint("sweep_id", "point_key", name="uq_runs_sweep_point"),
)

metrics = sa.Table(
    "metrics",
    metadata,
    sa.Column(
        "run_id",
        sa.String(ID_LENGTH),
        sa.ForeignKey("runs.run_id", name="fk_metrics_run_id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("key", sa.Text, nullable=False),
    sa.Column("step", sa.BigInteger, nullable=False),
    # NULL stands for NaN (see MetricValue).
    sa.Column("value", MetricValue, nullable=True),
    sa.Column("wall_time", sa.Double, nullable=True),
    # (run, key, step) order serves reads of one metric in step order; uniqueness makes
    # writes idempotent on (run_id, step, key).
    sa.PrimaryKeyConstraint("run_id", "key", "step", name="pk_metrics"),
    sqlite_with_rowid=False,
)

# A sweeplab server's API keys, by SHA-256 (see sweeplab.server.api_keys); never the key itself.
api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("key_id", sa.String(ID_LENGTH), primary_key=True),
    sa.Column("key_hash", sa.String(64), nullable=False),
    sa.Column("read_only", sa.Boolean, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("created_at", sa.Double, nullable=False),
    sa.UniqueConstraint("key_hash", name="uq_api_keys_key_hash"),
)
