"""Organisations (issue 15): practitioners' memberships, each organisation's invitation round,
and the organisation a transcript or quiz answer was written in, so leads see only theirs.

Revision ID: 0008_organisations
Revises: 0007_alerts_requests_feedback
Create Date: 2026-12-06

Rows written before this have no organisation (NULL): only an unscoped lead sees them.
Dropping a column on SQLite recreates the table: `sqlite_autoincrement` is given again so that
a downgraded table still never reuses an id.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.storage.tables import UTCDateTime

revision: str = "0008_organisations"
down_revision: str | None = "0007_alerts_requests_feedback"
branch_labels: str | None = None
depends_on: str | None = None

WRITTEN_IN = ("transcripts", "quiz_answers")
"""The tables whose rows take the practitioner's organisation when they are written."""


def upgrade() -> None:
    op.create_table(
        "memberships",
        sa.Column("practitioner", sa.Text(), nullable=False),
        sa.Column("organisation", sa.Text(), nullable=False),
        sa.Column("joined_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("practitioner", name=op.f("pk_memberships")),
    )
    op.create_table(
        "invite_rounds",
        sa.Column("organisation", sa.Text(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("organisation", name=op.f("pk_invite_rounds")),
    )
    for table in WRITTEN_IN:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("organisation", sa.Text(), nullable=True))
    op.create_index(
        op.f("ix_transcripts_organisation_started_at"),
        "transcripts",
        ["organisation", "started_at"],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_transcripts_organisation_started_at"), "transcripts")
    for table in WRITTEN_IN:
        with op.batch_alter_table(table, table_kwargs={"sqlite_autoincrement": True}) as batch:
            batch.drop_column("organisation")
    op.drop_table("invite_rounds")
    op.drop_table("memberships")
