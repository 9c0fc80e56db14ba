"""PerChatUpdateProcessor: one chat strictly in order, different chats at the same time; and
`exactly_once`: a StaleWrite is retried, an already-applied update shows the chat. Then the same
through the real Application: redelivered and overtaken updates, two replicas racing."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any, cast

import pytest
from telegram import Chat, Message, Update

from bot import words
from bot.config import Config
from bot.errors import StaleWrite
from bot.storage import StoredConversation, open_store
from bot.telegram import delivery
from bot.telegram.application import build_application
from bot.telegram.delivery import (
    STALE_ATTEMPTS,
    AlreadyApplied,
    PerChatUpdateProcessor,
    exactly_once,
)
from bot.telegram.messaging import Context
from bot.transcripts.model import Filters
from states import Library
from tests.support.chat import place, started, texts
from tests.support.offline import PSEUDONYMS, TOKEN, Harness, WorldRequest
from tests.support.storage import KEYS, conversation


def update(update_id: int, chat_id: int) -> Update:
    chat = Chat(chat_id, Chat.PRIVATE)
    return Update(update_id, message=Message(update_id, None, chat))  # type: ignore[arg-type]


async def test_one_chat_is_serialised_and_others_run_alongside() -> None:
    processor = PerChatUpdateProcessor(max_concurrent_updates=16)
    log: list[str] = []
    release = asyncio.Event()

    async def work(name: str, wait: bool) -> None:
        log.append(f"start {name}")
        if wait:
            await release.wait()
        log.append(f"end {name}")

    first = asyncio.create_task(processor.process_update(update(1, 7), work("a1", True)))
    second = asyncio.create_task(processor.process_update(update(2, 7), work("a2", False)))
    other = asyncio.create_task(processor.process_update(update(3, 8), work("b1", False)))
    await other  # chat 8 finishes while chat 7's first update is still waiting
    assert log == ["start a1", "start b1", "end b1"]
    assert "start a2" not in log
    release.set()
    await asyncio.gather(first, second)
    assert log.index("end a1") < log.index("start a2")
    assert processor.chats_in_flight == 0


async def test_updates_without_a_chat_are_not_held_back() -> None:
    processor = PerChatUpdateProcessor(max_concurrent_updates=4)
    done: list[int] = []

    async def work() -> None:
        done.append(1)

    await processor.process_update(Update(1), work())
    assert done == [1]
    assert processor.chats_in_flight == 0


# ---- exactly_once: retried on StaleWrite, shown again when already applied ---------------------


class Shown:
    """Fake `show` and `show_again`: what each was called with, in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Context, StoredConversation]] = []

    async def show(self, context: Context, stored: StoredConversation) -> None:
        self.calls.append(("show", context, stored))

    async def show_again(self, context: Context, stored: StoredConversation) -> None:
        self.calls.append(("show_again", context, stored))


CONTEXT = cast(Context, object())
"""A stand-in: exactly_once only passes the context on."""


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """No real waiting between attempts, and the longest jitter every time: deterministic."""
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    def uniform(low: float, high: float) -> float:
        return high

    # Only delivery's own names are replaced: the event loop keeps the real asyncio.sleep.
    monkeypatch.setattr(delivery, "asyncio", SimpleNamespace(sleep=sleep))
    monkeypatch.setattr(delivery, "random", SimpleNamespace(uniform=uniform))
    return slept


async def test_a_stale_write_is_applied_again_and_then_succeeds(pauses: list[float]) -> None:
    seen: list[tuple[Update, Context]] = []
    shown = Shown()

    async def handler(update: Update, context: Context) -> None:
        seen.append((update, context))
        if len(seen) == 1:
            raise StaleWrite("another replica saved chat 7 first")

    run = exactly_once(handler, show=shown.show, show_again=shown.show_again)
    the_update = update(11, 7)
    await run(the_update, CONTEXT)
    assert seen == [(the_update, CONTEXT), (the_update, CONTEXT)]
    assert pauses == [0.005], "one short pause before the second attempt"
    assert shown.calls == []


async def test_a_write_stale_every_time_is_tried_stale_attempts_times_then_raised(
    pauses: list[float],
) -> None:
    tries: list[int] = []
    shown = Shown()

    async def handler(update: Update, context: Context) -> None:
        tries.append(update.update_id)
        raise StaleWrite(f"stale {len(tries)}")

    run = exactly_once(handler, show=shown.show, show_again=shown.show_again)
    with pytest.raises(StaleWrite, match=f"stale {STALE_ATTEMPTS}"):
        await run(update(12, 7), CONTEXT)
    assert STALE_ATTEMPTS == 5
    assert tries == [12] * STALE_ATTEMPTS
    assert pauses == [0.005 * attempt for attempt in range(1, STALE_ATTEMPTS)]
    assert shown.calls == []


@pytest.mark.parametrize(("redelivered", "expected"), [(True, "show_again"), (False, "show")])
async def test_an_already_applied_update_shows_the_chat_once(
    pauses: list[float], redelivered: bool, expected: str
) -> None:
    stored = conversation(7)
    tries: list[int] = []
    shown = Shown()

    async def handler(update: Update, context: Context) -> None:
        tries.append(update.update_id)
        raise AlreadyApplied(update.update_id, stored, redelivered=redelivered)

    run = exactly_once(handler, show=shown.show, show_again=shown.show_again)
    await run(update(13, 7), CONTEXT)
    assert tries == [13], "not applied again"
    assert shown.calls == [(expected, CONTEXT, stored)]
    assert pauses == []


async def test_other_errors_are_not_retried(pauses: list[float]) -> None:
    tries: list[int] = []
    shown = Shown()

    async def handler(update: Update, context: Context) -> None:
        tries.append(update.update_id)
        raise RuntimeError("boom")

    run = exactly_once(handler, show=shown.show, show_again=shown.show_again)
    with pytest.raises(RuntimeError, match="boom"):
        await run(update(14, 7), CONTEXT)
    assert tries == [14]
    assert shown.calls == [] and pauses == []


# ---- through the real Application: redelivery after a crash, two replicas racing ---------


async def test_a_redelivered_answer_is_applied_once_and_shows_where_the_chat_is(
    harness: Harness,
) -> None:
    """Telegram sends an update again when the bot stopped before confirming it."""
    user = await started(harness)
    services = harness.services
    await user.send("no")  # typed: a second delivery must not answer the next question "no"
    typed = harness.processed[-1]
    await user.press("An adult")
    pressed = harness.processed[-1]
    before = await services.store.load(user.id)
    assert before is not None and [a for _, a in before.history] == ["no", "adult"]
    for raw in (typed, pressed):
        await harness.deliver(raw)
        replies = await user._replies()
        assert len(replies) == 1 and "Is there a clear and legitimate purpose" in replies[0]["text"]
    assert place(await services.store.load(user.id)) == place(before)
    page = await services.store.list_transcripts(Filters(), offset=0, limit=10)
    found = await services.store.get_transcript(page.items[0].id)
    assert found is not None and [s.answer for s in found.steps] == ["no", "adult"]


async def test_a_redelivered_move_to_an_outcome_shows_the_outcome_again(harness: Harness) -> None:
    """The reply to the first delivery may never have gone out: the advice is sent again."""
    user = await started(harness)
    await user.press("Yes")
    await harness.deliver(harness.processed[-1])
    again = texts(await user._replies())
    assert harness.services.dialogue.content.outcomes["refer_now"].decision in again
    assert words.FINISHED not in again


async def test_a_typed_answer_overtaken_by_a_newer_update_is_not_applied(
    harness: Harness,
) -> None:
    """Typed for the first question, delivered late (after the button pressed since)."""
    services = harness.services
    user = await started(harness)
    harness.world.user_message(user.id, user.id, {"text": "2"})  # "No" here; "An adult" next
    late = harness.world.pending.pop()  # held back, as a failed delivery is
    await user.press("No")
    before = await services.store.load(user.id)
    assert before is not None and before.step == "about_whom"
    await harness.deliver(late)
    replies = await user._replies()
    assert len(replies) == 1 and "Who is the information about?" in replies[0]["text"]
    assert place(await services.store.load(user.id)) == place(before)  # "2" not an answer


async def test_updates_racing_on_two_replicas_are_applied_one_after_the_other(
    harness: Harness, config: Config, library: Library
) -> None:
    """Replica B saves the chat while replica A is deciding: A applies its update afresh."""
    user = await started(harness)
    a = harness.services
    request = WorldRequest(harness.world)
    other = build_application(
        config, library, TOKEN, PSEUDONYMS, request=request, clock=harness.clock
    )
    b = other.services
    b.attach(await open_store(config.storage.url, KEYS))
    first_save = a.store.save
    raced = {"n": 0}

    async def save_after_b(*args: Any, **kwargs: Any) -> Any:
        if raced["n"] == 0:  # B's update lands between A's load and A's save
            raced["n"] += 1
            harness.world.user_message(user.id, user.id, {"text": "yes"})
            [raw] = await harness.world.call("getUpdates", {"offset": harness.offset})
            harness.offset = raw["update_id"] + 1
            await other.process_update(Update.de_json(raw, other.bot))
        return await first_save(*args, **kwargs)

    async with other:
        a.store.save = save_after_b  # type: ignore[method-assign]
        try:
            await user.send("no")  # A: "no" to immediate danger, raced by B's "yes"
        finally:
            del a.store.save
    await b.close()
    stored = await a.store.load(user.id)
    assert stored is not None
    # B's "yes" answered immediate danger (an outcome); A's "no", typed for that question
    # too, was overtaken: not applied, not noted, A shows where the chat is.
    assert stored.step == "refer_now" and [x for _, x in stored.history] == ["yes"]
    page = await a.store.list_transcripts(Filters(), offset=0, limit=10)
    found = await a.store.get_transcript(page.items[0].id)
    assert found is not None and [s.answer for s in found.steps] == ["yes"]
    replies = texts([m.payload for m in harness.world.bot_messages(user.id, 0)])
    decision = harness.services.dialogue.content.outcomes["refer_now"].decision
    assert replies.count(decision) == 1 and replies.endswith(words.FINISHED)
    assert words.UNAVAILABLE not in replies
