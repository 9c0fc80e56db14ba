"""The advice conversation (bot/telegram/advice.py) through the real Application, over the
in-process emulator World: /start /advice /restart /back /cancel /record, typed answers and
answer buttons, stale and forged presses, and the transcript of every move."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot import words
from bot.config import Config
from bot.outcome import SUMMARY_CHARS
from bot.transcripts.model import FREE_TEXT, Filters
from states import Library
from tests.support.chat import place, read_parts, started, texts
from tests.support.conversations import SCRIPTS, Script, label_for
from tests.support.offline import PSEUDONYMS, Harness


async def test_start_introduces_and_asks_the_first_question(harness: Harness) -> None:
    user = harness.user()
    replies = await user.send("/start")
    assert "Should I share this information?" in replies[0]["text"]
    assert "never asks who anyone is" in replies[0]["text"]
    assert "immediate danger" in replies[-1]["text"]
    assert user.buttons() == ["Yes", "No", "Not sure", "What does this mean?"]
    assert harness.failed_calls() == []


BY_SCOPE = [pytest.param(t.scope, t, id=t.name) for t in SCRIPTS]
"""Each script with the edition and nation it is written for (as the `library` fixture)."""


@pytest.mark.parametrize(("library", "transcript"), BY_SCOPE, indirect=["library"])
async def test_transcripts_by_button(
    harness: Harness, library: Library, transcript: Script
) -> None:
    user = await started(harness)
    for step, said in transcript.turns:
        await user.press(label_for(library, step, said))
    final = user.keyboard_message().payload
    outcome = library["advice"].content.outcomes[transcript.outcome]
    assert outcome.title in final["text"] and len(final["text"]) <= SUMMARY_CHARS
    everything = await read_parts(user)
    assert "INFORMATION SHARING DECISION RECORD" in everything
    for phrase in transcript.says:
        assert phrase in everything, phrase
    assert [b["text"] for row in final["reply_markup"]["inline_keyboard"] for b in row] == [
        *words.PART_BUTTONS.values(),
        *words.HELPED_BUTTONS.values(),
        "« Back",
        "New decision",
    ]
    assert harness.failed_calls() == []


@pytest.mark.parametrize(("library", "transcript"), BY_SCOPE, indirect=["library"])
async def test_transcripts_typed(harness: Harness, library: Library, transcript: Script) -> None:
    user = await started(harness)
    for _step, said in transcript.turns:
        await user.send("/back" if said == "back" else said)
    everything = await read_parts(user)
    assert library["advice"].content.outcomes[transcript.outcome].title in everything
    for phrase in transcript.says:
        assert phrase in everything, phrase
    assert harness.failed_calls() == []


@pytest.mark.parametrize("answer", ["pressed", "typed"])
async def test_an_answered_question_shows_the_answer_and_loses_its_keyboard(
    harness: Harness, answer: str
) -> None:
    """Pressed or typed, the chat reads as a record of what was answered."""
    user = await started(harness)
    question = user.keyboard_message().payload["message_id"]
    await (user.press("No") if answer == "pressed" else user.send("n"))
    edited = user.message(question)
    assert edited["text"].endswith("Your answer: No")
    assert "reply_markup" not in edited
    answered = [c for c in harness.world.calls if c["method"] == "answerCallbackQuery"]
    assert len(answered) == (answer == "pressed") and all(c["ok"] for c in answered)
    second = user.keyboard_message().payload["message_id"]
    await user.send("banana")  # not an answer: the question stays as it was
    assert "reply_markup" in user.message(second)


async def test_the_outcome_has_rules_steps_record_and_disclaimer_within_limits(
    harness: Harness,
) -> None:
    user = await started(harness)
    replies = await user.press("Yes")
    [summary] = replies
    assert len(summary["text"]) <= SUMMARY_CHARS
    assert "• If anyone is in immediate danger, call 999 now." in summary["text"]
    assert words.CALL_999 in summary["text"]
    parts = {}
    for name, label in words.PART_BUTTONS.items():
        parts[name] = await user.press(label, summary["message_id"])
        assert all(len(m.get("text") or m.get("caption") or "") <= 4096 for m in parts[name])
    assert "Rule 5" in texts(parts["why"]) and "Rule 7" in texts(parts["why"])
    assert "Emergency, or a child or adult in immediate danger: 999" in texts(parts["contacts"])
    assert "Children's social care front door: 0118 908 8002" in texts(parts["contacts"])
    assert "guidance, not legal advice" in texts(parts["sources"]).lower()
    assert "Data Protection Act 2018" in texts(parts["sources"])
    record = [e for m in parts["record"] for e in m.get("entities", []) if e["type"] == "pre"]
    assert len(record) == 1
    [document] = [m for m in parts["record"] if "document" in m]
    assert document["document"]["file_name"].startswith("decision-record-")


async def test_record_shows_the_last_decision_record_again(harness: Harness) -> None:
    user = harness.user()
    assert "no decision record yet" in texts(await user.send("/record"))
    await user.send("/start")
    await user.press("Yes")
    again = texts(await user.send("/record"))
    assert "INFORMATION SHARING DECISION RECORD" in again
    assert "Decision: Act now: someone is in immediate danger" in again


async def test_explain_answers_what_the_question_means(harness: Harness) -> None:
    user = await started(harness)
    replies = await user.press("What does this mean?")
    assert "What this means: Immediate danger" in replies[0]["text"]
    assert "Not sure" in [
        b["text"] for row in replies[0]["reply_markup"]["inline_keyboard"] for b in row
    ]


async def test_back_button_and_command_undo_the_last_answer(harness: Harness) -> None:
    user = await started(harness)
    await user.press("No")
    assert "« Back" in user.buttons()
    replies = await user.press("« Back")
    assert "immediate danger" in replies[-1]["text"]
    await user.press("No")
    replies = await user.send("/back")
    assert "immediate danger" in replies[-1]["text"]


async def test_back_with_no_decision_in_progress_says_so(harness: Harness) -> None:
    replies = await harness.user().send("/back")
    assert "There is no decision in progress" in texts(replies)
    assert harness.failed_calls() == []


async def test_cancel_stops_and_advice_starts_again(harness: Harness) -> None:
    user = await started(harness)
    await user.press("No")
    assert "Stopped" in texts(await user.send("/cancel"))
    assert "There is no decision in progress" in texts(await user.send("yes"))
    replies = await user.send("/restart")
    assert "immediate danger" in replies[-1]["text"]


async def test_start_mid_conversation_resumes(harness: Harness) -> None:
    user = await started(harness)
    await user.press("No")
    replies = await user.send("/start")
    assert "decision in progress" in replies[0]["text"]
    assert "Who is the information about?" in replies[0]["text"]


async def test_free_text_that_is_not_an_answer_asks_to_choose(harness: Harness) -> None:
    user = await started(harness)
    replies = await user.send("I think so, probably")
    assert words.NOT_AN_ANSWER in replies[0]["text"]
    assert "immediate danger" in replies[0]["text"]


async def test_identifying_details_in_free_text_are_named_never_kept_or_logged(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    user = await started(harness)
    store = harness.services.store
    before = await store.load(user.id)
    with caplog.at_level(logging.DEBUG):
        replies = await user.send("Chloe Smith's mum rang me on 07700 900123, is that ok?")
    note = replies[0]["text"]
    assert "I removed what looked like names and phone numbers" in note
    assert "Golden rule 3" in note
    assert "immediate danger" in note  # then the current question again
    assert place(await store.load(user.id)) == place(before)
    assert "Chloe" not in caplog.text and "07700" not in caplog.text


# ---- stale, forged and other users' buttons ----------------------------------------------


async def test_a_stale_button_says_so_and_never_moves_the_conversation(harness: Harness) -> None:
    user = await started(harness)
    first = user.keyboard_message().payload["message_id"]
    old_yes = _data_of(harness, "Yes")
    await user.press("No")  # now at about_whom; the first question's keyboard is gone
    replies = await user.forge(old_yes, first)  # a second device, or a double tap
    assert words.STALE in texts(replies)
    assert "Who is the information about?" in replies[-1]["text"]
    popups = [c for c in harness.world.calls if c["method"] == "answerCallbackQuery"]
    assert popups[-1]["params"].get("text") == words.STALE


def _data_of(harness: Harness, label: str) -> str:
    """Callback data of the first button called `label` the bot has sent so far."""
    for chat in harness.world.chats.values():
        for message in chat.messages.values():
            for row in (message.payload.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button["text"] == label:
                        return str(button["callback_data"])
    raise AssertionError(label)


async def test_buttons_of_an_old_conversation_are_stale(harness: Harness) -> None:
    user = await started(harness)
    old = user.keyboard_message().payload["message_id"]
    old_data = _data_of(harness, "Yes")
    await user.send("/advice")
    replies = await user.forge(old_data, old)
    assert words.STALE in texts(replies)
    assert "immediate danger" in replies[-1]["text"]


async def test_new_decision_pressed_twice_starts_one(harness: Harness) -> None:
    user = await started(harness)
    services = harness.services
    await user.press("Yes")
    finished = user.keyboard_message().payload
    [data] = [
        b["callback_data"]
        for row in finished["reply_markup"]["inline_keyboard"]
        for b in row
        if b["text"] == "New decision"
    ]
    await user.press("New decision")
    replies = await user.forge(data, finished["message_id"])  # the second tap of a double tap
    assert words.STALE in texts(replies)
    page = await services.store.list_transcripts(Filters(), offset=0, limit=10)
    assert page.total == 2


@pytest.mark.parametrize(
    "data",
    [
        "",
        "junk",
        "a:AAAAAAAA:1:",
        "a:short:1:yes",
        "x" * 64,
        "n:AAAAAAAA:1:yes",
        "a:AAAAAAAA:1:Yes",
        "q:AAAAAAAA:1:yes",
    ],
)
async def test_forged_callback_data_is_answered_and_ignored(harness: Harness, data: str) -> None:
    user = await started(harness)
    message = user.keyboard_message().payload["message_id"]
    before = await harness.services.store.load(user.id)
    calls = len(harness.world.calls)
    await user.forge(data, message)
    after = await harness.services.store.load(user.id)
    assert before == after
    assert [c["method"] for c in harness.bot_calls(calls)] == ["answerCallbackQuery"]


async def test_other_users_buttons_do_not_cross_chats(harness: Harness) -> None:
    alice, bob = harness.user("Alice"), harness.user("Bob")
    await alice.send("/start")
    await bob.send("/start")
    alice_data = _data_of(harness, "Yes")
    bob_question = bob.keyboard_message().payload["message_id"]
    await bob.forge(alice_data, bob_question)
    store = harness.services.store
    assert (await store.load(bob.id)).step == "immediate_danger"
    assert (await store.load(alice.id)).step == "immediate_danger"


# ---- transcripts -------------------------------------------------------------------------


async def test_every_move_is_written_to_the_transcript_with_the_state(
    harness: Harness, config: Config
) -> None:
    from bot.transcripts.model import BACK

    user = await started(harness)
    await user.press("No")
    await user.send("young person")
    await user.send("Jane Smith, 14 Acacia Avenue, 07700 900123")
    await user.press("« Back")
    services = harness.services
    page = await services.store.list_transcripts(Filters(), offset=0, limit=10)
    assert page.total == 1 and page.items[0].practitioner == PSEUDONYMS.of(user.id)
    found = await services.store.get_transcript(page.items[0].id)
    assert found is not None and found.outcome is None and found.ended_at is None
    assert [(s.step, s.answer, s.redacted) for s in found.steps] == [
        ("immediate_danger", "no", False),
        ("about_whom", "child", False),
        ("age_band", FREE_TEXT, True),
        ("age_band", BACK, False),
    ]
    assert found.steps[2].removed is not None and "Jane" not in found.steps[2].removed
    database = Path(config.storage.url.removeprefix("sqlite:///"))
    stored = b"".join(p.read_bytes() for p in database.parent.glob(database.name + "*"))
    for detail in (b"Jane", b"Acacia", b"07700"):
        assert detail not in stored


async def test_an_outcome_ends_the_transcript_and_a_new_decision_starts_another(
    harness: Harness,
) -> None:
    user = await started(harness)
    await user.press("Yes")  # immediate danger: refer now
    await user.press("New decision")
    services = harness.services
    page = await services.store.list_transcripts(Filters(), offset=0, limit=10)
    assert [s.outcome for s in page.items] == [None, "refer_now"]
    done = await services.store.get_transcript(page.items[1].id)
    assert done is not None and done.ended_at is not None and done.rules
