"""Conversations remember the message that asks their current question, so a typed answer can
mark it as a pressed one does, whichever process (or replica) sent it.

Revision ID: 0004_asked_message
Revises: 0003_applied_updates
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004_asked_message"
down_revision: str | None = "0003_applied_updates"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("asked_message", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("asked_message")
