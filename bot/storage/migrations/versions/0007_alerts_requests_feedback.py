"""Leads who can act: urgent alerts and requests to get in touch (an outbox for leads), the
leads who turned alerts off (by keyed hash), and practitioners' feedback on decisions.

Revision ID: 0007_alerts_requests_feedback
Revises: 0006_keyed_chats
Create Date: 2026-12-06

`sqlite_autoincrement` is a SQLite-only table option the migrations-match-the-models test
cannot see: keep it as in bot/storage/tables.py.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.storage.tables import UTCDateTime

revision: str = "0007_alerts_requests_feedback"
down_revision: str | None = "0006_keyed_chats"
branch_labels: str | None = None
depends_on: str | None = None


def _transcript_id(table: str) -> list[sa.Column[int] | sa.ForeignKeyConstraint]:
    return [
        sa.Column("transcript_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["transcript_id"],
            ["transcripts.id"],
            name=op.f(f"fk_{table}_transcript_id_transcripts"),
            ondelete="CASCADE",
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "alerts_off",
        sa.Column("lead_key", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("lead_key", name=op.f("pk_alerts_off")),
    )
    op.create_table(
        "contact_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        *_transcript_id("contact_requests"),
        sa.Column("practitioner", sa.Text(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("identity_sealed", sa.Text(), nullable=True),
        sa.Column("withdrawn_at", UTCDateTime(), nullable=True),
        sa.Column("opened_at", UTCDateTime(), nullable=True),
        sa.Column("opened_by", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_requests")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_contact_requests_transcript_id"), "contact_requests", ["transcript_id"]
    )
    standing = sa.text("withdrawn_at IS NULL")
    op.create_index(
        "uq_contact_requests_standing",
        "contact_requests",
        ["transcript_id"],
        unique=True,
        sqlite_where=standing,
        postgresql_where=standing,
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        *_transcript_id("alerts"),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("practitioner", sa.Text(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("delivered", sa.JSON(), server_default="[]", nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["contact_requests.id"],
            name=op.f("fk_alerts_request_id_contact_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("key", name=op.f("uq_alerts_key")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_alerts_due_at"), "alerts", ["due_at"])
    op.create_index(op.f("ix_alerts_transcript_id"), "alerts", ["transcript_id"])
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        *_transcript_id("feedback"),
        sa.Column("practitioner", sa.Text(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("helped", sa.Text(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("prompt_message", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
        sa.UniqueConstraint("transcript_id", name=op.f("uq_feedback_transcript_id")),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("feedback")
    op.drop_index(op.f("ix_alerts_transcript_id"), "alerts")
    op.drop_index(op.f("ix_alerts_due_at"), "alerts")
    op.drop_table("alerts")
    op.drop_index("uq_contact_requests_standing", "contact_requests")
    op.drop_index(op.f("ix_contact_requests_transcript_id"), "contact_requests")
    op.drop_table("contact_requests")
    op.drop_table("alerts_off")
