"""What every feature of the Telegram front end is handed: one small typed object.

Features take a `Services` in their constructor instead of finding each other in
`bot_data`; the store is opened later (inside the event loop the Application runs on) and the
config may be swapped by a reload (SIGHUP), so both are read through it on every update.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from contextvars import ContextVar
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


_NATION: ContextVar[Library | None] = ContextVar("infoshare_nation", default=None)
"""The content for the chat being handled when its organisation's nation is not the
deployment's; set for each update (`Services.enter`) and each owed reply (`enter_chat`)."""


@dataclass
class Services:
    """Config, content, pseudonyms, the clock and the store, shared by every feature."""

    config: Config
    home: Library
    """The content for the deployment's jurisdiction."""
    pseudonyms: Pseudonyms
    now: Clock = system_clock
    nations: Mapping[str, Library] = field(default_factory=dict)
    """The content for each other jurisdiction an organisation in config has (loaded at start)."""
    _store: Store | None = field(default=None, repr=False)

    @property
    def library(self) -> Library:
        """The content for the chat being handled: its organisation's nation's, else home."""
        return _NATION.get() or self.home

    @property
    def dialogue(self) -> Dialogue:
        return self.library[MAIN_DIALOGUE]

    async def enter(self, update: Update) -> None:
        """Before an update is handled: use its sender's organisation's nation's content.
        Costs a lookup only in a deployment with organisations in other nations."""
        if self.nations:
            user = update.effective_user
            await self.enter_chat(user.id if user is not None else 0)

    async def enter_chat(self, user_id: int) -> None:
        """The same for a private chat (whose id is its user's) outside an update."""
        if not self.nations:
            return
        joined = await self.store.organisation_of(self.pseudonyms.of(user_id))
        organisation = self.config.organisation(joined)
        nation = organisation.jurisdiction if organisation is not None else None
        _NATION.set(self.nations.get(nation) if nation is not None else None)

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
