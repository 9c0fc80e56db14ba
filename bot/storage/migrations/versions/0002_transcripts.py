"""Transcripts for leads (with steps, tags and notes), the access log and quiz answers.

Revision ID: 0002_transcripts
Revises: 0001_conversations
Create Date: 2026-11-21

`sqlite_autoincrement` (ids never reused) and `sqlite_with_rowid` are SQLite-only table options
that the migrations-match-the-models test cannot see: keep them as in bot/storage/tables.py.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002_transcripts"
down_revision: str | None = "0001_conversations"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "access_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("who", sa.Text(), nullable=False),
        sa.Column("channel", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_log")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_access_log_at"), "access_log", ["at"], unique=False)
    op.create_table(
        "quiz_answers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("practitioner", sa.Text(), nullable=False),
        sa.Column("quiz", sa.Text(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_answers")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_quiz_answers_practitioner"), "quiz_answers", ["practitioner"], unique=False
    )
    op.create_index(op.f("ix_quiz_answers_at"), "quiz_answers", ["at"], unique=False)
    op.create_table(
        "transcripts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_id", sa.Text(), nullable=False),
        sa.Column("practitioner", sa.Text(), nullable=False),
        sa.Column("dialogue", sa.Text(), nullable=False),
        sa.Column("content_version", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("step_count", sa.Integer(), nullable=False),
        sa.Column("unsure", sa.Boolean(), nullable=False),
        sa.Column("redacted", sa.Boolean(), nullable=False),
        sa.Column("last_step", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transcripts")),
        sa.UniqueConstraint("conversation_id", name=op.f("uq_transcripts_conversation_id")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_transcripts_outcome_started_at"),
        "transcripts",
        ["outcome", "started_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_transcripts_practitioner"), "transcripts", ["practitioner"], unique=False
    )
    op.create_index(
        op.f("ix_transcripts_started_at_id_outcome_unsure_redacted"),
        "transcripts",
        ["started_at", "id", "outcome", "unsure", "redacted"],
        unique=False,
    )
    op.create_index(op.f("ix_transcripts_updated_at"), "transcripts", ["updated_at"], unique=False)
    op.create_table(
        "transcript_notes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("transcript_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lead", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["transcript_id"],
            ["transcripts.id"],
            name=op.f("fk_transcript_notes_transcript_id_transcripts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transcript_notes")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_transcript_notes_transcript_id"),
        "transcript_notes",
        ["transcript_id"],
        unique=False,
    )
    op.create_table(
        "transcript_steps",
        sa.Column("transcript_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("step", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("redacted", sa.Boolean(), nullable=False),
        sa.Column("removed", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["transcript_id"],
            ["transcripts.id"],
            name=op.f("fk_transcript_steps_transcript_id_transcripts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("transcript_id", "seq", name=op.f("pk_transcript_steps")),
        sqlite_with_rowid=False,
    )
    op.create_index(
        op.f("ix_transcript_steps_step_answer"),
        "transcript_steps",
        ["step", "answer"],
        unique=False,
    )
    op.create_table(
        "transcript_tags",
        sa.Column("transcript_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["transcript_id"],
            ["transcripts.id"],
            name=op.f("fk_transcript_tags_transcript_id_transcripts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("transcript_id", "tag", name=op.f("pk_transcript_tags")),
        sqlite_with_rowid=False,
    )
    op.create_index(
        op.f("ix_transcript_tags_tag_transcript_id"),
        "transcript_tags",
        ["tag", "transcript_id"],
        unique=False,
    )


def downgrade() -> None:
    for table in (
        "transcript_tags",
        "transcript_steps",
        "transcript_notes",
        "transcripts",
        "quiz_answers",
        "access_log",
    ):
        op.drop_table(table)
