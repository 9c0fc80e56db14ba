"""python-telegram-bot's network swapped for the emulator's `World`, in process.

PTB's own tests use an offline `BaseRequest`; ours hands every Bot API call to the emulator's
`World.call`, which checks it as Telegram does (HTML, lengths, callback data, message ids) and
records it. Users' messages and presses become updates that `Harness.pump` feeds to
`Application.process_update`, so the whole bot runs with no sockets at all. `WorldRequest.plan`
makes chosen calls fail as Telegram or the network would (flood control, a blocked bot, a lost
answer), for the fault tests.
"""

from __future__ import annotations

import json
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.error import TelegramError
from telegram.request import BaseRequest, RequestData

from bot.storage import ChatKeys
from bot.telegram.application import InfoshareApplication
from bot.telegram.services import Services
from bot.transcripts.pseudonym import Pseudonyms
from tests.emulator.world import Upload, World
from tests.support.clock import FixedClock

TOKEN = "123456789:" + "TestOnlyNotARealToken_" * 2  # fake; built so no token is committed
PSEUDONYMS = Pseudonyms(b"test-only-pseudonym-key")
KEYS = ChatKeys(PSEUDONYMS.secret)
"""The store's keys, from the same secret, as the bot derives them."""


@dataclass(frozen=True)
class Fault:
    """One planned failure of a Bot API call.

    With `status`, the call gets Telegram's error response (`retry_after` goes in its
    `parameters`, as flood control sends it); with `error`, the request raises it, as PTB's
    HTTP layer does when the network fails. `delivered` lets the World carry the call out
    first, so only the answer is lost (a read timeout after Telegram acted).
    """

    status: int = 0
    description: str = ""
    retry_after: int | None = None
    error: type[TelegramError] | None = None
    delivered: bool = False

    def fail(self) -> tuple[int, bytes]:
        if self.error is not None:
            raise self.error(self.description)
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return self.status, json.dumps(body).encode()


class WorldRequest(BaseRequest):
    """A `BaseRequest` whose 'network' is a `World`, with failures planned per method."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.planned: defaultdict[str, deque[Fault]] = defaultdict(deque)
        self.fired: list[tuple[str, Fault]] = []

    def plan(self, method: str, *faults: Fault) -> None:
        """Fail the next calls of `method` (e.g. "sendMessage") with `faults`, in order."""
        self.planned[method].extend(faults)

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        """No connections to open."""

    async def shutdown(self) -> None:
        """No connections to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params: dict[str, Any] = dict(request_data.json_parameters) if request_data else {}
        if request_data is not None and request_data.contains_files:
            # What the HTTP server makes of a multipart body: one Upload per file part.
            for name, (filename, data, mime) in request_data.multipart_data.items():
                params[name] = Upload(filename or name, mime or "", bytes(data))
        fault = self.planned[api_method].popleft() if self.planned[api_method] else None
        if fault is not None:
            self.fired.append((api_method, fault))
            if not fault.delivered:
                return fault.fail()
        try:
            result = await self.world.call(api_method, params)
        except web.HTTPException as exc:
            return exc.status, (exc.text or "{}").encode()
        if fault is not None:
            return fault.fail()
        return 200, json.dumps({"ok": True, "result": result}).encode()


@dataclass
class Harness:
    """The Application, the World and the updates waiting to be processed."""

    app: InfoshareApplication
    world: World
    offset: int = 0
    processed: list[dict[str, Any]] = field(default_factory=list)
    """Every raw update processed, so a test can deliver one again as Telegram may."""

    async def pump(self) -> None:
        """Process every queued update, in order, as the bot would receive them."""
        while True:
            updates = await self.world.call("getUpdates", {"offset": self.offset, "timeout": 0})
            if not updates:
                return
            for raw in updates:
                self.offset = raw["update_id"] + 1
                await self.deliver(raw)

    async def deliver(self, raw: dict[str, Any]) -> None:
        """Process one raw update (again, if it was processed before)."""
        self.processed.append(raw)
        await self.app.process_update(Update.de_json(raw, self.app.bot))

    @property
    def services(self) -> Services:
        """What every feature is handed: config, content, store and the clock."""
        return self.app.services

    @property
    def clock(self) -> FixedClock:
        clock = self.app.services.now
        assert isinstance(clock, FixedClock)
        return clock

    @property
    def request(self) -> WorldRequest:
        """The bot's network, to plan faults on."""
        request = self.app.bot.request
        assert isinstance(request, WorldRequest)
        return request

    def user(self, first_name: str = "Sam") -> Practitioner:
        return Practitioner(self, self.world.create_user(first_name, None, None, "en")["id"])

    def failed_calls(self) -> list[dict[str, Any]]:
        return [call for call in self.world.calls if not call["ok"]]

    def bot_calls(self, after: int = 0) -> list[dict[str, Any]]:
        """The bot's own Bot API calls (not the harness's getUpdates), from index `after`."""
        return [c for c in self.world.calls[after:] if c["method"] != "getUpdates"]


@dataclass
class Practitioner:
    """One user in a private chat with the bot."""

    harness: Harness
    id: int
    seen: int = 0
    sent: list[Any] = field(default_factory=list)

    async def send(self, text: str) -> list[Any]:
        """Type a message; return the bot's new messages."""
        self.harness.world.user_message(self.id, self.id, {"text": text})
        return await self._replies()

    async def send_kind(self, spec: dict[str, Any]) -> list[Any]:
        self.harness.world.user_message(self.id, self.id, spec)
        return await self._replies()

    async def press(self, button: str, message_id: int | None = None) -> list[Any]:
        """Press a button (by its text or data) on a message, by default the newest with one."""
        target = (
            message_id if message_id is not None else self.keyboard_message().payload["message_id"]
        )
        self.harness.world.press(self.id, self.id, target, button, None)
        return await self._replies()

    async def forge(self, data: str, message_id: int) -> list[Any]:
        self.harness.world.press(self.id, self.id, message_id, None, data)
        return await self._replies()

    async def _replies(self) -> list[Any]:
        await self.harness.pump()
        new = self.harness.world.bot_messages(self.id, self.seen)
        if new:
            self.seen = max(m.payload["message_id"] for m in new)
        return [m.payload for m in new]

    def keyboard_message(self) -> Any:
        """The newest bot message that still has an inline keyboard."""
        for message in reversed(self.harness.world.bot_messages(self.id, 0)):
            if message.payload.get("reply_markup"):
                return message
        raise AssertionError("no message with a keyboard")

    def message(self, message_id: int) -> dict[str, Any]:
        return dict(self.harness.world.stored(self.id, message_id).payload)

    def buttons(self) -> list[str]:
        rows = self.keyboard_message().payload["reply_markup"]["inline_keyboard"]
        return [button["text"] for row in rows for button in row]
