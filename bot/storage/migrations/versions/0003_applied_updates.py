"""Conversations remember the update ids they applied, so a redelivered update is applied once.

Revision ID: 0003_applied_updates
Revises: 0002_transcripts
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003_applied_updates"
down_revision: str | None = "0002_transcripts"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("applied", sa.JSON(), server_default="[]", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("applied")
