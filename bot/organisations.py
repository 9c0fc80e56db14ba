"""Invite codes: how a practitioner joins an organisation with a link, and how a lead withdraws one.

A code is a keyed hash of the organisation and its round (`HMAC(secret, "org:round")`), so it
cannot be guessed or made from the organisation's name, and nothing about it is stored: the
database keeps only each organisation's round. A lead who thinks a link has leaked starts a new
round (`/invite new`); the old link then says it was withdrawn, and the new one works.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

CODE_CHARS: Final = 22
"""132 bits, base64url: within Telegram's 64 characters for a start parameter, unguessable."""
CODE_PREFIX: Final = "j"
"""The first letter of an invite code. With organisations configured every /start parameter is
taken for an invite (this bot makes no other start links)."""
FIRST_ROUND: Final = 1
REPLACED_KEPT: Final = 50
"""How many earlier rounds' links are still recognised, to say they were replaced (older ones
are unknown): bounds the work an invite-shaped /start costs, whoever sends it."""


@dataclass(frozen=True, slots=True)
class Found:
    """What an invite code is: the organisation it joins, or one it used to (withdrawn)."""

    organisation: str
    current: bool


class Invites:
    """Makes and recognises invite codes with a key derived from the bot's secret."""

    def __init__(self, secret: bytes) -> None:
        self._key = hmac.new(secret, b"infoshare invite", hashlib.sha256).digest()

    def code(self, organisation: str, round_: int) -> str:
        digest = hmac.new(self._key, f"{organisation}:{round_}".encode(), hashlib.sha256).digest()
        return CODE_PREFIX + base64.urlsafe_b64encode(digest).decode()[:CODE_CHARS]

    def link(self, bot_username: str, organisation: str, round_: int) -> str:
        return f"https://t.me/{bot_username}?start={self.code(organisation, round_)}"

    def find(
        self, code: str, organisations: Iterable[str], rounds: Mapping[str, int]
    ) -> Found | None:
        """The organisation `code` invites to (or did, in one of the `REPLACED_KEPT` rounds
        before); None if no configured organisation had it. Compared in constant time."""
        found: Found | None = None
        for organisation in organisations:
            current = rounds.get(organisation, FIRST_ROUND)
            oldest = max(FIRST_ROUND, current - REPLACED_KEPT)
            for round_ in range(current, oldest - 1, -1):
                if hmac.compare_digest(self.code(organisation, round_), code):
                    found = found or Found(organisation, round_ == current)
        return found


def is_invite(start_parameter: str) -> bool:
    """Whether a /start parameter has an invite code's shape (checked before any lookup)."""
    return (
        len(start_parameter) == len(CODE_PREFIX) + CODE_CHARS
        and start_parameter.startswith(CODE_PREFIX)
        and all(c.isascii() and (c.isalnum() or c in "-_") for c in start_parameter)
    )
