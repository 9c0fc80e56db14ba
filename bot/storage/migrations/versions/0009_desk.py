"""The web desk (issue 16): single-use sign-in links that /desk sends a lead, and the desk's
signed-in sessions.

Revision ID: 0009_desk
Revises: 0008_organisations
Create Date: 2026-12-06

Only SHA-256 digests of the link tokens and session ids are stored: a copy of the database
signs nobody in. A request to get in touch gains when, and by which lead, it was marked handled.
Dropping those columns on SQLite recreates the table: `sqlite_autoincrement` is given again, and
the partial index on standing requests is dropped before and made again after.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bot.storage.tables import UTCDateTime

revision: str = "0009_desk"
down_revision: str | None = "0008_organisations"
branch_labels: str | None = None
depends_on: str | None = None

STANDING = "uq_contact_requests_standing"


def upgrade() -> None:
    op.create_table(
        "desk_links",
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("lead", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_desk_links")),
    )
    op.create_index(op.f("ix_desk_links_expires_at"), "desk_links", ["expires_at"])
    op.create_table(
        "desk_sessions",
        sa.Column("id_hash", sa.Text(), nullable=False),
        sa.Column("lead", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_desk_sessions")),
    )
    op.create_index(op.f("ix_desk_sessions_last_seen_at"), "desk_sessions", ["last_seen_at"])
    with op.batch_alter_table("contact_requests") as batch:
        batch.add_column(sa.Column("handled_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("handled_by", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_index(STANDING, "contact_requests")
    with op.batch_alter_table(
        "contact_requests", table_kwargs={"sqlite_autoincrement": True}
    ) as batch:
        batch.drop_column("handled_by")
        batch.drop_column("handled_at")
    standing = sa.text("withdrawn_at IS NULL")
    op.create_index(
        STANDING,
        "contact_requests",
        ["transcript_id"],
        unique=True,
        sqlite_where=standing,
        postgresql_where=standing,
    )
    op.drop_index(op.f("ix_desk_sessions_last_seen_at"), "desk_sessions")
    op.drop_index(op.f("ix_desk_links_expires_at"), "desk_links")
    op.drop_table("desk_sessions")
    op.drop_table("desk_links")
