"""A small, faithful Telegram Bot API emulator for end-to-end tests of the bot.

emulator = Emulator()
async with emulator.run() as server:            # or: async with spawn() as server
    app = (ApplicationBuilder().token(emulator.token)
           .base_url(server.base_url).base_file_url(server.base_file_url).build())
    alice = await server.user("Alice")
    await alice.send("/start")
    [reply] = await alice.wait_for_messages(1)
    press = await alice.press(reply, "Yes")
    await server.wait_for_answer(press)
    edited = await alice.wait_for_edit(reply)
"""

from .client import (
    DEFAULT_TOKEN,
    Actor,
    BotMessage,
    Call,
    EmulatorClient,
    Press,
    Sent,
    spawn,
)
from .server import Emulator

__all__ = [
    "DEFAULT_TOKEN",
    "Actor",
    "BotMessage",
    "Call",
    "Emulator",
    "EmulatorClient",
    "Press",
    "Sent",
    "spawn",
]
