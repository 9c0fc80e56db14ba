"""The schema: every table, as the newest migration leaves it (a test checks the two agree).

A transcript's children (steps, tags, notes) reference it ON DELETE CASCADE, which PostgreSQL
applies (also to a step a concurrent save adds while the transcript goes); SQLite enforces foreign
keys only when asked to, so the store deletes the children itself, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

metadata = sa.MetaData(
    naming_convention={
        "pk": "pk_%(table_name)s",
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Timestamps come back tz-aware in UTC whatever the backend or session time zone.

    SQLite stores the UTC wall time without an offset; PostgreSQL stores `timestamptz`.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def insert_for(dialect: str) -> Callable[..., Any]:
    """The dialect's INSERT, which has ON CONFLICT DO NOTHING / DO UPDATE on both backends."""
    return sqlite.insert if dialect == "sqlite" else postgresql.insert


def _transcript_id() -> sa.Column[int]:
    return sa.Column(
        "transcript_id",
        sa.Integer,
        sa.ForeignKey("transcripts.id", ondelete="CASCADE"),
        nullable=False,
    )


conversations = sa.Table(
    "conversations",
    metadata,
    # A keyed hash of the chat id (`bot.storage.keys`): the database alone names no chat.
    sa.Column("chat_key", sa.Text, primary_key=True),
    # The chat id, sealed, only while a reply is owed (the outbox needs to know where to send).
    sa.Column("chat_sealed", sa.Text, nullable=True),
    sa.Column("dialogue", sa.Text, nullable=False),
    sa.Column("step", sa.Text, nullable=False),
    sa.Column("history", sa.JSON, nullable=False),
    sa.Column("conversation_id", sa.Text, nullable=False),
    sa.Column("turn", sa.Integer, nullable=False),
    sa.Column("content_version", sa.Text, nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("last_record", sa.Text, nullable=True),
    # The last few Telegram update ids applied to this chat, so a redelivered update (after a
    # crash before Telegram heard back) is recognised and never applied twice.
    sa.Column("applied", sa.JSON, nullable=False, server_default="[]"),
    # The message asking the current question (set once it is sent), for typed answers to mark.
    sa.Column("asked_message", sa.BigInteger, nullable=True),
    # When that message was sent, by Telegram's clock: a typed answer dated within seconds of it
    # (or numbered before it) may not have seen it, and is confirmed before it is applied.
    sa.Column("asked_at", UTCDateTime, nullable=True),
    # The outbox: the reply this turn still owes (its question or outcome, and the answered
    # question to mark) and when the sender may pay it; NULL once it is shown. Written with the
    # move, in its transaction; the sender's claim moves `owed_at` on, so one replica sends.
    sa.Column("owed_at", UTCDateTime, nullable=True, index=True),
    sa.Column("owed_mark", sa.JSON, nullable=True),
)

# Ids are never reused (SQLite AUTOINCREMENT; PostgreSQL sequences never go back), so a
# number a lead wrote down cannot come to mean another transcript after a purge.
transcripts = sa.Table(
    "transcripts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.Text, nullable=False, unique=True),
    sa.Column("practitioner", sa.Text, nullable=False, index=True),
    sa.Column("dialogue", sa.Text, nullable=False),
    sa.Column("content_version", sa.Text, nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("ended_at", UTCDateTime, nullable=True),
    sa.Column("updated_at", UTCDateTime, nullable=False, index=True),
    sa.Column("outcome", sa.Text, nullable=True),
    sa.Column("rules", sa.JSON, nullable=False),
    sa.Column("step_count", sa.Integer, nullable=False),
    sa.Column("unsure", sa.Boolean, nullable=False),
    sa.Column("redacted", sa.Boolean, nullable=False),
    sa.Column("last_step", sa.Text, nullable=False),
    # The practitioner's organisation when the transcript began (`memberships`), kept if they
    # move: a lead sees what happened in their organisation. NULL: no organisation.
    sa.Column("organisation", sa.Text, nullable=True),
    # Newest-first pages and keyset iteration; the flags ride along so that a filtered page
    # (or a deep OFFSET) is decided in the index without reading the rows it skips.
    sa.Index(None, "started_at", "id", "outcome", "unsure", "redacted"),
    sa.Index(None, "outcome", "started_at"),
    sa.Index(None, "organisation", "started_at"),  # a lead's pages, scoped to theirs
    sqlite_autoincrement=True,
)

transcript_steps = sa.Table(
    "transcript_steps",
    metadata,
    _transcript_id(),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("step", sa.Text, nullable=False),
    sa.Column("answer", sa.Text, nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("redacted", sa.Boolean, nullable=False),
    sa.Column("removed", sa.Text, nullable=True),
    sa.PrimaryKeyConstraint("transcript_id", "seq"),
    sa.Index(None, "step", "answer"),  # the per-question statistics read only this index
    sqlite_with_rowid=False,  # stored in (transcript, seq) order: one transcript is adjacent
)

transcript_tags = sa.Table(
    "transcript_tags",
    metadata,
    _transcript_id(),
    sa.Column("tag", sa.Text, nullable=False),
    sa.PrimaryKeyConstraint("transcript_id", "tag"),
    sa.Index(None, "tag", "transcript_id"),
    sqlite_with_rowid=False,
)

transcript_notes = sa.Table(
    "transcript_notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _transcript_id(),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("lead", sa.Text, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Index(None, "transcript_id"),
    sqlite_autoincrement=True,
)

access_log = sa.Table(
    "access_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UTCDateTime, nullable=False, index=True),
    sa.Column("who", sa.Text, nullable=False),
    sa.Column("channel", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("allowed", sa.Boolean, nullable=False),
    sqlite_autoincrement=True,
)

quiz_answers = sa.Table(
    "quiz_answers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("practitioner", sa.Text, nullable=False, index=True),
    sa.Column("quiz", sa.Text, nullable=False),
    sa.Column("statement", sa.Text, nullable=False),
    sa.Column("correct", sa.Boolean, nullable=False),
    sa.Column("at", UTCDateTime, nullable=False, index=True),  # retention and /stats periods
    sa.Column("organisation", sa.Text, nullable=True),  # as `transcripts.organisation`
    sqlite_autoincrement=True,
)

# A practitioner's request that a lead get in touch (issue 15): the only way an identity reaches
# a lead. Their Telegram id, name and username are sealed (`ChatKeys.seal_identity`) and kept only
# while the request stands; withdrawing it deletes them. A lead marks one handled in the desk
# (`handled_at`, `handled_by`): it leaves the desk's list of open requests.
contact_requests = sa.Table(
    "contact_requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _transcript_id(),
    sa.Column("practitioner", sa.Text, nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("identity_sealed", sa.Text, nullable=True),
    sa.Column("withdrawn_at", UTCDateTime, nullable=True),
    sa.Column("opened_at", UTCDateTime, nullable=True),
    sa.Column("opened_by", sa.Text, nullable=True),
    sa.Column("handled_at", UTCDateTime, nullable=True),
    sa.Column("handled_by", sa.Text, nullable=True),
    sa.Index(None, "transcript_id"),
    sqlite_autoincrement=True,
)
# At most one standing (not withdrawn) request per decision, whatever replicas race.
sa.Index(
    "uq_contact_requests_standing",
    contact_requests.c.transcript_id,
    unique=True,
    sqlite_where=contact_requests.c.withdrawn_at.is_(None),
    postgresql_where=contact_requests.c.withdrawn_at.is_(None),
)

# Messages leads are owed (an urgent outcome, a request to get in touch): written in the
# transaction of the event itself and sent by a worker (`bot.telegram.alerts`), so a crash loses
# none. `key` makes one event one alert however often it is written; the worker's claim moves
# `due_at` on, so one replica sends it; `delivered` lists the leads (by key) already told, so a
# retry tells only the rest. `due_at` is NULL once every lead has been told.
alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.Text, nullable=False, unique=True),
    sa.Column("kind", sa.Text, nullable=False),
    _transcript_id(),
    sa.Column(
        "request_id",
        sa.Integer,
        sa.ForeignKey("contact_requests.id", ondelete="CASCADE"),
        nullable=True,
    ),
    sa.Column("outcome", sa.Text, nullable=True),
    sa.Column("practitioner", sa.Text, nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("due_at", UTCDateTime, nullable=True, index=True),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("delivered", sa.JSON, nullable=False, server_default="[]"),
    sa.Index(None, "transcript_id"),
    sqlite_autoincrement=True,
)

# Leads who turned their alerts off (/alerts off), by a keyed hash of their id: never the id.
alerts_off = sa.Table(
    "alerts_off",
    metadata,
    sa.Column("lead_key", sa.Text, primary_key=True),
)

# Whether a decision helped, as its practitioner said after the outcome, with an optional comment
# (redacted before it is stored). One per transcript: saying again replaces it. `prompt_message`
# is the message that asked for the comment, so a reply to it is known for what it is.
feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "transcript_id",
        sa.Integer,
        sa.ForeignKey("transcripts.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    sa.Column("practitioner", sa.Text, nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("helped", sa.Text, nullable=False),
    sa.Column("comment", sa.Text, nullable=True),
    sa.Column("prompt_message", sa.BigInteger, nullable=True),
    sqlite_autoincrement=True,
)

# Which organisation (school, team) each practitioner belongs to, by pseudonym: one at a time.
# Transcripts and quiz answers take it when they are first written.
memberships = sa.Table(
    "memberships",
    metadata,
    sa.Column("practitioner", sa.Text, primary_key=True),
    sa.Column("organisation", sa.Text, nullable=False),
    sa.Column("joined_at", UTCDateTime, nullable=False),
)

# Each organisation's invitation round: rotating it makes the links of earlier rounds stale.
# An organisation without a row is in round 1.
invite_rounds = sa.Table(
    "invite_rounds",
    metadata,
    sa.Column("organisation", sa.Text, primary_key=True),
    sa.Column("round", sa.Integer, nullable=False),
)

# The web desk's sign-in links (/desk) and sessions (issue 16), by SHA-256 digest of the token or
# session id only: a copy of the database signs nobody in. A link works once (`used_at`), until
# `expires_at`; a session lasts while it is used, until it is ended (`ended_at`: signed out).
desk_links = sa.Table(
    "desk_links",
    metadata,
    sa.Column("token_hash", sa.Text, primary_key=True),
    sa.Column("lead", sa.BigInteger, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False, index=True),
    sa.Column("used_at", UTCDateTime, nullable=True),
)

desk_sessions = sa.Table(
    "desk_sessions",
    metadata,
    sa.Column("id_hash", sa.Text, primary_key=True),
    sa.Column("lead", sa.BigInteger, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("last_seen_at", UTCDateTime, nullable=False, index=True),
    sa.Column("ended_at", UTCDateTime, nullable=True),
)
