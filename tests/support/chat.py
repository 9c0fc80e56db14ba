"""Small helpers shared by the Telegram handler tests (tests/telegram/test_*.py)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from telegram.ext import CallbackContext

from bot import words
from bot.storage import StoredConversation
from tests.support.offline import Harness, Practitioner


def texts(messages: list[Any]) -> str:
    """The texts (or a photo's caption) of the bot's messages, one per line."""
    return "\n".join(str(m.get("text") or m.get("caption") or "") for m in messages)


async def started(harness: Harness) -> Practitioner:
    """A new user who has sent /start: at the first question of the advice conversation."""
    user = harness.user()
    await user.send("/start")
    return user


async def read_parts(user: Practitioner) -> str:
    """Press every part button of the newest outcome; its summary and every part, as texts."""
    outcome = user.keyboard_message().payload
    shown = [outcome]
    for label in words.PART_BUTTONS.values():
        shown += await user.press(label, outcome["message_id"])
    return texts(shown)


def place(stored: StoredConversation | None) -> StoredConversation | None:
    """Where a chat is, leaving out which message asks its question and when it was sent (sent
    again when the question is shown again, without the chat moving)."""
    return None if stored is None else replace(stored, asked_message=None, asked_at=None)


async def send_alerts(harness: Harness) -> None:
    """One run of the alert job (`bot.telegram.alerts`), as the job queue runs it."""
    await harness.app.features.alerts.send_due(CallbackContext(harness.app))
