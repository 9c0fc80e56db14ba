"""The default edition (England 2024) on Telegram: Not-sure notes with a Stop button, answers
offered only on their path, and outcomes that name the edition and nation."""

from __future__ import annotations

import pytest

from bot import words
from bot.telegram.payloads import Press
from bot.transcripts.model import Filters
from states import NOT_SURE
from tests.support.chat import read_parts, started, texts
from tests.support.offline import Harness

pytestmark = pytest.mark.parametrize(
    "library", [{"edition": "england-2024", "jurisdiction": "wales"}], indirect=True
)

TO_PURPOSE = ("No", "A child or young person", "12 to 15", "No")
"""Presses from the start to the legitimate purpose question, for a child of 12 to 15."""


async def at_purpose(harness: Harness):  # type: ignore[no-untyped-def]
    user = await started(harness)
    for label in TO_PURPOSE:
        await user.press(label)
    return user


async def test_not_sure_shows_what_to_check_and_the_question_again(harness: Harness) -> None:
    user = await at_purpose(harness)
    question = harness.services.dialogue.content.steps["legitimate_purpose"]
    replies = await user.press("Not sure")
    shown = texts(replies)
    assert words.UNSURE_HEADING in shown and str(question.not_sure) in shown
    assert question.question in shown
    assert user.buttons() == [
        words.STOP_BUTTON,
        "Yes",
        "No",
        "Not sure",
        "What does this mean?",
        "« Back",
    ]
    assert (await harness.services.store.load(user.id)).step == "legitimate_purpose"
    await user.press("Yes")  # answered once they have checked
    assert (await harness.services.store.load(user.id)).step == "statutory_duty"
    [transcript] = (
        await harness.services.store.list_transcripts(Filters(), offset=0, limit=5)
    ).items
    full = await harness.services.store.get_transcript(transcript.id)
    assert full is not None
    answered = [(s.step, s.answer) for s in full.steps]
    assert ("legitimate_purpose", NOT_SURE) in answered  # a lead sees where they were unsure
    assert answered[-1] == ("legitimate_purpose", "yes")


@pytest.mark.parametrize("how", ["button", "typed"])
async def test_stop_at_a_note_gives_the_seek_advice_outcome(harness: Harness, how: str) -> None:
    user = await at_purpose(harness)
    await user.press("Not sure")
    note = user.keyboard_message().payload["message_id"]
    replies = await (user.press(words.STOP_BUTTON) if how == "button" else user.send("stop"))
    assert user.message(note)["text"].endswith(words.STOPPED)  # the same mark either way
    shown = texts(replies)
    assert "Seek advice before you decide" in shown
    assert "Where you work: Wales." in await read_parts(user)
    assert (await harness.services.store.load(user.id)).step == "seek_advice"


async def test_an_old_stop_button_is_stale_once_they_have_answered(harness: Harness) -> None:
    user = await at_purpose(harness)
    await user.press("Not sure")
    note = user.keyboard_message().payload
    [stop] = [b for row in note["reply_markup"]["inline_keyboard"] for b in row][:1]
    await user.press("Yes")
    replies = await user.forge(stop["callback_data"], note["message_id"])  # a second device
    assert words.STALE in texts(replies)
    assert (await harness.services.store.load(user.id)).step == "statutory_duty"


async def test_an_adult_only_answer_pressed_on_a_child_path_is_refused(harness: Harness) -> None:
    user = await started(harness)
    for label in ("No", "A child or young person", "Under 12", "No", "Yes", "No", "Yes", "Yes"):
        await user.press(label)
    stored = await harness.services.store.load(user.id)
    assert stored.step == "consent"
    assert "Lacks capacity" not in " ".join(user.buttons())
    forged = Press("answer", stored.conversation_id, stored.turn, "lacks_capacity").encode()
    calls = len(harness.world.calls)
    await user.forge(forged, user.keyboard_message().payload["message_id"])
    assert (await harness.services.store.load(user.id)).step == "consent"
    popups = [c for c in harness.bot_calls(calls) if c["method"] == "answerCallbackQuery"]
    assert popups[-1]["params"].get("text") == words.NOT_THIS_BUTTON


async def test_an_adult_who_lacks_capacity_reaches_a_best_interests_decision(
    harness: Harness,
) -> None:
    user = await started(harness)
    for label in ("No", "An adult", "No", "Yes", "No", "Yes", "Yes"):
        await user.press(label)
    assert (await harness.services.store.load(user.id)).step == "consent"
    consent = next(b for b in user.buttons() if "capacity" in b.casefold())
    shown = texts(await user.press(consent))
    outcome = harness.services.dialogue.content.outcomes["best_interests"]
    assert outcome.title in shown and "Mental Capacity Act 2005" in shown
    assert "parental responsibility" not in shown
