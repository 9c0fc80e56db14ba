"""Feedback after an outcome (bot/telegram/feedback.py): a press says whether it helped, a reply
adds a comment (redacted before it is kept), leads read them by outcome with /feedback."""

from __future__ import annotations

from typing import Any

from bot import words
from bot.config import Lead
from bot.transcripts.model import EVERY
from tests.support.offline import Harness, Practitioner


async def decided(harness: Harness, name: str = "Sam") -> Practitioner:
    user = harness.user(name)
    await user.send("/advice")
    await user.press("Yes")
    return user


async def reply(user: Practitioner, to: int, text: str) -> list[Any]:
    return await user.send_kind({"text": text, "reply_to_message_id": to})


async def test_a_press_is_kept_and_a_reply_adds_a_redacted_comment(harness: Harness) -> None:
    user = await decided(harness)
    calls = len(harness.world.calls)
    (prompt,) = await user.press(words.HELPED_BUTTONS["partly"])
    assert prompt["text"] == words.FEEDBACK_COMMENT
    (asked,) = [c for c in harness.bot_calls(calls) if c["method"] == "sendMessage"]
    assert asked["params"]["reply_markup"]["force_reply"] is True
    (kept,) = await reply(user, prompt["message_id"], "Helpful but Jayden Smith's mum was upset")
    assert kept["text"].startswith(words.COMMENT_KEPT) and "looked like names" in kept["text"]
    (sums,) = await harness.services.store.feedback_sums(EVERY)
    assert sums.outcome == "refer_now" and sums.counts == {"yes": 0, "partly": 1, "no": 0}
    (comment,) = sums.comments
    assert "Jayden" not in comment and "Smith" not in comment and "Helpful" in comment


async def test_a_reply_to_anything_else_is_typed_text(harness: Harness) -> None:
    user = await decided(harness)
    finished = user.keyboard_message().payload["message_id"]
    replies = await reply(user, finished, "what now?")
    assert replies and words.COMMENT_KEPT not in replies[0]["text"]


async def test_leads_read_feedback_by_outcome(harness: Harness) -> None:
    for name, said in (("Ann", "yes"), ("Bo", "yes"), ("Cy", "no")):
        user = await decided(harness, name)
        await user.press(words.HELPED_BUTTONS[said])
    lead = harness.user("Lee")
    services = harness.services
    services.config = services.config.model_copy(update={"leads": (Lead(id=lead.id),)})
    (shown,) = await lead.send("/feedback")
    title = services.dialogue.content.outcomes["refer_now"].title
    assert f"{title}: 2 helped, 0 partly, 1 didn't (3 said)" in shown["text"]
    assert "feedback" in [a.action for a in await services.store.accesses()]
    assert "period" in (await lead.send("/feedback 1 2"))[0]["text"]
    stranger = harness.user("Sid")
    assert "don't know that command" in (await stranger.send("/feedback"))[0]["text"]


async def test_after_forget_feedback_is_not_kept(harness: Harness) -> None:
    user = await decided(harness)
    finished = user.keyboard_message().payload["message_id"]
    await user.send("/forget")
    await user.press("Yes, delete them")
    calls = len(harness.world.calls)
    await user.press(words.HELPED_BUTTONS["yes"], finished)
    popups = [
        c["params"].get("text")
        for c in harness.bot_calls(calls)
        if c["method"] == "answerCallbackQuery"
    ]
    assert popups == [words.PART_CLEARED]
