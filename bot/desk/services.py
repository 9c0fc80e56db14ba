"""What every page of the web desk is handed: one small typed object, like the bot's `Services`.

The config is read through it on every request, so a lead removed from config (a reload) loses
the desk at their next request.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.config import Config
from bot.storage import Store
from bot.transcripts.pseudonym import Pseudonyms
from states import MAIN_DIALOGUE, Dialogue, Library

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class DeskServices:
    """Config, content, the store, the clock and the pseudonym secret."""

    config: Config
    library: Library
    store: Store
    pseudonyms: Pseudonyms
    clock: Clock = system_clock

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
