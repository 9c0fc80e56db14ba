"""PerChatUpdateProcessor: one chat strictly in order, different chats at the same time."""

from __future__ import annotations

import asyncio

from telegram import Chat, Message, Update

from bot.telegram.delivery import PerChatUpdateProcessor


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
    assert log == ["start a1", "end b1"] or log == ["start a1", "start b1", "end b1"]
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
