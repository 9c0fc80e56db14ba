"""All an outcome says at once (its first message and every part), for tests that look for a
phrase wherever the practitioner would find it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot import outcome
from bot.config import Contact
from bot.render import Block
from states import Dialogue, Library, State


def everything(
    library: Library, dialogue: Dialogue, state: State, contacts: Sequence[Contact], on: date
) -> list[Block]:
    blocks = outcome.summary(dialogue, state)
    for name in outcome.PARTS:
        blocks += outcome.part(name, library, dialogue, state, contacts, on)
    return blocks
