"""Chat ids leave the database: a conversation row is keyed by a keyed hash of its chat id, and
the id is kept, sealed, only while the outbox owes the chat a reply (`bot.storage.keys`).

Existing rows are rekeyed with the bot's secret, which `open_store` passes in
`config.attributes["chat_keys"]`. Downgrading keeps only the rows whose id is sealed (a reply
was owed); the others cannot be turned back into a chat id, which is the point, and are deleted
(the chats start their next decision afresh; transcripts are not touched).

Revision ID: 0006_keyed_chats
Revises: 0005_owed_replies
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import context, op

from bot.errors import ConfigError
from bot.storage.keys import ChatKeys
from bot.storage.tables import UTCDateTime
from bot.transcripts.pseudonym import SECRET_ENV

revision: str = "0006_keyed_chats"
down_revision: str | None = "0005_owed_replies"
branch_labels: str | None = None
depends_on: str | None = None

TABLE = "conversations"
NEW = "conversations_rekeyed"
CHUNK = 1000


def _state_columns() -> list[sa.Column[Any]]:
    """Every column but the chat's own, as 0005 left them."""
    return [
        sa.Column("dialogue", sa.Text(), nullable=False),
        sa.Column("step", sa.Text(), nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("conversation_id", sa.Text(), nullable=False),
        sa.Column("turn", sa.Integer(), nullable=False),
        sa.Column("content_version", sa.Text(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("last_record", sa.Text(), nullable=True),
        sa.Column("applied", sa.JSON(), nullable=False, server_default="[]"),
        sa.Column("asked_message", sa.BigInteger(), nullable=True),
        sa.Column("asked_at", UTCDateTime(), nullable=True),
        sa.Column("owed_at", UTCDateTime(), nullable=True),
        sa.Column("owed_mark", sa.JSON(), nullable=True),
    ]


def _keys() -> ChatKeys | None:
    keys = context.config.attributes.get("chat_keys")
    return keys if isinstance(keys, ChatKeys) else None


def _plain() -> list[sa.Column[Any]]:
    return [sa.Column("chat_id", sa.BigInteger(), nullable=False, autoincrement=False)]


def _keyed() -> list[sa.Column[Any]]:
    return [
        sa.Column("chat_key", sa.Text(), nullable=False),
        sa.Column("chat_sealed", sa.Text(), nullable=True),
    ]


UPGRADE_NEEDS_SECRET = (
    "this database holds conversations saved by an older version; only the bot's secret (the "
    f"pseudonym key, or {SECRET_ENV}) can upgrade them. Start the bot once, or run this command "
    "where that secret is; nothing was changed."
)
DOWNGRADE_NEEDS_SECRET = (
    "downgrading stored conversations needs the bot's secret; nothing was changed."
)


def upgrade() -> None:
    _rebuild(_plain, _keyed, "chat_key", _rekey, UPGRADE_NEEDS_SECRET)


def downgrade() -> None:
    _rebuild(_keyed, _plain, "chat_id", _unkey, DOWNGRADE_NEEDS_SECRET)


def _rekey(rows: Sequence[sa.Row[Any]], keys: ChatKeys) -> Iterator[dict[str, Any]]:
    for row in rows:
        values = dict(row._mapping)
        chat_id = values.pop("chat_id")
        sealed = keys.seal(chat_id) if values["owed_at"] is not None else None
        yield values | {"chat_key": keys.key(chat_id), "chat_sealed": sealed}


def _unkey(rows: Sequence[sa.Row[Any]], keys: ChatKeys) -> Iterator[dict[str, Any]]:
    for row in rows:
        values = dict(row._mapping)
        values.pop("chat_key")
        sealed = values.pop("chat_sealed")
        if sealed is not None:
            yield values | {"chat_id": keys.unseal(sealed)}


def _rebuild(
    was: Callable[[], list[sa.Column[Any]]],
    becomes: Callable[[], list[sa.Column[Any]]],
    primary: str,
    convert: Callable[[Sequence[sa.Row[Any]], ChatKeys], Iterator[dict[str, Any]]],
    needs_secret: str,
) -> None:
    """Copy the table into one keyed on `primary`, row by row through `convert`, then swap.

    The old table is described, not reflected, so its times are read as the UTC they are.
    """
    bind = op.get_bind()
    old = sa.Table(TABLE, sa.MetaData(), *was(), *_state_columns())
    new = op.create_table(
        NEW, *becomes(), *_state_columns(), sa.PrimaryKeyConstraint(primary, name=f"pk_{NEW}")
    )
    rows = bind.execute(sa.select(old)).all()
    keys = _keys()
    if rows and keys is None:
        raise ConfigError(needs_secret)
    if rows and keys is not None:
        converted = list(convert(rows, keys))
        for first in range(0, len(converted), CHUNK):
            bind.execute(sa.insert(new), converted[first : first + CHUNK])
    op.drop_index("ix_conversations_owed_at", TABLE)
    op.drop_table(TABLE)
    op.rename_table(NEW, TABLE)
    if bind.dialect.name == "postgresql":
        op.execute(f"ALTER TABLE {TABLE} RENAME CONSTRAINT pk_{NEW} TO pk_{TABLE}")
    op.create_index("ix_conversations_owed_at", TABLE, ["owed_at"])
