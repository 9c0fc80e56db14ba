"""Durable state: `open_store(url)` returns a `SqlStore`, the `ConversationStore` and the
`TranscriptStore` (both in `bot.storage.base`) in one, so an answer and its transcript are saved in
one transaction.

One implementation serves SQLite and PostgreSQL: `bot.storage.sql` (connections, the store),
`bot.storage.tables` (the schema), `bot.storage.transcripts` (the transcript queries),
`bot.storage.alerts`, `bot.storage.organisations` and `bot.storage.desk` (the queries of those
features), `bot.storage.engines` (how work reaches each database), `bot.storage.keys` (chat ids
at rest).
"""

from bot.storage.base import (
    APPLIED_KEPT,
    ConversationStore,
    DeskStore,
    LinkState,
    Mark,
    OrganisationStore,
    StaleWrite,
    StorageError,
    StorageUnavailable,
    Store,
    StoredConversation,
    TranscriptStore,
    new_conversation_id,
)
from bot.storage.keys import ChatKeys
from bot.storage.sql import SqlStore, check_at_rest, open_store

__all__ = [
    "APPLIED_KEPT",
    "ChatKeys",
    "ConversationStore",
    "DeskStore",
    "LinkState",
    "Mark",
    "OrganisationStore",
    "SqlStore",
    "StaleWrite",
    "StorageError",
    "StorageUnavailable",
    "Store",
    "StoredConversation",
    "TranscriptStore",
    "check_at_rest",
    "new_conversation_id",
    "open_store",
]
