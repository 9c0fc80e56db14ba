"""The daily retention job: nothing is kept longer than `retention_days` after its last use."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Final

from bot.errors import StorageUnavailable
from bot.telegram.messaging import Context
from bot.telegram.services import Services
from bot.transcripts.model import Access

log = logging.getLogger(__name__)

PURGE_EVERY: Final = timedelta(days=1)
WHO: Final = "retention"
"""Who the access log says deleted: the policy, not a person."""


class Retention:
    def __init__(self, services: Services) -> None:
        self.services = services

    async def purge_old(self, context: Context) -> None:
        """Delete conversations, transcripts and quiz answers idle longer than retention, and
        leave a trace without content in the access log: what went (counts), and when."""
        services = self.services
        days = services.config.retention_days
        now = services.now()
        cut_off = now - timedelta(days=days)
        try:
            store = services.store
            gone = await store.purge(cut_off)
            transcripts = await store.purge_transcripts(cut_off)
            quiz_answers = await store.purge_quiz_answers(cut_off)
        except StorageUnavailable as exc:
            log.warning("retention purge skipped: %s", type(exc).__name__)
            return
        detail = (
            f"{transcripts} transcript(s), {quiz_answers} quiz answer(s) and {gone} "
            f"conversation(s) older than {days} days deleted"
        )
        try:
            await store.log_access(Access(now, WHO, "telegram", "purge", detail))
        except StorageUnavailable as exc:
            log.warning("retention purge done, its access-log entry not written: %s", exc)
        log.info(
            "retention purge: %d conversation(s), %d transcript(s) and %d quiz answer(s) older "
            "than %d days deleted",
            gone,
            transcripts,
            quiz_answers,
            days,
        )
