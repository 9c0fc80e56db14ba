"""What every feature of the Telegram front end is handed: one small typed object.

Features take a `Services` in their constructor instead of finding each other in
`bot_data`; the store is opened later (inside the event loop the Application runs on) and the
config may be swapped by a reload (SIGHUP), so both are read through it on every update.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from telegram import Update

from bot.config import Config
from bot.errors import StorageUnavailable
from bot.organisations import Invites
from bot.storage import Store
from bot.transcripts.pseudonym import Pseudonyms
from states import MAIN_DIALOGUE, Dialogue, Library

Clock = Callable[[], datetime]
"""The time, timezone-aware: the system's in production, a fixed one in tests."""


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    """Config, content, pseudonyms, the clock and the store, shared by every feature."""

    config: Config
    library: Library
    pseudonyms: Pseudonyms
    now: Clock = system_clock
    _store: Store | None = field(default=None, repr=False)

    @property
    def dialogue(self) -> Dialogue:
        return self.library[MAIN_DIALOGUE]

    @functools.cached_property
    def invites(self) -> Invites:
        """Invite codes, keyed by the same secret as pseudonyms (never stored)."""
        return Invites(self.pseudonyms.secret)

    @property
    def store(self) -> Store:
        if self._store is None:
            raise StorageUnavailable("the store is not open yet")
        return self._store

    def attach(self, store: Store) -> None:
        """Use `store` from now on (opened once the event loop runs)."""
        self._store = store

    async def close(self) -> None:
        if self._store is not None:
            await self._store.close()
            self._store = None

    def day(self, at: datetime) -> date:
        """The date of `at` where the organisation is (config timezone): what a record is dated."""
        return at.astimezone(self.config.zone).date()

    def practitioner(self, update: Update) -> str:
        """The sender's pseudonym: stable across conversations, names nobody."""
        user = update.effective_user
        return self.pseudonyms.of(user.id if user is not None else 0)
