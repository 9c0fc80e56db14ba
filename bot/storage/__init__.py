"""Durable conversation state: `open_store(url)` returns a `ConversationStore`.

One implementation (`SqlStore`) serves SQLite and PostgreSQL; see `bot.storage.sql`.
"""

from bot.storage.base import (
    ConversationStore,
    StaleWrite,
    StorageError,
    StorageUnavailable,
    StoredConversation,
    new_conversation_id,
)
from bot.storage.sql import SqlStore, open_store

__all__ = [
    "ConversationStore",
    "SqlStore",
    "StaleWrite",
    "StorageError",
    "StorageUnavailable",
    "StoredConversation",
    "new_conversation_id",
    "open_store",
]
