"""The error handler (bot/telegram/failures.py): an apology, and storage outages said as such."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot import render, words
from bot.config import Config
from bot.storage import open_store
from bot.telegram.application import build_application
from states import Library
from tests.emulator.world import World
from tests.support.chat import started, texts
from tests.support.clock import FixedClock
from tests.support.offline import PSEUDONYMS, TOKEN, Harness, WorldRequest


async def test_an_unexpected_error_gets_an_apology_and_the_current_question(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    user = await started(harness)
    calls = {"n": 0}
    real = render.question

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("Zebedee-Unicorn-4471")
        return real(*args, **kwargs)

    monkeypatch.setattr(render, "question", flaky)
    with caplog.at_level(logging.DEBUG):
        replies = await user.press("No")
    assert words.SORRY in replies[-1]["text"]
    assert "Who is the information about?" in replies[-1]["text"]
    assert "RuntimeError" in caplog.text
    assert "Zebedee-Unicorn-4471" not in caplog.text  # the exception's text is not logged


async def test_a_storage_outage_is_not_pretended_away(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.errors import StorageUnavailable

    user = await started(harness)
    store = harness.services.store
    before = await store.load(user.id)

    async def down(*args: Any, **kwargs: Any) -> None:
        raise StorageUnavailable("database is locked")

    monkeypatch.setattr(store, "save", down)
    replies = await user.press("No")
    assert words.UNAVAILABLE in texts(replies)
    assert "Your answer" not in user.message(replies[0]["message_id"] - 1).get("text", "")
    monkeypatch.undo()
    assert await store.load(user.id) == before
    again = await user.press("No")  # the same button works once the database is back
    assert "Who is the information about?" in again[-1]["text"]


@pytest.fixture
async def harness_on(config: Config, library: Library, store_url: str) -> AsyncIterator[Harness]:
    """The `harness`, on each storage backend (PostgreSQL's bigint refuses what SQLite's does)."""
    config = Config(contacts=config.contacts, storage={"url": store_url})  # type: ignore[arg-type]
    world = World(TOKEN, bot_name="Infoshare", bot_username="infoshare_bot", privacy_mode=True)
    app = build_application(
        config, library, TOKEN, PSEUDONYMS, request=WorldRequest(world), clock=FixedClock()
    )
    app.services.attach(await open_store(store_url))
    async with app:
        yield Harness(app, world)
    await app.services.close()


@pytest.mark.parametrize(
    ("update_id", "chat_id", "user_id"),
    [(7, 2**80, 2**80), (7, 2**80, 42), (7, 42, 2**63), (2**63, 42, 42)],
    ids=["chat-and-user-2**80", "chat-2**80", "user-2**63", "update-2**63"],
)
async def test_an_id_storage_cannot_hold_is_one_line_not_a_second_crash(
    harness_on: Harness,
    caplog: pytest.LogCaptureFixture,
    update_id: int,
    chat_id: int,
    user_id: int,
) -> None:
    """Storage refuses the id (OverflowError, bigint out of range); the apology would load the
    chat with the same id and fail again inside the error handler: one line instead, no send."""
    sender = {"id": user_id, "is_bot": False, "first_name": "Sam"}
    chat = {"id": chat_id, "type": "private", "first_name": "Sam"}
    message = {"message_id": 1, "date": 1_700_000_000, "chat": chat, "from": sender}
    raw = {"update_id": update_id, "message": {**message, "text": "/start"}}
    before = len(harness_on.world.calls)
    with caplog.at_level(logging.INFO):
        await harness_on.deliver(raw)  # must not raise
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.name for r in loud] == ["bot.telegram.failures"], caplog.text
    assert "beyond 64 bits" in loud[0].getMessage()
    assert "Traceback" not in caplog.text and loud[0].exc_info is None
    if chat_id >= 2**63:  # no apology tried for a chat that cannot be stored
        assert harness_on.bot_calls(before) == []
