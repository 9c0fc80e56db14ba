"""What the bot does not take: groups and channels, edits, files and forwards, unknown
commands (bot/telegram/guard.py)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bot import words
from tests.support.chat import started, texts
from tests.support.offline import Harness


async def test_groups_and_channels_are_told_once_and_get_nothing_else(harness: Harness) -> None:
    user = harness.user()
    group = harness.world.create_chat("supergroup", "Team", None)
    for text in ["/start", "/advice", "/start@infoshare_bot yes"]:
        harness.world.user_message(group["id"], user.id, {"text": text})
    channel = harness.world.create_chat("channel", "News", None)
    harness.world.user_message(channel["id"], None, {"text": "hello"})
    harness.world.user_message(channel["id"], None, {"text": "again"})
    await harness.pump()
    sent = [c for c in harness.world.calls if c["method"] == "sendMessage"]
    assert [c["params"]["chat_id"] for c in sent] == [group["id"], channel["id"]]
    assert all("only work in a private chat" in c["params"]["text"] for c in sent)


async def test_edited_messages_are_not_answers(harness: Harness) -> None:
    user = await started(harness)
    message, _ = harness.world.user_message(user.id, user.id, {"text": "hello"})
    await harness.pump()
    harness.world.user_edit(user.id, message["message_id"], "yes")
    before = len(harness.world.calls)
    await harness.pump()
    assert harness.bot_calls(before) == []


@pytest.mark.parametrize(
    "spec",
    [
        {"kind": "photo"},
        {"kind": "document", "file_name": "notes.pdf"},
        {"kind": "voice"},
        {"kind": "video"},
        {"kind": "sticker"},
        {"kind": "location", "latitude": 51.4, "longitude": -0.8},
        {"kind": "contact", "phone_number": "+447700900123", "first_name": "Someone"},
        {
            "kind": "text",
            "text": "yes",
            "forward_origin": {"type": "hidden_user", "sender_user_name": "X"},
        },
    ],
)
async def test_files_and_forwards_are_refused_never_downloaded(
    harness: Harness, spec: dict[str, Any]
) -> None:
    user = await started(harness)
    replies = await user.send_kind(spec)
    assert words.NO_FILES in replies[0]["text"]
    assert all(c["method"] != "getFile" for c in harness.world.calls)
    store = harness.services.store
    assert (await store.load(user.id)).step == "immediate_danger"


async def test_an_unknown_command_is_named(harness: Harness) -> None:
    replies = await harness.user().send("/frobnicate")
    assert "I don't know that command" in texts(replies)
    assert harness.failed_calls() == []


@pytest.mark.parametrize("command", ["/consent", "/rules", "/advice", "/t1", "/forget"])
async def test_a_forwarded_command_is_a_forward_not_a_command(
    harness: Harness, command: str
) -> None:
    """Forwarded text is someone else's message: refused like any forward, whatever it says."""
    user = await started(harness)
    origin = {"type": "hidden_user", "sender_user_name": "X"}
    replies = await user.send_kind({"kind": "text", "text": command, "forward_origin": origin})
    assert len(replies) == 1 and replies[0]["text"].startswith(words.NO_FILES), replies
    assert (await harness.services.store.load(user.id)).step == "immediate_danger"


@pytest.mark.parametrize(
    ("update_id", "chat_id", "user_id"),
    [(7, 2**80, 2**80), (7, 2**80, 42), (7, 42, 2**63), (2**63, 42, 42)],
    ids=["chat-and-user-2**80", "chat-2**80", "user-2**63", "update-2**63"],
)
async def test_an_id_beyond_64_bits_is_one_line_and_nothing_else(
    harness: Harness,
    caplog: pytest.LogCaptureFixture,
    update_id: int,
    chat_id: int,
    user_id: int,
) -> None:
    """No Telegram id needs more than 64 bits: such an update is forged or broken. It gets one
    log line, no reply, and nothing of it is stored."""
    sender = {"id": user_id, "is_bot": False, "first_name": "Sam"}
    chat = {"id": chat_id, "type": "private", "first_name": "Sam"}
    message = {"message_id": 1, "date": 1_700_000_000, "chat": chat, "from": sender}
    raw = {"update_id": update_id, "message": {**message, "text": "/start"}}
    before = len(harness.world.calls)
    with caplog.at_level(logging.INFO):
        await harness.deliver(raw)  # must not raise
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.name for r in loud] == ["bot.telegram.guard"], caplog.text
    assert "beyond 64 bits; not taken" in loud[0].getMessage()
    assert "Traceback" not in caplog.text and loud[0].exc_info is None
    assert harness.bot_calls(before) == []
    assert await harness.services.store.load(chat_id) is None
