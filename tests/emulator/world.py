"""The emulated Telegram: users, chats, messages, files, the update queue and the bot's settings.

`World.call` is the Bot API: it coerces parameters the way the Bot API server does (everything
may arrive as a form string), runs the method, and records the call for assertions. The test
side drives the other direction (users writing, pressing buttons) through the plain methods at
the end of the class. Errors are aiohttp HTTP exceptions carrying Telegram's JSON error body, so
they can be raised from any depth and still become the response Telegram would send.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import itertools
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web

from .entities import Entity, detect_entities, parse_html, trim

JSON = dict[str, Any]
T = TypeVar("T")

DEFAULT_ALLOWED = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
)  # every update type except chat_member, message_reaction and message_reaction_count
CHAT_ACTIONS = frozenset(
    {"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice"}
    | {"upload_document", "choose_sticker", "find_location", "record_video_note"}
    | {"upload_video_note"}
)
INLINE_ACTIONS = frozenset(
    {"url", "callback_data", "web_app", "login_url", "switch_inline_query", "copy_text", "pay"}
    | {"switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "callback_game"}
)
INT_PARAMS = frozenset(
    {"message_id", "offset", "limit", "reply_to_message_id", "max_connections", "cache_time"}
    | {"message_thread_id"}
)
FLOAT_PARAMS = frozenset({"timeout"})
BOOL_PARAMS = frozenset(
    {"show_alert", "drop_pending_updates", "disable_notification", "protect_content"}
    | {"allow_sending_without_reply", "disable_content_type_detection", "has_spoiler"}
)
JSON_PARAMS = frozenset(
    {"reply_markup", "entities", "caption_entities", "allowed_updates", "commands", "scope"}
    | {"reply_parameters", "link_preview_options"}
)
FILE_KINDS = ("photo", "document", "voice", "video", "sticker", "audio", "animation", "video_note")
"""Kinds of user message that carry a file (see `World._content` for the others)."""
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"GIF8", b"BM", b"RIFF")
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
QUERY_GONE = "Bad Request: query is too old and response timeout expired or query ID is invalid"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)

_STATUS: dict[int, type[web.HTTPException]] = {
    400: web.HTTPBadRequest,
    401: web.HTTPUnauthorized,
    403: web.HTTPForbidden,
    404: web.HTTPNotFound,
    408: web.HTTPRequestTimeout,
    409: web.HTTPConflict,
}


def api_error(code: int, description: str) -> web.HTTPException:
    """Telegram's error response (`ok: false`), raisable from anywhere inside a handler."""
    body = json.dumps({"ok": False, "error_code": code, "description": description})
    return _STATUS[code](text=body, content_type="application/json")


def now() -> int:
    """Bot API dates are Unix time in whole seconds."""
    return int(time.time())


@dataclass
class Upload:
    """One multipart file part, as the bot uploaded it."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class StoredFile:
    """A file Telegram knows: uploaded by the bot or sent by a user; served by getFile."""

    file_id: str
    unique_id: str
    name: str | None
    mime_type: str | None
    data: bytes

    @property
    def path(self) -> str:
        return f"files/{self.unique_id}"


@dataclass
class StoredMessage:
    """A message as Telegram holds it now (edits applied), plus what the bot originally sent."""

    payload: JSON
    from_bot: bool
    source: str | None = None  # text/caption before entity parsing
    parse_mode: str | None = None
    markup: JSON | None = None  # any reply_markup the bot sent; only inline ones show in payload
    file: StoredFile | None = None
    version: int = 0
    deleted: bool = False

    def snapshot(self) -> JSON:
        """The test-side view: content, formatting, keyboard and edit/delete state."""
        kind = next((k for k in ("text", "photo", "document") if k in self.payload), "other")
        return {
            "chat_id": self.payload["chat"]["id"],
            "message_id": self.payload["message_id"],
            "kind": kind,
            "text": self.payload.get("text"),
            "caption": self.payload.get("caption"),
            "entities": self.payload.get("entities") or self.payload.get("caption_entities", []),
            "parse_mode": self.parse_mode,
            "source": self.source,
            "reply_markup": self.markup,
            "file_name": self.file.name if self.file else None,
            "file_size": len(self.file.data) if self.file else None,
            "version": self.version,
            "deleted": self.deleted,
            "raw": self.payload,
        }


@dataclass
class Chat:
    """A chat and its history; private chats also track whether the user reached the bot."""

    payload: JSON
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    next_message_id: int = 1
    started: bool = False
    blocked: bool = False

    @property
    def id(self) -> int:
        return int(self.payload["id"])

    @property
    def type(self) -> str:
        return str(self.payload["type"])

    def add(self, message: StoredMessage) -> StoredMessage:
        self.messages[message.payload["message_id"]] = message
        return message

    def allocate_id(self) -> int:
        self.next_message_id += 1
        return self.next_message_id - 1


@dataclass
class Webhook:
    """The webhook the bot registered, with Telegram's delivery bookkeeping."""

    url: str
    secret_token: str | None
    max_connections: int
    ip_address: str | None
    last_error_date: int | None = None
    last_error_message: str | None = None
    in_flight: set[int] = field(default_factory=set)
    """Update ids being POSTed now."""


@dataclass
class Query:
    """A callback query: answerable once, like Telegram's."""

    answer: JSON | None = None


class World:
    """All emulator state for one bot token, plus the Bot API methods that act on it."""

    def __init__(self, token: str, *, bot_name: str, bot_username: str, privacy_mode: bool) -> None:
        head = token.split(":", 1)[0]
        self.token = token
        self.bot: JSON = {
            "id": int(head) if head.isdigit() else 1,
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
        }
        self.privacy_mode = privacy_mode
        self.closing = False
        self._serial = itertools.count(1)  # never reset, so ids never repeat within a run
        self._next_update_id = 1
        self._poller = 0  # id of the newest getUpdates; an older one is answered 409
        self._changed = asyncio.Event()
        self.allowed_updates: list[str] = []
        self.webhook: Webhook | None = None
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self._methods: dict[str, Callable[[JSON], Awaitable[Any]]] = {
            name.lower(): handler
            for name, handler in {
                "getMe": self._get_me,
                "logOut": self._log_out,
                "close": self._close,
                "getUpdates": self._get_updates,
                "setWebhook": self._set_webhook,
                "deleteWebhook": self._delete_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "sendMessage": self._send_message,
                "sendPhoto": self._send_photo,
                "sendDocument": self._send_document,
                "editMessageText": self._edit_message_text,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "answerCallbackQuery": self._answer_callback_query,
                "sendChatAction": self._send_chat_action,
                "setMyCommands": self._set_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "getMyCommands": self._get_my_commands,
                "getFile": self._get_file,
            }.items()
        }
        self.reset()

    def reset(self) -> None:
        """Forget users, chats, files, pending updates and calls between tests.

        What the bot configured (webhook, allowed_updates, commands) stays, as it would on
        Telegram, so a bot process can keep running across tests; a logOut is undone. Ids keep
        counting upwards so a bot's stored state can never be mistaken for a new user's.
        """
        self.users: dict[int, JSON] = {}
        self.chats: dict[int, Chat] = {}
        self.files: dict[str, StoredFile] = {}
        self.pending: list[JSON] = []
        self.queries: dict[str, Query] = {}
        self.calls: list[JSON] = []
        self.latency: dict[str, float] = {}
        """Seconds a Bot API method takes before Telegram acts on it (a slow network): a bot
        that goes away meanwhile has its call dropped, as if it never arrived."""
        self.logged_out = False
        self.touch()

    # -- change notification ------------------------------------------------------------------

    def touch(self) -> None:
        """Wake everything waiting in `wait_until`: long polls, deliveries, test-side waits."""
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_until(self, probe: Callable[[], T | None], timeout: float | None) -> T | None:
        """Re-evaluate `probe` after every change until it returns non-None or time runs out."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            result = probe()
            if result is not None or self.closing:
                return result
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                return None
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                return probe()

    def close(self) -> None:
        """Release long polls and waits so the HTTP server can stop at once."""
        self.closing = True
        self.touch()

    # -- Bot API entry point ------------------------------------------------------------------

    async def call(self, method: str, raw: JSON) -> Any:
        """Run one Bot API method on raw request parameters and log it.

        The log entry appears when the call arrives (so a test can see a long poll waiting);
        `ok` and `description` are filled in when it completes.
        """
        record: JSON = {"method": method, "params": {}, "ok": False, "description": None}
        self.calls.append(record)
        try:
            params = self._coerce(raw)
            record["params"] = {k: _loggable(v) for k, v in params.items()}
            handler = self._methods.get(method.lower())
            if handler is None:
                raise api_error(404, "Not Found")
            result = await handler(params)
            record["ok"] = True
            return result
        except web.HTTPException as exc:
            record["description"] = json.loads(exc.text or "{}").get("description")
            raise
        finally:
            self.touch()

    def _coerce(self, raw: JSON) -> JSON:
        """Typed parameters from form strings or JSON values; `attach://x` resolves to file x."""
        params: JSON = {}
        for name, value in raw.items():
            if isinstance(value, str) and value.startswith("attach://"):
                value = raw.get(value.removeprefix("attach://"), value)
            if not isinstance(value, str):
                params[name] = value
            elif name in JSON_PARAMS:
                try:
                    params[name] = json.loads(value)
                except ValueError:
                    raise api_error(400, f"Bad Request: can't parse {name} JSON object") from None
            elif name in INT_PARAMS or (name == "chat_id" and value.lstrip("-").isdigit()):
                try:
                    params[name] = int(value)
                except ValueError:
                    raise api_error(400, f"Bad Request: invalid {name} specified") from None
            elif name in FLOAT_PARAMS:
                try:
                    params[name] = float(value)
                except ValueError:
                    raise api_error(400, f"Bad Request: invalid {name} specified") from None
            elif name in BOOL_PARAMS:
                params[name] = value.lower() in ("true", "1")
            else:
                params[name] = value
        return params

    # -- identity and lifecycle ---------------------------------------------------------------

    async def _get_me(self, p: JSON) -> JSON:
        return {
            **self.bot,
            "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _log_out(self, p: JSON) -> bool:
        self.logged_out = True  # later calls answer 401, as after a real logOut
        return True

    async def _close(self, p: JSON) -> bool:
        return True

    # -- updates ------------------------------------------------------------------------------

    def _enqueue(self, kind: str, obj: JSON) -> int | None:
        """Queue an update unless allowed_updates excludes its kind (then Telegram drops it)."""
        if kind not in (self.allowed_updates or DEFAULT_ALLOWED):
            return None
        update_id = self._next_update_id
        self._next_update_id += 1
        self.pending.append({"update_id": update_id, kind: obj})
        self.touch()
        return update_id

    def _confirm(self, offset: int) -> None:
        """getUpdates' offset: drop everything before it (or keep only the last -offset)."""
        if offset > 0:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
        elif offset < 0:
            self.pending = self.pending[offset:]

    def _set_allowed(self, p: JSON) -> None:
        if "allowed_updates" in p:
            allowed = p["allowed_updates"]
            if not isinstance(allowed, list):
                raise api_error(400, "Bad Request: can't parse allowed_updates JSON object")
            self.allowed_updates = [str(kind) for kind in allowed]

    async def _get_updates(self, p: JSON) -> list[JSON]:
        if self.webhook is not None:
            raise api_error(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        self._set_allowed(p)
        self._confirm(p.get("offset", 0))
        limit = min(max(p.get("limit", 100), 1), 100)
        self._poller += 1
        me = self._poller
        self.touch()  # a newer getUpdates terminates the older one, as on Telegram

        def ready() -> bool | None:
            return True if self.pending or self._poller != me else None

        await self.wait_until(ready, max(p.get("timeout", 0.0), 0.0))
        if self._poller != me:
            raise api_error(
                409,
                "Conflict: terminated by other getUpdates request; "
                "make sure that only one bot instance is running",
            )
        return self.pending[:limit]

    async def _set_webhook(self, p: JSON) -> bool:
        url = p.get("url", "")
        if not url:
            return await self._delete_webhook(p)
        if not url.startswith(("http://", "https://")):  # Telegram also insists on https
            raise api_error(400, "Bad Request: bad webhook: Webhook can be set up only on HTTPS")
        secret = p.get("secret_token")
        if secret is not None:
            if len(secret) > 256:
                raise api_error(400, "Bad Request: secret token is too long")
            if not secret or not all(c.isascii() and (c.isalnum() or c in "_-") for c in secret):
                raise api_error(400, "Bad Request: secret token contains unallowed characters")
        max_connections = p.get("max_connections", 40)
        if not 1 <= max_connections <= 100:
            raise api_error(400, "Bad Request: max_connections must be between 1 and 100")
        self._set_allowed(p)
        if p.get("drop_pending_updates"):
            self.pending.clear()
        self.webhook = Webhook(url, secret, max_connections, p.get("ip_address"))
        return True

    async def _delete_webhook(self, p: JSON) -> bool:
        if p.get("drop_pending_updates"):
            self.pending.clear()
        self.webhook = None
        return True

    async def _get_webhook_info(self, p: JSON) -> JSON:
        info: JSON = {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.pending),
        }
        hook = self.webhook
        if hook is not None:
            info |= {"url": hook.url, "max_connections": hook.max_connections}
            optional = {
                "ip_address": hook.ip_address,
                "last_error_date": hook.last_error_date,
                "last_error_message": hook.last_error_message,
                "allowed_updates": self.allowed_updates or None,
            }
            info |= {k: v for k, v in optional.items() if v is not None}
        return info

    def next_delivery(self) -> tuple[Webhook, JSON] | None:
        """The webhook and the oldest pending update not being POSTed, if a connection is free.

        Like Telegram, up to the webhook's `max_connections` updates are in flight at once, so
        two updates of one chat can reach two replicas together.
        """
        hook = self.webhook
        if hook is None or self.closing or len(hook.in_flight) >= hook.max_connections:
            return None
        waiting = (u for u in self.pending if u["update_id"] not in hook.in_flight)
        update = next(waiting, None)
        if update is None:
            return None
        hook.in_flight.add(update["update_id"])
        return hook, update

    def failed(self, hook: Webhook, error: str) -> None:
        """A webhook POST failed: getWebhookInfo shows it at once."""
        hook.last_error_date, hook.last_error_message = now(), error

    def delivered(self, hook: Webhook, update_id: int, error: str | None) -> None:
        """One webhook POST is over: success confirms the update; a failure leaves it queued."""
        hook.in_flight.discard(update_id)
        if hook is self.webhook and error is None:
            self.pending = [u for u in self.pending if u["update_id"] != update_id]
        self.touch()

    # -- sending ------------------------------------------------------------------------------

    def _chat(self, chat_id: Any) -> Chat:
        if chat_id is None or chat_id == "":
            raise api_error(400, "Bad Request: chat_id is empty")
        if isinstance(chat_id, str):
            name = chat_id.removeprefix("@").lower()
            public = (c for c in self.chats.values() if c.type != "private")
            chat = next((c for c in public if c.payload.get("username", "").lower() == name), None)
        else:
            chat = self.chats.get(chat_id)
        if chat is None:
            raise api_error(400, "Bad Request: chat not found")
        return chat

    def _recipient(self, chat_id: Any) -> Chat:
        """The chat to send to: a private chat's user must have reached the bot, not blocked it."""
        chat = self._chat(chat_id)
        if chat.type == "private" and chat.blocked:
            raise api_error(403, "Forbidden: bot was blocked by the user")
        if chat.type == "private" and not chat.started:
            raise api_error(403, "Forbidden: bot can't initiate conversation with a user")
        return chat

    def _message(self, chat: Chat, message_id: Any, missing: str) -> StoredMessage:
        message = chat.messages.get(message_id) if isinstance(message_id, int) else None
        if message is None or message.deleted:
            raise api_error(400, missing)
        return message

    @staticmethod
    def _format(
        text: Any, parse_mode: Any, entities: Any, *, limit: int, too_long: str, empty: str | None
    ) -> tuple[str, list[Entity]]:
        """Parse, trim and length-check text or a caption the way the Bot API does.

        `empty` is the error for text that is blank after parsing; None means the text is an
        optional caption.
        """
        if text is None or text == "":
            if empty is not None:
                raise api_error(400, "Bad Request: message text is empty")
            return "", []
        text = str(text)
        mode = str(parse_mode or "").lower()
        if isinstance(entities, list):
            parsed: list[Entity] = entities  # explicit entities win over parse_mode
        elif mode == "html":
            try:
                text, parsed = parse_html(text)
            except ValueError as exc:
                raise api_error(400, f"Bad Request: can't parse entities: {exc}") from None
        elif mode in ("", "markdown", "markdownv2"):
            parsed = []  # Markdown modes are accepted but not parsed (see README gaps)
        else:
            raise api_error(400, "Bad Request: unsupported parse_mode")
        text, parsed = trim(text, parsed)
        if not text and empty is not None:
            raise api_error(400, empty)
        if len(text) > limit:  # code points, as TDLib counts for bots
            raise api_error(400, too_long)
        return text, parsed

    @staticmethod
    def _markup(raw: Any) -> JSON | None:
        """Validate reply_markup; inline keyboards get Telegram's button checks."""
        if raw is None:
            return None
        if not isinstance(raw, dict):
            raise api_error(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in raw:
            if not {"keyboard", "remove_keyboard", "force_reply"} & raw.keys():
                raise api_error(400, "Bad Request: can't parse reply keyboard markup JSON object")
            return raw
        rows = raw["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise api_error(400, "Bad Request: can't parse inline keyboard: field must be an Array")
        if sum(len(row) for row in rows) > 100:
            raise api_error(400, "Bad Request: reply markup is too long")
        for button in itertools.chain.from_iterable(rows):
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise api_error(
                    400,
                    "Bad Request: can't parse inline keyboard button: "
                    'Field "text" must be of type String',
                )
            if not INLINE_ACTIONS & button.keys():
                raise api_error(
                    400,
                    "Bad Request: can't parse inline keyboard button: "
                    "Text buttons are unallowed in the inline keyboard",
                )
            data = button.get("callback_data")
            if "callback_data" in button and not (
                isinstance(data, str) and 1 <= len(data.encode("utf-8")) <= 64
            ):
                raise api_error(400, "Bad Request: BUTTON_DATA_INVALID")
        return raw

    def _deliver_message(
        self, chat: Chat, p: JSON, content: JSON, markup: JSON | None, **stored: Any
    ) -> JSON:
        """Store a message from the bot and return it as the Bot API does."""
        payload: JSON = {
            "message_id": chat.allocate_id(),
            "from": self.bot,
            "chat": chat.payload,
            "date": now(),
            **content,
        }
        if chat.type == "channel":
            del payload["from"]
            payload["sender_chat"] = chat.payload
        reply = p.get("reply_parameters") or {}
        reply_id = reply.get("message_id", p.get("reply_to_message_id"))
        if reply_id is not None:
            target = chat.messages.get(reply_id)
            lenient = reply.get("allow_sending_without_reply", p.get("allow_sending_without_reply"))
            if target is not None and not target.deleted:
                payload["reply_to_message"] = _without_reply(target.payload)
            elif not lenient:
                raise api_error(400, "Bad Request: message to be replied not found")
        if markup is not None and "inline_keyboard" in markup:
            payload["reply_markup"] = markup
        chat.add(StoredMessage(payload, from_bot=True, markup=markup, **stored))
        return payload

    def _message_text(self, p: JSON) -> tuple[str, list[Entity]]:
        """A message's text and entities as Telegram parses them for sendMessage and edits."""
        return self._format(
            p.get("text"),
            p.get("parse_mode"),
            p.get("entities"),
            limit=TEXT_LIMIT,
            too_long="Bad Request: message is too long",
            empty="Bad Request: message must be non-empty",
        )

    async def _send_message(self, p: JSON) -> JSON:
        chat = self._recipient(p.get("chat_id"))
        text, entities = self._message_text(p)
        markup = self._markup(p.get("reply_markup"))
        content = {"text": text, **({"entities": entities} if entities else {})}
        return self._deliver_message(
            chat, p, content, markup, source=p.get("text"), parse_mode=p.get("parse_mode")
        )

    async def _send_media(self, p: JSON, kind: str) -> JSON:
        chat = self._recipient(p.get("chat_id"))
        file = self._input_file(p.get(kind), kind)
        caption, entities = self._format(
            p.get("caption"),
            p.get("parse_mode"),
            p.get("caption_entities"),
            limit=CAPTION_LIMIT,
            too_long="Bad Request: message caption is too long",
            empty=None,
        )
        markup = self._markup(p.get("reply_markup"))
        content: JSON = {kind: _media(kind, file)}
        if caption:
            content["caption"] = caption
        if entities:
            content["caption_entities"] = entities
        return self._deliver_message(
            chat,
            p,
            content,
            markup,
            source=p.get("caption"),
            parse_mode=p.get("parse_mode"),
            file=file,
        )

    async def _send_photo(self, p: JSON) -> JSON:
        return await self._send_media(p, "photo")

    async def _send_document(self, p: JSON) -> JSON:
        return await self._send_media(p, "document")

    def _input_file(self, value: Any, kind: str) -> StoredFile:
        """An uploaded part, a known file_id, or an HTTP URL (Telegram would fetch it)."""
        if isinstance(value, Upload):
            if kind == "photo" and not value.data.startswith(IMAGE_MAGIC):
                raise api_error(400, "Bad Request: IMAGE_PROCESS_FAILED")
            return self.store_file(kind, value.filename, value.content_type, value.data)
        if isinstance(value, str) and value in self.files:
            return self.files[value]
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            name = value.rstrip("/").rsplit("/", 1)[-1] or None
            return self.store_file(kind, name, None, b"")
        if value is None or value == "":
            raise api_error(400, f"Bad Request: there is no {kind} in the request")
        raise api_error(400, "Bad Request: wrong file identifier/HTTP URL specified")

    def store_file(self, kind: str, name: str | None, mime: str | None, data: bytes) -> StoredFile:
        """Register a file so messages, getFile and downloads can refer to it."""
        serial = next(self._serial)
        file = StoredFile(f"emu-{kind}-{serial}", f"u{serial}", name, mime, data)
        self.files[file.file_id] = file
        return file

    async def _get_file(self, p: JSON) -> JSON:
        file = self.files.get(str(p.get("file_id")))
        if file is None:
            raise api_error(400, "Bad Request: invalid file_id")
        return {
            "file_id": file.file_id,
            "file_unique_id": file.unique_id,
            "file_size": len(file.data),
            "file_path": file.path,
        }

    def file_at(self, path: str) -> StoredFile | None:
        return next((f for f in self.files.values() if f.path == path), None)

    async def _send_chat_action(self, p: JSON) -> bool:
        self._recipient(p.get("chat_id"))
        if p.get("action") not in CHAT_ACTIONS:
            raise api_error(400, "Bad Request: wrong parameter action in request")
        return True

    # -- editing ------------------------------------------------------------------------------

    def _editable(self, p: JSON) -> StoredMessage:
        if "inline_message_id" in p:
            raise api_error(400, "Bad Request: MESSAGE_ID_INVALID")  # no inline mode here
        chat = self._chat(p.get("chat_id"))
        message = self._message(chat, p.get("message_id"), "Bad Request: message to edit not found")
        if not message.from_bot:
            raise api_error(400, "Bad Request: message can't be edited")
        return message

    def _apply_edit(self, message: StoredMessage, content: JSON, markup: JSON | None) -> JSON:
        """Replace content and keyboard; no reply_markup in the call removes the keyboard."""
        shown = markup if markup is not None and "inline_keyboard" in markup else None
        before = {k: message.payload.get(k) for k in (*content, "reply_markup")}
        after = {**content, "reply_markup": shown}
        if before == after:
            raise api_error(400, NOT_MODIFIED)
        for key, value in after.items():
            if value:
                message.payload[key] = value
            else:
                message.payload.pop(key, None)
        message.payload["edit_date"] = now()
        message.markup = shown
        message.version += 1
        return message.payload

    async def _edit_message_text(self, p: JSON) -> JSON:
        message = self._editable(p)
        if "text" not in message.payload:
            raise api_error(400, "Bad Request: there is no text in the message to edit")
        text, entities = self._message_text(p)
        markup = self._markup(p.get("reply_markup"))
        result = self._apply_edit(message, {"text": text, "entities": entities or None}, markup)
        message.source, message.parse_mode = p.get("text"), p.get("parse_mode")
        return result

    async def _edit_message_reply_markup(self, p: JSON) -> JSON:
        message = self._editable(p)
        return self._apply_edit(message, {}, self._markup(p.get("reply_markup")))

    async def _delete_message(self, p: JSON) -> bool:
        chat = self._chat(p.get("chat_id"))
        missing = "Bad Request: message to delete not found"
        self._message(chat, p.get("message_id"), missing).deleted = True
        return True

    # -- callback queries and commands --------------------------------------------------------

    async def _answer_callback_query(self, p: JSON) -> bool:
        query = self.queries.get(str(p.get("callback_query_id")))
        if query is None or query.answer is not None:
            raise api_error(400, QUERY_GONE)
        if len(str(p.get("text", ""))) > 200:
            raise api_error(400, "Bad Request: MESSAGE_TOO_LONG")
        query.answer = {k: v for k, v in p.items() if k != "callback_query_id"}
        return True

    @staticmethod
    def _command_key(p: JSON) -> tuple[str, str]:
        scope = p.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(p.get("language_code", ""))

    async def _set_my_commands(self, p: JSON) -> bool:
        commands = p.get("commands")
        if not isinstance(commands, list):
            raise api_error(400, "Bad Request: can't parse commands JSON object")
        if len(commands) > 100:
            raise api_error(400, "Bad Request: BOT_COMMANDS_TOO_MUCH")
        cleaned = []
        for item in commands:
            if not isinstance(item, dict) or "description" not in item:
                raise api_error(
                    400, "Bad Request: can't parse BotCommand: Can't find field \"description\""
                )
            name = str(item.get("command", "")).strip().removeprefix("/")
            description = str(item["description"]).strip()
            if not name:
                raise api_error(400, "Bad Request: command must be non-empty")
            if len(name) > 32:
                raise api_error(400, "Bad Request: command length must not exceed 32")
            if not description:
                raise api_error(400, "Bad Request: command description must be non-empty")
            if len(description) > 256:
                raise api_error(400, "Bad Request: command description length must not exceed 256")
            if not all(c.isascii() and (c.islower() or c.isdigit() or c == "_") for c in name):
                raise api_error(400, "Bad Request: BOT_COMMAND_INVALID")
            cleaned.append({"command": name, "description": description})
        self.commands[self._command_key(p)] = cleaned
        return True

    async def _delete_my_commands(self, p: JSON) -> bool:
        self.commands.pop(self._command_key(p), None)
        return True

    async def _get_my_commands(self, p: JSON) -> list[JSON]:
        return self.commands.get(self._command_key(p), [])

    # -- the test side ------------------------------------------------------------------------

    def create_user(
        self, first_name: str, last_name: str | None, username: str | None, language_code: str
    ) -> JSON:
        """A user and their (not yet started) private chat with the bot."""
        user: JSON = {"id": 1_000_000 + next(self._serial), "is_bot": False}
        user |= {"first_name": first_name, "last_name": last_name, "username": username}
        user = {k: v for k, v in user.items() if v is not None}
        user["language_code"] = language_code
        self.users[user["id"]] = user
        private = {k: v for k, v in user.items() if k not in ("is_bot", "language_code")}
        self.chats[user["id"]] = Chat({**private, "type": "private"})
        return user

    def create_chat(self, kind: str, title: str, username: str | None) -> JSON:
        """A group, supergroup or channel the bot is already a member (or admin) of."""
        serial = next(self._serial)
        ids = {"group": -5_000_000 - serial, "supergroup": -1_001_000_000_000 - serial}
        ids["channel"] = ids["supergroup"]
        if kind not in ids:
            raise api_error(400, f"unknown chat type {kind!r}")
        payload: JSON = {"id": ids[kind], "type": kind, "title": title}
        if username:
            payload["username"] = username
        chat = Chat(payload, started=True)
        self.chats[chat.id] = chat
        return payload

    def _sender(self, chat: Chat, user_id: int | None) -> JSON:
        """`from` (users) or `sender_chat` (channel posts) for a message the test side sends."""
        if chat.type == "channel":
            return {"sender_chat": chat.payload}
        user = self.users.get(user_id) if user_id is not None else None
        if user is None:
            raise api_error(400, f"unknown user {user_id}")
        if chat.type == "private" and chat.id != user_id:
            raise api_error(400, "a private chat only has its own user")
        return {"from": user}

    def _reaches_bot(self, chat: Chat, payload: JSON) -> bool:
        """Group privacy mode: only commands, replies to the bot and mentions get through."""
        if chat.type not in ("group", "supergroup") or not self.privacy_mode:
            return True
        body = str(payload.get("text") or payload.get("caption") or "")
        entities = payload.get("entities") or payload.get("caption_entities") or []
        me = f"@{self.bot['username']}".lower()
        for entity in entities:
            word = _utf16_slice(body, entity["offset"], entity["length"]).lower()
            if entity["type"] == "bot_command" and ("@" not in word or word.endswith(me)):
                return True
            if entity["type"] == "mention" and word == me:
                return True
        reply = payload.get("reply_to_message") or {}
        return bool(reply.get("from", {}).get("id") == self.bot["id"])

    def _content(self, spec: JSON) -> tuple[JSON, StoredFile | None]:
        """Message fields for one kind of user message, registering any file it carries."""
        kind = spec.get("kind", "text")
        if kind == "text":
            text = str(spec.get("text", ""))
            entities = spec.get("entities") or detect_entities(text)
            return {"text": text, **({"entities": entities} if entities else {})}, None
        if kind == "location":
            where = {"latitude": spec["latitude"], "longitude": spec["longitude"]}
            return {"location": where}, None
        if kind == "contact":
            contact = {k: spec.get(k) for k in ("phone_number", "first_name", "last_name")}
            contact["user_id"] = spec.get("contact_user_id")
            return {"contact": {k: v for k, v in contact.items() if v is not None}}, None
        if kind in ("venue", "dice", "poll"):
            return {kind: _gadget(kind, spec, next(self._serial))}, None
        if kind not in FILE_KINDS:
            raise api_error(400, f"unknown message kind {kind!r}")
        data = bytes.fromhex(spec.get("data_hex", "")) or b"\0" * int(spec.get("size", 1024))
        file = self.store_file(kind, spec.get("file_name"), spec.get("mime_type"), data)
        content: JSON = {kind: _media(kind, file, spec)}
        caption = spec.get("caption")
        if caption:
            content["caption"] = caption
            entities = detect_entities(caption)
            if entities:
                content["caption_entities"] = entities
        return content, file

    def user_message(
        self, chat_id: int, user_id: int | None, spec: JSON
    ) -> tuple[JSON, int | None]:
        """A user (or channel) writes: store the message and queue the update the bot gets."""
        chat = self._chat(chat_id)
        content, file = self._content(spec)
        payload: JSON = {
            "message_id": chat.allocate_id(),
            **self._sender(chat, user_id),
            "chat": chat.payload,
            "date": now(),
            **content,
        }
        if spec.get("forward_origin"):
            payload["forward_origin"] = {"date": now(), **spec["forward_origin"]}
        if spec.get("reply_to_message_id") is not None:
            target = self._message(chat, spec["reply_to_message_id"], "no such message to reply")
            payload["reply_to_message"] = _without_reply(target.payload)
        chat.add(StoredMessage(payload, from_bot=False, file=file))
        if chat.type == "private":
            chat.started = True
        kind = "channel_post" if chat.type == "channel" else "message"
        queued = copy.deepcopy(payload)  # a later edit must not rewrite the pending update
        update_id = self._enqueue(kind, queued) if self._reaches_bot(chat, payload) else None
        return payload, update_id

    def user_edit(self, chat_id: int, message_id: int, text: str) -> tuple[JSON, int | None]:
        """A user edits their own text message: Telegram sends edited_message."""
        chat = self._chat(chat_id)
        message = self._message(chat, message_id, "no such message")
        if message.from_bot or "text" not in message.payload:
            raise api_error(400, "only a user's own text message can be edited")
        entities = detect_entities(text)
        message.payload["text"] = text
        message.payload.pop("entities", None)
        if entities:
            message.payload["entities"] = entities
        message.payload["edit_date"] = now()
        message.version += 1
        kind = "edited_channel_post" if chat.type == "channel" else "edited_message"
        edited = copy.deepcopy(message.payload)
        update_id = self._enqueue(kind, edited) if self._reaches_bot(chat, edited) else None
        return edited, update_id

    def press(
        self, chat_id: int, user_id: int, message_id: int, button: str | None, data: str | None
    ) -> tuple[str, int | None]:
        """A user presses an inline button (by text or callback_data) or forges callback data."""
        chat = self._chat(chat_id)
        message = self._message(chat, message_id, f"no message {message_id} in chat {chat_id}")
        if not message.from_bot:
            raise api_error(400, "only the bot's messages have buttons")
        if data is None:
            rows = (message.payload.get("reply_markup") or {}).get("inline_keyboard", [])
            buttons = list(itertools.chain.from_iterable(rows))
            wanted = (b for b in buttons if button in (b["text"], b.get("callback_data")))
            found = next(wanted, None)
            if found is None or "callback_data" not in found:
                shown = [b["text"] for b in buttons]
                raise api_error(400, f"no callback button {button!r} on the message; has {shown}")
            data = str(found["callback_data"])
        user = self.users.get(user_id)
        if user is None:
            raise api_error(400, f"unknown user {user_id}")
        query_id = str(next(self._serial) * 7_919 + 4_000_000_000_000_000_000)
        self.queries[query_id] = Query()
        query = {
            "id": query_id,
            "from": user,
            "message": copy.deepcopy(message.payload),
            "chat_instance": self._chat_instance(chat.id),
            "data": data,
        }
        return query_id, self._enqueue("callback_query", query)

    def _chat_instance(self, chat_id: int) -> str:
        """A stable opaque id per chat, as Telegram gives in every callback query."""
        digest = hashlib.sha256(f"{self.bot['id']}:{chat_id}".encode()).digest()
        return str(int.from_bytes(digest[:8], "big", signed=True))

    def set_blocked(self, user_id: int, blocked: bool) -> int | None:
        """The user blocks (or unblocks) the bot: sends fail and my_chat_member is queued."""
        chat = self._chat(user_id)
        if chat.type != "private":
            raise api_error(400, "only users block bots")
        chat.blocked = blocked
        member = {"status": "member", "user": self.bot}
        kicked = {"status": "kicked", "user": self.bot, "until_date": 0}
        return self._enqueue(
            "my_chat_member",
            {
                "chat": chat.payload,
                "from": self.users[user_id],
                "date": now(),
                "old_chat_member": member if blocked else kicked,
                "new_chat_member": kicked if blocked else member,
            },
        )

    def inject(self, update: JSON) -> int | None:
        """Queue an arbitrary update object (its update_id is assigned here)."""
        kinds = [k for k in update if k != "update_id"]
        if len(kinds) != 1:
            raise api_error(400, "an update has exactly one field besides update_id")
        return self._enqueue(kinds[0], update[kinds[0]])

    def bot_messages(self, chat_id: int, after: int) -> list[StoredMessage]:
        """The bot's messages in a chat with ids above `after`, oldest first."""
        chat = self._chat(chat_id)
        return [m for i, m in sorted(chat.messages.items()) if i > after and m.from_bot]

    def stored(self, chat_id: int, message_id: int) -> StoredMessage:
        chat = self._chat(chat_id)
        message = chat.messages.get(message_id)
        if message is None:
            raise api_error(400, f"no message {message_id} in chat {chat_id}")
        return message


def _without_reply(payload: JSON) -> JSON:
    """A message as embedded in reply_to_message (Telegram does not nest replies further)."""
    return {k: copy.deepcopy(v) for k, v in payload.items() if k != "reply_to_message"}


def _media(kind: str, file: StoredFile, spec: JSON | None = None) -> Any:
    """The Bot API object for a file of one kind (a photo is a list of sizes)."""
    spec = spec or {}
    base: JSON = {
        "file_id": file.file_id,
        "file_unique_id": file.unique_id,
        "file_size": len(file.data),
    }
    if kind == "photo":
        return [base | {"width": spec.get("width", 512), "height": spec.get("height", 512)}]
    if kind == "sticker":
        extra: JSON = {"width": 512, "height": 512, "is_animated": False, "is_video": False}
        return base | extra | {"type": "regular", "emoji": spec.get("emoji", "👍")}
    if kind in ("voice", "video", "audio", "animation", "video_note"):
        base["duration"] = int(spec.get("duration", 3))
    if kind in ("video", "animation"):
        base |= {"width": spec.get("width", 640), "height": spec.get("height", 360)}
    if kind == "video_note":
        base["length"] = int(spec.get("length", 240))
    if kind in ("document", "video", "audio", "animation") and file.name:
        base["file_name"] = file.name
    default_mime = {"voice": "audio/ogg", "video": "video/mp4", "audio": "audio/mpeg"}.get(kind)
    mime = file.mime_type or default_mime
    if mime:
        base["mime_type"] = mime
    return base


def _gadget(kind: str, spec: JSON, serial: int) -> JSON:
    """A venue, a dice throw or a poll: message content that carries no file."""
    if kind == "venue":
        where = {"latitude": spec.get("latitude", 51.45), "longitude": spec.get("longitude", -0.97)}
        return {
            "location": where,
            "title": spec.get("title", "Town hall"),
            "address": spec.get("address", "1 High Street"),
        }
    if kind == "dice":
        return {"emoji": spec.get("emoji", "🎲"), "value": int(spec.get("value", 3))}
    options = spec.get("options") or ["Yes", "No"]
    return {
        "id": str(serial),
        "question": spec.get("question", "Which?"),
        "options": [
            {"text": str(option), "voter_count": 0, "persistent_id": str(index)}
            for index, option in enumerate(options)
        ],
        "total_voter_count": 0,
        "is_closed": False,
        "is_anonymous": True,
        "type": "regular",
        "allows_multiple_answers": False,
        "allows_revoting": True,
        "members_only": False,
    }


def _utf16_slice(text: str, offset: int, length: int) -> str:
    units = text.encode("utf-16-le")
    return units[2 * offset : 2 * (offset + length)].decode("utf-16-le", "replace")


def _loggable(value: Any) -> Any:
    """Call-log form of a parameter: uploads become their file name and size."""
    if isinstance(value, Upload):
        return {"file_name": value.filename, "size": len(value.data)}
    return value
