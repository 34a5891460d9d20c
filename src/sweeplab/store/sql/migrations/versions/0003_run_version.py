"""A version number on every run, bumped by each change to it.

Claims keep the runs of a sweep decoded between calls and fetch again only the runs whose
version moved (see ``sweeplab.store.sql.planning_cache``).

Revision ID: 0003_run_version
Revises: 0002_api_keys
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_run_version"
down_revision: str | None = "0002_api_keys"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("version")
