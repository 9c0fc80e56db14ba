"""The outbox's sender: replies a crash left owed are shown after all.

Every move is saved with the reply it owes (`StoredConversation.owed_at`, `owed_mark`; see
`bot.telegram.conversation`), and the handler that saved it notes the reply shown once it is
sent (`Advice.settle`). If the process dies in between, or Telegram refused the send, the debt is
still in the database: this job, running every `SEND_EVERY` on every replica, claims due debts
(each for `LEASE`, so one replica sends each), and shows each chat where it is: its question (the
answered one marked) or its outcome in full. A reply shown twice (sent, then the process died
before noting it) is possible; a reply never shown is not.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Final

from telegram.error import BadRequest, Forbidden, TelegramError

from bot.errors import StorageUnavailable
from bot.storage import StoredConversation
from bot.telegram.advice import Advice
from bot.telegram.delivery import PerChatUpdateProcessor
from bot.telegram.messaging import Context
from bot.telegram.services import Services

log = logging.getLogger(__name__)

SEND_EVERY: Final = 0.5
"""Seconds between looks for owed replies: after a restart, a chat shows where it is within
`OWED_GRACE` plus this."""
MOST_PER_LOOK: Final = 200
"""Debts one look pays at the most, one claim at a time (a claim is paid at once, so it cannot
run out while others ahead of it are paid); the rest wait for the next look."""
LEASE: Final = timedelta(seconds=3)
"""How long a claimed debt is left to its sender before another may take it: short, because a
sender killed mid-send leaves its claims to run out before a restarted one shows them (a sender
slower than this, held up by Telegram, may see its reply shown twice: never lost)."""


class Outbox:
    """Shows owed replies (see the module); one per Application."""

    def __init__(self, services: Services, advice: Advice) -> None:
        self.services = services
        self.advice = advice
        self.busy = False
        self.unavailable = False
        """The database did not answer the last look (said once per outage in the log)."""

    async def send_owed(self, context: Context) -> None:
        """One look: claim what is due, one debt at a time, and show it under its chat's lock."""
        if self.busy:  # the last look is still sending
            return
        self.busy = True
        processor = context.application.update_processor
        assert isinstance(processor, PerChatUpdateProcessor)  # see build_application
        shown = 0
        try:
            for _ in range(MOST_PER_LOOK):
                owed = await self.services.store.claim_owed(self.services.now(), LEASE, 1)
                if not owed:
                    break
                async with processor.chat(owed[0].chat_id):
                    shown += await self.pay(context, owed[0])
        except StorageUnavailable as exc:
            if not self.unavailable:
                log.warning("owed replies not looked for: %s", type(exc).__name__)
            self.unavailable = True
            return
        else:
            self.unavailable = False
        finally:
            self.busy = False
        if shown:
            log.info("outbox: %d owed repl%s shown", shown, "y" if shown == 1 else "ies")

    async def pay(self, context: Context, claimed: StoredConversation) -> int:
        """Show one chat where it is, unless it moved on or was shown since it was claimed (its
        handler may have shown it while this waited for the chat's lock)."""
        try:
            stored = await self.services.store.load(claimed.chat_id)
            if stored is None or stored.owed_at is None:
                return 0
            if (stored.conversation_id, stored.turn) != (claimed.conversation_id, claimed.turn):
                return 0
            await self.services.enter_chat(claimed.chat_id)
            try:
                await self.advice.show(context, stored)
            except (Forbidden, BadRequest) as exc:  # blocked, or a chat gone: no retry helps
                log.warning("an owed reply cannot be shown: %s", type(exc).__name__)
                await self.services.store.shown(stored)
                return 0
        except (TelegramError, StorageUnavailable) as exc:  # due again after the lease
            log.warning("an owed reply is not shown yet: %s", type(exc).__name__)
            return 0
        return 1
