"""Replies through an outbox: a conversation row says which reply its current turn still owes
(due when, and the answered question to mark), so a crash between saving a move and showing it
leaves a debt a sender pays after restart; and when the question message was sent (Telegram's
date), so a typed answer that may not have seen it is confirmed first.

Revision ID: 0005_owed_replies
Revises: 0004_asked_message
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.storage.tables import UTCDateTime

revision: str = "0005_owed_replies"
down_revision: str | None = "0004_asked_message"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("asked_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("owed_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("owed_mark", sa.JSON(), nullable=True))
    op.create_index("ix_conversations_owed_at", "conversations", ["owed_at"])


def downgrade() -> None:
    op.drop_index("ix_conversations_owed_at", "conversations")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("owed_mark")
        batch.drop_column("owed_at")
        batch.drop_column("asked_at")
