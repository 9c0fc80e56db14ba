"""An outcome's parts on Telegram (bot/telegram/outcome.py): each button shows its part, for
an old decision too; after /forget it says the decision was cleared; an altered button is
answered and ignored."""

from __future__ import annotations

from bot import words
from tests.support.chat import started, texts
from tests.support.offline import Harness


def _part_data(message: dict[str, object], label: str) -> str:
    rows = message["reply_markup"]["inline_keyboard"]  # type: ignore[index]
    return str(next(b["callback_data"] for row in rows for b in row if b["text"] == label))


async def test_a_part_of_an_old_decision_is_still_that_decisions_part(harness: Harness) -> None:
    user = await started(harness)
    await user.press("Yes")  # refer_now
    old = user.keyboard_message().payload
    await user.press("New decision")
    for label in ("No", "An adult", "No"):  # a new decision: do not share
        await user.press(label)
    shown = texts(await user.press(words.PART_BUTTONS["record"], old["message_id"]))
    assert "Decision: Act now: someone is in immediate danger" in shown
    assert "Reasons:\n- Someone is in immediate danger right now" in shown


async def test_after_forget_a_part_says_the_decision_was_cleared(harness: Harness) -> None:
    user = await started(harness)
    await user.press("Yes")
    old = user.keyboard_message().payload
    await user.send("/forget")
    await user.press(words.FORGET_YES)
    await user.send("/start")  # a new decision since: the old one is still cleared
    calls = len(harness.world.calls)
    assert await user.press(words.PART_BUTTONS["why"], old["message_id"]) == []
    popups = [c for c in harness.bot_calls(calls) if c["method"] == "answerCallbackQuery"]
    assert popups[-1]["params"].get("text") == words.PART_CLEARED


async def test_an_altered_part_button_is_answered_and_ignored(harness: Harness) -> None:
    user = await started(harness)
    await user.press("Yes")
    outcome = user.keyboard_message().payload
    data = _part_data(outcome, words.PART_BUTTONS["record"])
    for forged in (
        data.replace("o:r:", "o:w:"),  # another part, same signature
        data[: data.rindex(":") + 1] + "AAAAAAAA",  # another signature
        data.replace(":0:", ":1:"),  # another path
        "o:r:AAAAAAAA:0:9800:AAAAAAAA",
    ):
        calls = len(harness.world.calls)
        assert await user.forge(forged, outcome["message_id"]) == []
        popups = [c for c in harness.bot_calls(calls) if c["method"] == "answerCallbackQuery"]
        assert popups[-1]["params"].get("text") == words.NOT_THIS_BUTTON


async def test_a_part_button_sent_to_another_chat_does_not_open(harness: Harness) -> None:
    alice, bob = harness.user("Alice"), harness.user("Bob")
    await alice.send("/start")
    await alice.press("Yes")
    data = _part_data(alice.keyboard_message().payload, words.PART_BUTTONS["record"])
    await bob.send("/start")
    await bob.press("Yes")
    calls = len(harness.world.calls)
    assert await bob.forge(data, bob.keyboard_message().payload["message_id"]) == []
    popups = [c for c in harness.bot_calls(calls) if c["method"] == "answerCallbackQuery"]
    assert popups[-1]["params"].get("text") == words.NOT_THIS_BUTTON


async def test_the_record_is_two_taps_away_ready_to_copy_and_as_a_file(harness: Harness) -> None:
    user = await started(harness)
    await user.press("Yes")  # tap 1: the decision
    replies = await user.press(words.PART_BUTTONS["record"])  # tap 2: the record
    [pre] = [e for m in replies for e in m.get("entities", []) if e["type"] == "pre"]
    assert pre["length"] > 200
    [document] = [m for m in replies if "document" in m]
    assert document["document"]["file_name"].endswith(".txt")
    assert words.RECORD_FILE in document["caption"]


async def test_each_part_button_opens_its_own_part(harness: Harness) -> None:
    user = await started(harness)
    await user.press("Yes")
    summary = user.keyboard_message().payload
    headings = {
        "why": "Why: ",
        "safely": words.NEXT_STEPS,
        "record": words.RECORD_HEADING,
        "contacts": words.CONTACTS_HEADING,
        "sources": words.SOURCES_HEADING,
    }
    codes = set()
    for name, label in words.PART_BUTTONS.items():
        codes.add(_part_data(summary, label)[:4])
        shown = await user.press(label, summary["message_id"])
        assert shown[0]["text"].startswith(headings[name]), name
    assert len(codes) == len(words.PART_BUTTONS), "one code per part"


async def test_a_stale_press_on_an_old_decision_keeps_its_parts(harness: Harness) -> None:
    user = await started(harness)
    await user.press("Yes")
    old = user.keyboard_message().payload
    await user.send("/advice")  # a new decision, typed: the old outcome still shows every button
    replies = await user.press("New decision", old["message_id"])
    assert words.STALE in texts(replies)
    rows = user.message(old["message_id"])["reply_markup"]["inline_keyboard"]
    kept = [*words.PART_BUTTONS.values(), *words.HELPED_BUTTONS.values()]
    assert [b["text"] for row in rows for b in row] == kept


async def test_a_typed_answer_marks_a_question_another_process_sent(harness: Harness) -> None:
    """After a restart, or on another replica, the question is found by its stored id."""
    user = await started(harness)
    question = user.keyboard_message().payload["message_id"]
    harness.app.features.advice.asked.clear()  # this process never sent it
    await user.send("n")
    marked = user.message(question)
    assert marked["text"].endswith("Your answer: No")
    assert "reply_markup" not in marked
