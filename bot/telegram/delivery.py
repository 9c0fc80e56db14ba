"""Delivery: each update applied once, a chat's updates in order, whichever replica runs them.

Telegram delivers an update again when it did not hear back (the bot stopped after saving,
before confirming), two replicas may handle one chat's updates at once, and a typed message may
arrive after a newer update of its chat. Handlers save before they send, so:

- a `StaleWrite` (another replica saved this chat since we loaded it) means nothing was sent:
  load again and apply the update to the newer state (`exactly_once`);
- an update whose id the chat row already holds was applied before: show where the chat is
  instead of applying it twice (`AlreadyApplied`, raised by `check_fresh`);
- within one process, `PerChatUpdateProcessor` runs a chat's updates one at a time.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.errors import InfoshareError, StaleWrite
from bot.storage import StoredConversation
from bot.telegram.messaging import Context, Handler

log = logging.getLogger(__name__)

STALE_ATTEMPTS = 5
"""How often an update is applied afresh when another replica saved its chat first."""
IDS_RESTART_AFTER = timedelta(days=6)
"""Telegram may start update ids afresh after a week without updates; a margin below that."""
Show = Callable[[Context, StoredConversation], Coroutine[Any, Any, None]]


class AlreadyApplied(InfoshareError):
    """This update must not be applied: its move is saved already (`redelivered`: Telegram sent
    it again because the bot stopped before confirming it), or a newer update of the chat was
    applied first (a late typed message). `stored` is where the chat now is."""

    def __init__(self, update_id: int, stored: StoredConversation, *, redelivered: bool) -> None:
        super().__init__(f"update {update_id} was already applied or overtaken")
        self.stored = stored
        self.redelivered = redelivered


def check_fresh(update: Update, stored: StoredConversation, now: datetime) -> None:
    """Raise `AlreadyApplied` if `update` was applied to this chat before, or overtaken."""
    if update.update_id in stored.applied:
        raise AlreadyApplied(update.update_id, stored, redelivered=True)
    if overtaken(update, stored, now):
        raise AlreadyApplied(update.update_id, stored, redelivered=False)


def overtaken(update: Update, stored: StoredConversation, now: datetime) -> bool:
    """A typed message or command that arrives after a newer update of its chat was applied.

    It was written for an earlier question (Telegram delivered it late: a retry after a crash,
    or two replicas racing), so applying it now would answer a question the practitioner has
    not seen. Buttons need no such check: they carry their turn. Telegram starts update ids
    afresh after a quiet week, so an older id means nothing once the chat has been quiet that
    long. Both times are the bot's own clock (`now`, and `updated_at` which it wrote): a
    message's date is Telegram's clock, and the two need not agree.
    """
    message = update.message
    if message is None or not any(done > update.update_id for done in stored.applied):
        return False
    return now - stored.updated_at < IDS_RESTART_AFTER


def exactly_once(handler: Handler, *, show: Show, show_again: Show) -> Handler:
    """Run `handler` as one step of its chat's history, whichever replica runs it.

    `show` answers an overtaken update with where the chat is; `show_again` answers a
    redelivered one (whose first reply may never have gone out) with the same, an outcome in
    full.
    """

    async def run(update: Update, context: Context) -> None:
        for attempt in range(1, STALE_ATTEMPTS + 1):
            try:
                await handler(update, context)
                return
            except StaleWrite:
                if attempt == STALE_ATTEMPTS:
                    raise
                log.info("update %s raced another update of its chat; again", update.update_id)
                await asyncio.sleep(random.uniform(0, 0.005 * attempt))
            except AlreadyApplied as done:
                log.info("update %s was applied before; showing the chat", update.update_id)
                await (show_again if done.redelivered else show)(context, done.stored)
                return

    return run


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Updates of one chat strictly in order, different chats concurrently: a lock per chat,
    dropped when no update of that chat is waiting (memory stays flat)."""

    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        async with self.chat(chat.id):
            await coroutine

    @asynccontextmanager
    async def chat(self, chat_id: int) -> AsyncIterator[None]:
        """Hold the chat's turn: its updates (and the outbox's sender) one at a time."""
        lock, users = self._locks.get(chat_id, (asyncio.Lock(), 0))
        self._locks[chat_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[chat_id]
            if users == 1:
                del self._locks[chat_id]
            else:
                self._locks[chat_id] = (lock, users - 1)

    async def initialize(self) -> None:
        """Nothing to allocate: locks are made on demand."""

    async def shutdown(self) -> None:
        """Nothing to free: locks go with the last waiting update."""

    @property
    def chats_in_flight(self) -> int:
        return len(self._locks)
