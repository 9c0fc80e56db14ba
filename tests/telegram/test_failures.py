"""The error handler (bot/telegram/failures.py): an apology, and storage outages said as such."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot import render, words
from tests.support.chat import started, texts
from tests.support.offline import Harness


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
