"""Replies through the outbox (bot/telegram/outbox.py): a move is saved with the reply it owes,
and a reply the handler could not show (the process died, Telegram refused or went quiet) is
shown by the sender once it is due, once, by one replica, on a restarted process too."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import pytest
from telegram.error import NetworkError
from telegram.ext import CallbackContext

from bot import words
from bot.config import Config
from bot.errors import StorageUnavailable
from bot.storage import Mark, StoredConversation, open_store
from bot.telegram.application import InfoshareApplication, build_application
from bot.telegram.conversation import OWED_GRACE
from bot.telegram.outbox import LEASE
from states import Library, Outcome
from tests.support.chat import started
from tests.support.offline import PSEUDONYMS, TOKEN, Fault, Harness, Practitioner, WorldRequest
from tests.support.storage import KEYS

QUESTION_2 = "Who is the information about?"
DUE = OWED_GRACE + timedelta(milliseconds=1)


async def look(app: InfoshareApplication) -> None:
    """One run of the outbox job, as the job queue runs it."""
    await app.features.outbox.send_owed(CallbackContext(app))


def lost(harness: Harness, method: str = "sendMessage", times: int = 2) -> None:
    """The next sends fail as a network does (the reply, and the apology after it)."""
    harness.request.plan(method, *[Fault(error=NetworkError, description="down")] * times)


async def claimed_after_a_lost_reply(harness: Harness) -> tuple[Practitioner, StoredConversation]:
    """A practitioner whose answer was saved but whose reply never came, and the debt as a
    sender has just claimed it."""
    user = await started(harness)
    lost(harness)
    await user.press("No")
    harness.clock.advance(DUE)
    [claimed] = await harness.services.store.claim_owed(harness.clock(), LEASE, 1)
    return user, claimed


@pytest.fixture
async def restarted(
    harness: Harness, config: Config, library: Library
) -> AsyncIterator[InfoshareApplication]:
    """A second process on the same database and the same Telegram (a restart, a replica)."""
    app = build_application(
        config, library, TOKEN, PSEUDONYMS, request=WorldRequest(harness.world), clock=harness.clock
    )
    app.services.attach(await open_store(config.storage.url, KEYS))
    async with app:
        yield app
    await app.services.close()


async def test_a_move_is_saved_owing_its_reply_and_owes_nothing_once_shown(
    harness: Harness,
) -> None:
    user = await started(harness)
    store = harness.services.store
    lost(harness)
    assert await user.press("No") == []  # saved, but neither the reply nor the apology came
    owed = await store.load(user.id)
    assert owed is not None and owed.owed_at == harness.clock() + OWED_GRACE
    assert owed.owed_mark is not None and owed.owed_mark.note == "Your answer: No"
    harness.clock.advance(DUE)
    await look(harness.app)
    shown = await store.load(user.id)
    assert shown is not None and (shown.owed_at, shown.owed_mark) == (None, None)
    assert shown.asked_message == user.keyboard_message().payload["message_id"]


async def test_a_reply_lost_in_a_crash_is_shown_after_the_grace_with_its_answer_marked(
    harness: Harness, restarted: InfoshareApplication
) -> None:
    user = await started(harness)
    first = user.keyboard_message().payload
    lost(harness)
    await user.press("No")
    await look(restarted)  # not due yet: the handler may still be sending
    assert harness.world.bot_messages(user.id, first["message_id"]) == []
    harness.clock.advance(DUE)
    await look(restarted)  # another process (the restart) pays what the first owed
    [question] = [m.payload for m in harness.world.bot_messages(user.id, first["message_id"])]
    assert QUESTION_2 in question["text"] and question["reply_markup"]
    answered = user.message(first["message_id"])
    assert answered["text"].endswith("Your answer: No") and not answered.get("reply_markup")
    await look(restarted)
    harness.clock.advance(LEASE + DUE)
    await look(harness.app)  # shown once: nothing is owed any more, whoever looks
    assert len(harness.world.bot_messages(user.id, first["message_id"])) == 1
    replies = await user.press("An adult")  # and the chat goes on from it
    assert "Your answer: An adult" in user.message(question["message_id"])["text"]
    assert replies


async def test_an_outcome_lost_in_a_crash_is_shown_in_full(harness: Harness) -> None:
    user = await started(harness)
    for label in ("Yes",):  # immediate danger: the outcome at once
        lost(harness)
        await user.press(label)
    stored = await harness.services.store.load(user.id)
    assert stored is not None and harness.services.dialogue.is_outcome(stored.step)
    harness.clock.advance(DUE)
    await look(harness.app)
    outcome = user.keyboard_message().payload
    node = harness.services.dialogue.content.outcomes[stored.step]
    assert isinstance(node, Outcome)
    assert words.FINISHED not in outcome["text"]  # the advice itself, not "this is finished"
    assert node.title in outcome["text"] and node.decision in outcome["text"]
    buttons = [b["text"] for row in outcome["reply_markup"]["inline_keyboard"] for b in row]
    assert words.PART_BUTTONS["record"] in buttons and words.NEW_DECISION_BUTTON in buttons


async def test_two_replicas_looking_at_once_show_an_owed_reply_once(
    harness: Harness, restarted: InfoshareApplication
) -> None:
    users = [await started(harness) for _ in range(5)]
    marks = [u.keyboard_message().payload["message_id"] for u in users]
    for user in users:
        lost(harness)
        await user.press("No")
    harness.clock.advance(DUE)
    await asyncio.gather(look(harness.app), look(restarted), look(harness.app))
    for user, mark in zip(users, marks, strict=True):
        questions = [
            m for m in harness.world.bot_messages(user.id, mark) if QUESTION_2 in m.payload["text"]
        ]
        assert len(questions) == 1


async def test_a_chat_that_moved_on_before_its_debt_was_paid_is_not_shown_the_old_reply(
    harness: Harness,
) -> None:
    user = await started(harness)
    lost(harness)
    await user.press("No")
    harness.clock.advance(DUE)
    await user.send("/start")  # shows where the chat is: that pays the debt
    seen = user.seen
    harness.clock.advance(DUE)
    await look(harness.app)
    assert harness.world.bot_messages(user.id, seen) == []


async def test_a_reply_telegram_will_never_take_is_dropped_not_retried_for_ever(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    user = await started(harness)
    lost(harness)
    await user.press("No")
    harness.request.plan(
        "sendMessage", Fault(status=403, description="Forbidden: bot was blocked by the user")
    )
    harness.clock.advance(DUE)
    with caplog.at_level(logging.WARNING):
        await look(harness.app)
    assert "an owed reply cannot be shown: Forbidden" in caplog.text
    stored = await harness.services.store.load(user.id)
    assert stored is not None and stored.owed_at is None


async def test_the_outbox_runs_every_half_second_on_the_job_queue(harness: Harness) -> None:
    assert harness.app.job_queue is not None
    [job] = [j for j in harness.app.job_queue.jobs() if j.name == "outbox"]
    assert job.job.trigger.interval == timedelta(seconds=0.5)


async def test_a_chat_that_moved_on_after_its_debt_was_claimed_is_not_shown_the_claimed_turn(
    harness: Harness,
) -> None:
    """The newer turn's own handler is still sending: the sender leaves it to it."""
    user, claimed = await claimed_after_a_lost_reply(harness)
    lost(harness)
    await user.send("/back")  # a newer turn, its reply not shown yet (and not due)
    seen = len(harness.world.bot_messages(user.id, 0))
    assert await harness.app.features.outbox.pay(CallbackContext(harness.app), claimed) == 0
    assert len(harness.world.bot_messages(user.id, 0)) == seen


async def test_a_debt_its_handler_paid_while_the_sender_waited_is_not_paid_again(
    harness: Harness,
) -> None:
    user, claimed = await claimed_after_a_lost_reply(harness)
    await user.send("/start")  # shows where the chat is: the same turn, paid
    seen = len(harness.world.bot_messages(user.id, 0))
    assert await harness.app.features.outbox.pay(CallbackContext(harness.app), claimed) == 0
    assert len(harness.world.bot_messages(user.id, 0)) == seen


async def test_a_debt_whose_question_the_content_no_longer_has_is_paid_once_as_no_decision(
    harness: Harness,
) -> None:
    """A deploy between the crash and the restart changed the content: nothing is drawn from
    steps that are gone, the chat is told no decision is open, once."""
    user = await started(harness)
    store = harness.services.store
    lost(harness)
    await user.press("No")
    owed = await store.load(user.id)
    assert owed is not None and owed.owed_mark is not None
    gone = Mark(owed.owed_mark.message, owed.owed_mark.note, "gone_step", ())
    await store.save(replace(owed, step="gone_step", owed_mark=gone), expected_version=owed.version)
    seen = len(harness.world.bot_messages(user.id, 0))
    harness.clock.advance(DUE)
    await look(harness.app)
    harness.clock.advance(LEASE + DUE)
    await look(harness.app)
    [told] = [m.payload for m in harness.world.bot_messages(user.id, 0)][seen:]
    assert words.NO_DECISION in told["text"]


@pytest.mark.parametrize("library", [{"edition": "england-2024"}], indirect=True)
async def test_a_not_sure_note_lost_in_a_crash_is_shown_with_its_note_and_stop_button(
    harness: Harness, library: Library
) -> None:
    user = await started(harness)
    for label in ("No", "A child or young person", "Under 12"):
        await user.press(label)
    asked = user.keyboard_message().payload["message_id"]
    lost(harness)
    await user.press("Not sure")
    harness.clock.advance(DUE)
    await look(harness.app)
    [shown] = [m.payload for m in harness.world.bot_messages(user.id, asked)]
    note = library["advice"].content.steps["significant_harm"].not_sure
    assert note is not None and note.split()[0] in shown["text"]
    buttons = [b["text"] for row in shown["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons[0] == words.STOP_BUTTON


async def test_a_claimed_debt_waits_out_its_lease_before_another_look_takes_it(
    harness: Harness,
) -> None:
    user = await started(harness)
    first = user.keyboard_message().payload["message_id"]
    lost(harness)
    await user.press("No")
    harness.clock.advance(DUE)
    lost(harness, times=1)
    await look(harness.app)  # claimed, and the send failed (the network): still owed
    harness.clock.advance(LEASE - timedelta(milliseconds=1))
    await look(harness.app)
    assert harness.world.bot_messages(user.id, first) == []
    harness.clock.advance(timedelta(milliseconds=1))
    await look(harness.app)
    [shown] = [m.payload for m in harness.world.bot_messages(user.id, first)]
    assert QUESTION_2 in shown["text"]


async def test_a_database_outage_is_said_once_not_every_look(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def away(*args: object, **kwargs: object) -> None:
        raise StorageUnavailable("the database is away")

    monkeypatch.setattr(harness.services.store, "claim_owed", away)
    with caplog.at_level(logging.WARNING):
        for _ in range(5):
            await look(harness.app)
    assert caplog.text.count("owed replies not looked for") == 1
