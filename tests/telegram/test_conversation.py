"""A chat's conversation at rest (bot/telegram/conversation.py): saved with every move, loaded
by the next update, whichever process handles it."""

from __future__ import annotations

from bot.config import Config
from bot.telegram.application import build_application
from states import Library
from tests.support.chat import started
from tests.support.offline import PSEUDONYMS, TOKEN, Harness, WorldRequest
from tests.support.storage import KEYS


async def test_a_restart_continues_at_the_same_question(
    config: Config, library: Library, harness: Harness
) -> None:
    user = await started(harness)
    await user.press("No")
    await user.press("An adult")
    question = user.keyboard_message().payload["message_id"]
    await harness.services.close()
    # A new process: a new Application and store on the same database and the same Telegram.
    app = build_application(config, library, TOKEN, PSEUDONYMS, request=WorldRequest(harness.world))
    services = app.services
    from bot.storage import open_store

    services.attach(await open_store(config.storage.url, KEYS))
    async with app:
        again = Harness(app, harness.world, harness.offset)
        user.harness = again
        replies = await user.press("Yes", message_id=question)
        assert "statutory duty" in replies[-1]["text"].lower()
    await services.close()
    harness.services.attach(await open_store(config.storage.url, KEYS))
