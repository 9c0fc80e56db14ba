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
DESK_KEPT: Final = timedelta(days=1)
"""How long the web desk's links and sessions stay after they expire or were last used: longer
than a session may be idle (`desk.idle_minutes`, a day at most), so none that works goes."""


class Retention:
    def __init__(self, services: Services) -> None:
        self.services = services

    async def purge_old(self, context: Context) -> None:
        """Delete conversations, transcripts and quiz answers idle longer than retention (and
        the web desk's spent links and sessions), and leave a trace without content in the
        access log: what went (counts), and when."""
        services = self.services
        days = services.config.retention_days
        now = services.now()
        cut_off = now - timedelta(days=days)
        try:
            store = services.store
            gone = await store.purge(cut_off)
            transcripts = await store.purge_transcripts(cut_off)
            quiz_answers = await store.purge_quiz_answers(cut_off)
            desk = await store.purge_desk(now - DESK_KEPT)
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
            "than %d days deleted; %d old desk link(s) and session(s)",
            gone,
            transcripts,
            quiz_answers,
            days,
            desk,
        )
