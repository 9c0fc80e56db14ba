"""What every page of the web desk is handed: one small typed object, like the bot's `Services`.

The config is read through it on every request, so a lead removed from config (a reload) loses
the desk at their next request.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final

from bot.config import Config
from bot.storage import Store
from bot.transcripts.pseudonym import Pseudonyms
from bot.transcripts.trends import Week
from states import MAIN_DIALOGUE, Dialogue, Library

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


PAST_WEEKS_KEPT: Final = timedelta(minutes=5)
"""How long a finished week's count is reused by the overview's chart: it changes only when
transcripts are deleted (retention, /forget), and five minutes late is fine for a chart."""


@dataclass
class DeskServices:
    """Config, content, the store, the clock and the pseudonym secret."""

    config: Config
    library: Library
    store: Store
    pseudonyms: Pseudonyms
    clock: Clock = system_clock
    _past_weeks: dict[tuple[frozenset[str] | None, datetime], tuple[int, datetime]] = field(
        default_factory=dict, repr=False
    )

    async def week_count(self, week: Week, scope: frozenset[str] | None) -> int:
        """Decisions started in `week` that `scope` sees; a finished week's count is reused for
        `PAST_WEEKS_KEPT` (the overview asks for twelve on every visit)."""
        now = self.clock()
        key = (scope, week.since)
        kept = self._past_weeks.get(key)
        if kept is not None and kept[1] > now:
            return kept[0]
        count = await self.store.count_transcripts(week.filters().within(scope))
        if week.until <= now:
            if len(self._past_weeks) > 1024:  # bounded: scopes and weeks are few
                self._past_weeks.clear()
            self._past_weeks[key] = (count, now + PAST_WEEKS_KEPT)
        return count

    @property
    def dialogue(self) -> Dialogue:
        return self.library[MAIN_DIALOGUE]

    @property
    def outcomes(self) -> tuple[str, ...]:
        return tuple(self.dialogue.content.outcomes)

    def cookie_secret(self) -> str:
        """Signs cookies and CSRF tokens: derived from the pseudonym secret, so cookies of
        another deployment (another secret) do not work here."""
        return hmac.new(self.pseudonyms.secret, b"infoshare desk", hashlib.sha256).hexdigest()

    def sign(self, who: str) -> str:
        """A note's author as config names them (read through: a reload can change them)."""
        return self.config.signature(who)
