"""PerChatUpdateProcessor: one chat strictly in order, different chats at the same time; and
`exactly_once`: a StaleWrite is retried, an already-applied update shows the chat."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import cast

import pytest
from telegram import Chat, Message, Update

from bot.errors import StaleWrite
from bot.storage import StoredConversation
from bot.telegram import delivery
from bot.telegram.delivery import (
    STALE_ATTEMPTS,
    AlreadyApplied,
    PerChatUpdateProcessor,
    exactly_once,
)
from bot.telegram.messaging import Context
from tests.support.storage import conversation


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
