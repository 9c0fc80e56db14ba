"""Test side of the emulator: create users and chats, act as them, read what the bot did.

Everything goes through the emulator's `/_test/` HTTP API, so the same code drives an emulator
inside the test process (`Emulator.run`) and one in its own process (`spawn`), which is what
end-to-end tests of the real `infoshare-bot run` process need.

A control request the emulator refuses (unknown button, unknown chat…) raises AssertionError with
its explanation; a wait that runs out raises TimeoutError saying what did arrive.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import aiohttp

DEFAULT_TOKEN = "123456789:emulator-test-token"
READY_PREFIX = "telegram-emulator listening on"
REPO_ROOT = Path(__file__).resolve().parents[2]
# A valid 1×1 PNG: the emulator, like Telegram, refuses photos that are not images.
PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)

JSON = dict[str, Any]


@dataclass(frozen=True)
class BotMessage:
    """A message the bot sent, as it is now (edits applied, `deleted` once deleted)."""

    chat_id: int
    message_id: int
    kind: str  # "text", "photo" or "document"
    text: str | None  # after entity parsing, as the user sees it
    caption: str | None
    entities: list[JSON]
    parse_mode: str | None
    source: str | None  # text or caption exactly as the bot sent it (HTML tags and all)
    reply_markup: JSON | None  # as sent: inline keyboard, reply keyboard, remove or force_reply
    file_name: str | None
    file_size: int | None
    version: int  # number of edits
    deleted: bool
    raw: JSON  # the Bot API Message object

    @property
    def buttons(self) -> list[list[str]]:
        """Inline keyboard button texts, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [[button["text"] for button in row] for row in rows]

    @property
    def callback_data(self) -> list[str]:
        """Every inline button's callback_data, in reading order."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [b["callback_data"] for row in rows for b in row if "callback_data" in b]


@dataclass(frozen=True)
class Call:
    """One Bot API request the bot made, with its coerced parameters and outcome."""

    method: str
    params: JSON
    ok: bool
    description: str | None  # Telegram's error description when not ok


@dataclass(frozen=True)
class Sent:
    """A message the test side sent; update_id is None when Telegram would not tell the bot."""

    message: JSON
    update_id: int | None


@dataclass(frozen=True)
class Press:
    """A button press; wait for the bot's answer with `EmulatorClient.wait_for_answer`."""

    callback_query_id: str
    update_id: int | None


class EmulatorClient:
    """A running emulator seen from a test: its URLs for the bot, and its control API."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url
        self.token = token
        self.base_url = f"{url}/bot"  # for ApplicationBuilder().base_url(); PTB appends the token
        self.base_file_url = f"{url}/file/bot"
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> EmulatorClient:
        self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._session is not None:
            await self._session.close()

    async def control(self, op: str, *, timeout: float = 0.0, **body: Any) -> Any:
        """Call `/_test/<op>`; waits server-side for up to `timeout` seconds where it applies."""
        if self._session is None:
            raise RuntimeError("use EmulatorClient inside `async with`")
        async with self._session.post(
            f"{self.url}/_test/{op}",
            json={**body, "timeout": timeout},
            timeout=aiohttp.ClientTimeout(total=timeout + 10),
        ) as response:
            payload = await response.json()
        if response.status == 408:
            raise TimeoutError(payload["description"])
        if not payload["ok"]:
            raise AssertionError(payload["description"])
        return payload["result"]

    async def reset(self) -> None:
        """Forget users, chats, messages, updates and calls (the bot's settings stay)."""
        await self.control("reset")

    async def user(
        self,
        first_name: str = "Alice",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str = "en",
    ) -> Actor:
        """A new user, acting in their private chat with the bot (chat id = user id)."""
        user = await self.control(
            "users",
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        chat = {k: v for k, v in user.items() if k not in ("is_bot", "language_code")}
        return Actor(self, {**chat, "type": "private"}, user)

    async def group(
        self, title: str = "Test group", *, supergroup: bool = False, username: str | None = None
    ) -> JSON:
        """A group the bot is in; users act there via `actor.in_chat(group)`."""
        kind = "supergroup" if supergroup else "group"
        result: JSON = await self.control("chats", type=kind, title=title, username=username)
        return result

    async def channel(self, title: str = "Test channel", *, username: str | None = None) -> Actor:
        """A channel the bot administers; the returned actor posts as the channel."""
        chat = await self.control("chats", type="channel", title=title, username=username)
        return Actor(self, chat, None)

    async def calls(self, method: str | None = None) -> list[Call]:
        """Every Bot API call so far (optionally of one method), oldest first."""
        return await self.wait_for_calls(method, count=0)

    async def wait_for_calls(
        self, method: str | None, count: int = 1, timeout: float = 5.0
    ) -> list[Call]:
        """All calls of `method` once there are at least `count` of them."""
        found = await self.control("calls", method=method or "", count=count, timeout=timeout)
        return [Call(**call) for call in found]

    async def wait_for_answer(self, press: Press, timeout: float = 5.0) -> JSON:
        """The bot's answerCallbackQuery parameters for this press (text, show_alert, …)."""
        answer: JSON = await self.control(
            "answer", callback_query_id=press.callback_query_id, timeout=timeout
        )
        return answer

    async def inject(self, update: JSON) -> int | None:
        """Queue a raw update of any kind the helpers do not cover; update_id is assigned."""
        result = await self.control("update", update=update)
        return result["update_id"]  # type: ignore[no-any-return]


class Actor:
    """Someone writing in one chat: a user (private chat or group) or a channel posting."""

    def __init__(self, client: EmulatorClient, chat: JSON, user: JSON | None) -> None:
        self.client = client
        self.chat = chat
        self.user = user
        self._seen = 0  # newest bot message id already returned by wait_for_messages

    @property
    def chat_id(self) -> int:
        return int(self.chat["id"])

    @property
    def user_id(self) -> int:
        if self.user is None:
            raise AssertionError("a channel has no user")
        return int(self.user["id"])

    def in_chat(self, chat: JSON) -> Actor:
        """The same user acting in another chat (a group from `EmulatorClient.group`)."""
        return Actor(self.client, chat, self.user)

    async def _send(self, kind: str, **spec: Any) -> Sent:
        user_id = self.user["id"] if self.user else None
        result = await self.client.control(
            "send", chat_id=self.chat_id, user_id=user_id, kind=kind, **spec
        )
        return Sent(result["message"], result["update_id"])

    async def send(self, text: str, *, reply_to: int | None = None) -> Sent:
        """A text message; /commands and @mentions get entities as in Telegram."""
        return await self._send("text", text=text, reply_to_message_id=reply_to)

    async def send_photo(
        self, data: bytes = PNG_1X1, *, file_name: str = "photo.png", caption: str | None = None
    ) -> Sent:
        return await self._send("photo", data_hex=data.hex(), file_name=file_name, caption=caption)

    async def send_document(
        self,
        data: bytes = b"hello\n",
        *,
        file_name: str = "notes.txt",
        mime_type: str = "text/plain",
        caption: str | None = None,
    ) -> Sent:
        spec = {"file_name": file_name, "mime_type": mime_type, "caption": caption}
        return await self._send("document", data_hex=data.hex(), **spec)

    async def send_voice(self, duration: int = 3, *, size: int = 2048) -> Sent:
        return await self._send("voice", duration=duration, size=size)

    async def send_video(self, duration: int = 5, *, size: int = 4096) -> Sent:
        return await self._send("video", duration=duration, size=size, file_name="video.mp4")

    async def send_sticker(self, emoji: str = "👍") -> Sent:
        return await self._send("sticker", emoji=emoji, size=512)

    async def send_location(self, latitude: float, longitude: float) -> Sent:
        return await self._send("location", latitude=latitude, longitude=longitude)

    async def send_contact(
        self, phone_number: str, first_name: str, *, last_name: str | None = None
    ) -> Sent:
        return await self._send(
            "contact", phone_number=phone_number, first_name=first_name, last_name=last_name
        )

    async def forward(self, text: str, origin: Actor | str, *, message_id: int = 1) -> Sent:
        """A forwarded text: from another user, from a channel post, or (str) a hidden user."""
        forward_origin: JSON
        if isinstance(origin, str):
            forward_origin = {"type": "hidden_user", "sender_user_name": origin}
        elif origin.user is not None:
            forward_origin = {"type": "user", "sender_user": origin.user}
        else:
            forward_origin = {"type": "channel", "chat": origin.chat, "message_id": message_id}
        return await self._send("text", text=text, forward_origin=forward_origin)

    async def edit(self, sent: Sent, text: str) -> Sent:
        """Edit one of this actor's text messages: the bot gets edited_message."""
        result = await self.client.control(
            "edit", chat_id=self.chat_id, message_id=sent.message["message_id"], text=text
        )
        return Sent(result["message"], result["update_id"])

    async def press(self, message: BotMessage | int, button: str) -> Press:
        """Press the inline button with this text (or callback_data) on a bot message."""
        return await self._press(message, button, None)

    async def press_data(self, message: BotMessage | int, data: str) -> Press:
        """A forged press: arbitrary callback data for a bot message, as a hostile client can."""
        return await self._press(message, None, data)

    async def _press(
        self, message: BotMessage | int, button: str | None, data: str | None
    ) -> Press:
        message_id = message if isinstance(message, int) else message.message_id
        where = {"chat_id": self.chat_id, "user_id": self.user_id, "message_id": message_id}
        result = await self.client.control("press", **where, button=button, data=data)
        return Press(result["callback_query_id"], result["update_id"])

    async def block(self, blocked: bool = True) -> None:
        """Block (or with False, unblock) the bot: sends fail with 403 Forbidden."""
        await self.client.control("block", user_id=self.user_id, blocked=blocked)

    async def wait_for_messages(self, count: int = 1, timeout: float = 5.0) -> list[BotMessage]:
        """The next `count` bot messages in this chat not yet returned to this actor."""
        found = await self.client.control(
            "bot_messages", chat_id=self.chat_id, after=self._seen, count=count, timeout=timeout
        )
        messages = [BotMessage(**m) for m in found]
        self._seen = max([self._seen, *(m.message_id for m in messages)])
        return messages

    async def wait_for_edit(self, message: BotMessage, timeout: float = 5.0) -> BotMessage:
        """The message once edited (or deleted) after the given snapshot."""
        found = await self.client.control(
            "bot_message",
            chat_id=self.chat_id,
            message_id=message.message_id,
            newer_than=message.version,
            timeout=timeout,
        )
        return BotMessage(**found)

    async def messages(self) -> list[BotMessage]:
        """All bot messages in this chat as they are now, oldest first."""
        found = await self.client.control("bot_messages", chat_id=self.chat_id)
        return [BotMessage(**m) for m in found]


@contextlib.asynccontextmanager
async def spawn(
    token: str = DEFAULT_TOKEN, *, host: str = "127.0.0.1", port: int = 0, privacy: bool = True
) -> AsyncIterator[EmulatorClient]:
    """Run the emulator as its own process (as e2e tests need) and stop it afterwards."""
    command = [sys.executable, "-m", "tests.emulator", "--host", host, "--port", str(port)]
    command += ["--token", token, *([] if privacy else ["--no-privacy"])]
    process = await asyncio.create_subprocess_exec(
        *command, cwd=REPO_ROOT, stdout=asyncio.subprocess.PIPE
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 15)).decode()
        if not line.startswith(READY_PREFIX):
            raise RuntimeError(f"emulator process did not start (exit {process.returncode})")
        async with EmulatorClient(line.split()[-1], token) as client:
            yield client
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 5)
            except TimeoutError:
                process.kill()
                await process.wait()
