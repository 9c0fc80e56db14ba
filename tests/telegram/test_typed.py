"""Typed answers bound to the question seen: one that may have been written before its question
was on the screen (numbered before it, or dated within `confirm_typed_within` of it) is not
applied: the question is shown with a button to confirm it, which carries its turn."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot import words
from bot.config import Config, Contact
from bot.errors import StorageUnavailable
from bot.transcripts.model import STOPPED, Filters
from tests.support.chat import started, texts
from tests.support.offline import Harness, Practitioner

FIRST = "immediate danger"
QUESTION_2 = "Who is the information about?"
CONFIRM = words.CONFIRM_TYPED.format(label="No")


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """The bot's own default: typed answers within 2 seconds of their question are confirmed."""
    return Config(
        contacts=(Contact(name="Children's social care front door", phone="0118 908 8002"),),
        storage={"url": f"sqlite:///{tmp_path / 'bot.db'}"},  # type: ignore[arg-type]
    )


async def typed_later(harness: Harness, user: Practitioner, text: str) -> list[Any]:
    """Type `text` dated 3 seconds after now: the question was read, then answered."""
    harness.world.user_message(user.id, user.id, {"text": text})
    harness.world.pending[-1]["message"]["date"] += 3
    await harness.pump()
    return [m.payload for m in harness.world.bot_messages(user.id, user.seen)]


async def steps(harness: Harness) -> list[tuple[str, str]]:
    store = harness.services.store
    page = await store.list_transcripts(Filters(), offset=0, limit=1)
    transcript = await store.get_transcript(page.items[0].id)
    assert transcript is not None
    return [(s.step, s.answer) for s in transcript.steps]


async def typed_at_once(harness: Harness) -> tuple[Practitioner, list[Any]]:
    user = await started(harness)
    return user, await user.send("no")  # in the same second as the question


def test_the_default_is_two_seconds() -> None:
    assert Config().telegram.confirm_typed_within == 2


async def test_an_answer_typed_as_its_question_arrives_is_confirmed_not_applied(
    harness: Harness,
) -> None:
    user, replies = await typed_at_once(harness)
    [confirm] = replies
    assert CONFIRM in confirm["text"] and FIRST in confirm["text"].casefold()
    assert user.buttons()[0] == words.CONFIRM_BUTTON.format(label="No")
    stored = await harness.services.store.load(user.id)
    assert stored is not None and stored.history == ()  # nothing applied
    assert await steps(harness) == []
    replies = await user.press(words.CONFIRM_BUTTON.format(label="No"))
    assert QUESTION_2 in texts(replies)
    assert user.message(confirm["message_id"])["text"].endswith("Your answer: No")
    assert [answer for _, answer in await steps(harness)] == ["no"]


async def test_an_answer_typed_after_reading_is_applied_at_once(harness: Harness) -> None:
    user = await started(harness)
    replies = await typed_later(harness, user, "no")
    assert QUESTION_2 in texts(replies) and CONFIRM not in texts(replies)


async def test_an_answer_numbered_before_its_question_is_confirmed_whatever_its_date(
    harness: Harness,
) -> None:
    """Written before the question was sent (Telegram numbers a chat's messages in order), and
    delivered late: it was meant for something else."""
    harness.services.config = harness.services.config.model_copy(
        update={
            "telegram": harness.services.config.telegram.model_copy(
                update={"confirm_typed_within": 0}
            )
        }
    )
    user = await started(harness)
    early = dict(harness.processed[-1])  # /start's update: the chat's first message
    message = dict(early["message"], text="no", entities=[], date=early["message"]["date"] + 60)
    harness.world.pending.append({"update_id": early["update_id"] + 100, "message": message})
    await harness.pump()
    assert CONFIRM in texts([m.payload for m in harness.world.bot_messages(user.id, user.seen)])
    stored = await harness.services.store.load(user.id)
    assert stored is not None and stored.history == ()


async def test_an_answer_to_a_question_not_known_to_be_shown_is_confirmed(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The question went out, but noting it failed and another process has the chat."""
    store = harness.services.store

    async def fails(*args: Any, **kwargs: Any) -> None:
        raise StorageUnavailable("the database is away")

    monkeypatch.setattr(store, "shown", fails)
    user = await started(harness)
    monkeypatch.undo()
    harness.app.features.advice.asked.clear()  # what this process remembers is not shared
    replies = await typed_later(harness, user, "no")
    assert CONFIRM in texts(replies)


async def test_the_confirm_button_of_a_question_answered_since_is_stale(
    harness: Harness,
) -> None:
    user = await started(harness)
    question = user.keyboard_message().payload["message_id"]
    [confirm] = await user.send("no")
    await user.press("No", question)  # they pressed the answer on the question instead
    replies = await user.press(words.CONFIRM_BUTTON.format(label="No"), confirm["message_id"])
    assert words.STALE in texts(replies)
    assert [answer for _, answer in await steps(harness)] == ["no"]


@pytest.mark.parametrize("library", [{"edition": "england-2024"}], indirect=True)
async def test_a_stop_word_typed_as_the_note_arrives_is_confirmed_as_stop_here(
    harness: Harness,
) -> None:
    user = await started(harness)
    for label in ("No", "A child or young person", "Under 12", "Not sure"):
        await user.press(label)
    [confirm] = await user.send("stop")  # at once, over the note
    yes = words.CONFIRM_BUTTON.format(label=words.STOP_BUTTON)
    assert words.CONFIRM_TYPED.format(label=words.STOP_BUTTON) in confirm["text"]
    assert user.buttons()[:2] == [yes, words.STOP_BUTTON]  # the note's own buttons follow
    replies = await user.press(yes)
    stored = await harness.services.store.load(user.id)
    assert stored is not None and harness.services.dialogue.is_outcome(stored.step)
    assert replies and (await steps(harness))[-1] == ("significant_harm", STOPPED)


async def test_a_question_sent_before_its_time_was_kept_is_judged_by_its_number_alone(
    harness: Harness,
) -> None:
    """Conversations saved before the time was kept (migration 0005) have a question message
    but no time: an answer numbered after it is applied."""
    user = await started(harness)
    store = harness.services.store
    stored = await store.load(user.id)
    assert stored is not None and stored.asked_message is not None
    await store.save(replace(stored, asked_at=None), expected_version=stored.version)
    harness.app.features.advice.asked.clear()
    replies = await user.send("no")
    assert QUESTION_2 in texts(replies)
