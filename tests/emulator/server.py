"""HTTP face of the emulator: the Bot API, file downloads, webhook delivery and `/_test/` control.

Routes (TOKEN is the bot token, as in Telegram's URLs):
    GET|POST /botTOKEN/METHOD        Bot API; JSON, urlencoded or multipart bodies, or a query
    GET      /file/botTOKEN/PATH     file download (PTB's base_file_url)
    POST     /_test/OP               control API used by `client.EmulatorClient`

Run alone with `python -m tests.emulator --port N --token T`; it prints one line
`READY_PREFIX http://HOST:PORT` when listening and stops on SIGTERM/SIGINT. The access log is
off because Bot API URLs carry the token.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp import web

from .client import DEFAULT_TOKEN, READY_PREFIX, EmulatorClient
from .world import JSON, StoredMessage, Upload, Webhook, World, api_error

WORLD = web.AppKey("world", World)
OPS = web.AppKey("control_ops", dict[str, Callable[[JSON], Awaitable[Any]]])
MAX_UPLOAD = 60 * 1024 * 1024  # above Telegram's 50 MB limit for bots
RETRY_FIRST, RETRY_MAX = 0.05, 2.0  # webhook retry back-off, seconds (Telegram's is slower)


async def _read_params(request: web.Request) -> JSON:
    """Merge the query string with a JSON, urlencoded or multipart body."""
    params: JSON = dict(request.query)
    if not request.body_exists:
        return params
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise api_error(400, "Bad Request: can't parse JSON object") from None
        if not isinstance(body, dict):
            raise api_error(400, "Bad Request: can't parse JSON object")
        params.update(body)
        return params
    form = await request.post()
    for name, value in form.items():
        if isinstance(value, web.FileField):
            params[name] = Upload(value.filename, value.content_type, value.file.read())
        else:
            params[name] = value
    return params


async def _bot_api(request: web.Request) -> web.Response:
    world = request.app[WORLD]
    if request.match_info["token"] != world.token or world.logged_out:
        raise api_error(401, "Unauthorized")
    method, params = request.match_info["method"], await _read_params(request)
    # aiohttp cancels a handler whose caller has gone: a bot killed meanwhile has its call
    # dropped, as if the network lost it
    await asyncio.sleep(world.latency.get(method, 0.0))
    result = await world.call(method, params)
    return web.json_response({"ok": True, "result": result})


async def _download(request: web.Request) -> web.Response:
    world = request.app[WORLD]
    if request.match_info["token"] != world.token:
        raise api_error(401, "Unauthorized")
    file = world.file_at(request.match_info["path"])
    if file is None:
        raise api_error(404, "Not Found")
    return web.Response(body=file.data, content_type=file.mime_type or "application/octet-stream")


def _control_ops(world: World) -> dict[str, Callable[[JSON], Awaitable[Any]]]:
    """The `/_test/` operations: each takes the JSON body and returns the `result`."""

    async def reset(body: JSON) -> bool:
        world.reset()
        return True

    async def users(body: JSON) -> JSON:
        return world.create_user(
            body.get("first_name", "Alice"),
            body.get("last_name"),
            body.get("username"),
            body.get("language_code", "en"),
        )

    async def chats(body: JSON) -> JSON:
        return world.create_chat(body["type"], body.get("title", "Test chat"), body.get("username"))

    async def send(body: JSON) -> JSON:
        message, update_id = world.user_message(body["chat_id"], body.get("user_id"), body)
        return {"message": message, "update_id": update_id}

    async def edit(body: JSON) -> JSON:
        message, update_id = world.user_edit(body["chat_id"], body["message_id"], body["text"])
        return {"message": message, "update_id": update_id}

    async def press(body: JSON) -> JSON:
        where = (body["chat_id"], body["user_id"], body["message_id"])
        query_id, update_id = world.press(*where, body.get("button"), body.get("data"))
        return {"callback_query_id": query_id, "update_id": update_id}

    async def block(body: JSON) -> JSON:
        return {"update_id": world.set_blocked(body["user_id"], bool(body.get("blocked", True)))}

    async def update(body: JSON) -> JSON:
        return {"update_id": world.inject(body["update"])}

    async def bot_messages(body: JSON) -> list[JSON]:
        chat_id, after, count = body["chat_id"], body.get("after", 0), body.get("count", 0)

        def enough() -> list[StoredMessage] | None:
            found = world.bot_messages(chat_id, after)
            return found[:count] if count and len(found) >= count else None

        if not count:
            return [m.snapshot() for m in world.bot_messages(chat_id, after)]
        found = await world.wait_until(enough, body.get("timeout", 0.0))
        if found is None:
            arrived = world.bot_messages(chat_id, after)
            got = [m.payload.get("text", m.snapshot()["kind"]) for m in arrived]
            raise api_error(408, f"expected {count} new bot message(s) in {chat_id}, got {got}")
        return [m.snapshot() for m in found]

    async def bot_message(body: JSON) -> JSON:
        chat_id, message_id, newer = body["chat_id"], body["message_id"], body.get("newer_than", -1)

        def changed() -> StoredMessage | None:
            message = world.stored(chat_id, message_id)
            return message if message.version > newer or message.deleted else None

        message = await world.wait_until(changed, body.get("timeout", 0.0))
        if message is None:
            raise api_error(408, f"message {message_id} in chat {chat_id} was not edited")
        return message.snapshot()

    async def answer(body: JSON) -> JSON:
        query_id = str(body["callback_query_id"])
        if query_id not in world.queries:
            raise api_error(400, f"unknown callback query {query_id}")
        query = world.queries[query_id]
        answer = await world.wait_until(lambda: query.answer, body.get("timeout", 0.0))
        if answer is None:
            raise api_error(408, f"callback query {query_id} was not answered")
        return answer

    async def calls(body: JSON) -> list[JSON]:
        method, count = str(body.get("method", "")).lower(), body.get("count", 0)

        def matching() -> list[JSON] | None:
            found = [c for c in world.calls if not method or c["method"].lower() == method]
            return found if len(found) >= count else None

        found = await world.wait_until(matching, body.get("timeout", 0.0))
        if found is None:
            raise api_error(408, f"expected {count} call(s) of {method or 'any method'}")
        return found

    async def latency(body: JSON) -> bool:
        world.latency[str(body["method"])] = float(body["seconds"])
        return True

    return {
        "reset": reset,
        "users": users,
        "chats": chats,
        "send": send,
        "edit": edit,
        "press": press,
        "block": block,
        "update": update,
        "bot_messages": bot_messages,
        "bot_message": bot_message,
        "answer": answer,
        "calls": calls,
        "latency": latency,
    }


async def _control(request: web.Request) -> web.Response:
    ops = request.app[OPS]
    op = ops.get(request.match_info["op"])
    if op is None:
        raise api_error(404, f"unknown control operation; known: {sorted(ops)}")
    try:
        result = await op(await request.json() if request.body_exists else {})
    except (KeyError, TypeError, ValueError) as exc:
        raise api_error(400, f"bad control request: {exc!r}") from None
    return web.json_response({"ok": True, "result": result})


async def _deliver_webhooks(world: World) -> None:
    """POST queued updates to the webhook, up to its max_connections at once, like Telegram."""
    backoff = [RETRY_FIRST]  # shared: a failing webhook slows every delivery, as on Telegram
    posting: set[asyncio.Task[None]] = set()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        try:
            while (job := await world.wait_until(world.next_delivery, None)) is not None:
                task = asyncio.create_task(_post_update(session, world, *job, backoff))
                posting.add(task)
                task.add_done_callback(posting.discard)
        finally:
            for task in posting:
                task.cancel()
            await asyncio.gather(*posting, return_exceptions=True)


async def _post_update(
    session: aiohttp.ClientSession, world: World, hook: Webhook, update: JSON, backoff: list[float]
) -> None:
    """One POST; a failure keeps the update in flight through the back-off, then frees it."""
    secret = hook.secret_token
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
    error: str | None = None
    try:
        async with session.post(hook.url, json=update, headers=headers) as response:
            if not 200 <= response.status < 300:
                error = f"Wrong response from the webhook: {response.status} {response.reason}"
    except aiohttp.ClientConnectorError:
        error = "Connection refused"
    except TimeoutError:
        error = "Read timeout expired"
    except aiohttp.ClientError as exc:
        error = f"Connection failed: {type(exc).__name__}"
    if error is None:
        backoff[0] = RETRY_FIRST
    else:
        world.failed(hook, error)
        await world.wait_until(_replaced(world, hook), backoff[0])
        backoff[0] = min(backoff[0] * 2, RETRY_MAX)
    world.delivered(hook, update["update_id"], error)


def _replaced(world: World, hook: Webhook) -> Callable[[], bool | None]:
    """A wait_until probe: has the bot set another webhook (or deleted it) since `hook`?"""
    return lambda: True if world.webhook is not hook else None


@contextlib.asynccontextmanager
async def serving(world: World, host: str, port: int) -> AsyncIterator[str]:
    """Serve `world` over HTTP while inside the block; yields the root URL."""
    app = web.Application(client_max_size=MAX_UPLOAD)
    app[WORLD] = world
    app[OPS] = _control_ops(world)
    app.router.add_route("*", "/bot{token}/{method}", _bot_api)
    app.router.add_get("/file/bot{token}/{path:.+}", _download)
    app.router.add_post("/_test/{op}", _control)
    runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0)
    await runner.setup()
    delivery = asyncio.create_task(_deliver_webhooks(world))
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        yield f"http://{host}:{site.port}"
    finally:
        world.close()
        delivery.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await delivery
        await runner.cleanup()


class Emulator:
    """A Telegram Bot API for one bot token, served from this process while `run()` is open."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_name: str = "Infoshare Test Bot",
        bot_username: str = "infoshare_test_bot",
        privacy_mode: bool = True,
    ) -> None:
        self.token = token
        self.bot_name = bot_name
        self.bot_username = bot_username
        self.privacy_mode = privacy_mode

    @contextlib.asynccontextmanager
    async def run(self, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[EmulatorClient]:
        """Serve a fresh world; port 0 picks a free port. Yields the test-side client."""
        async with (
            serving(self.world(), host, port) as url,
            EmulatorClient(url, self.token) as client,
        ):
            yield client

    def world(self) -> World:
        """A fresh, empty world for this bot."""
        return World(
            self.token,
            bot_name=self.bot_name,
            bot_username=self.bot_username,
            privacy_mode=self.privacy_mode,
        )


async def _serve_until_signalled(emulator: Emulator, host: str, port: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with serving(emulator.world(), host, port) as url:
        print(f"{READY_PREFIX} {url}", flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    """`python -m tests.emulator`: serve until SIGTERM/SIGINT."""
    parser = argparse.ArgumentParser(prog="python -m tests.emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--bot-name", default="Infoshare Test Bot")
    parser.add_argument("--bot-username", default="infoshare_test_bot")
    parser.add_argument(
        "--no-privacy", action="store_true", help="bot reads all group messages (privacy off)"
    )
    args = parser.parse_args(argv)
    emulator = Emulator(
        args.token,
        bot_name=args.bot_name,
        bot_username=args.bot_username,
        privacy_mode=not args.no_privacy,
    )
    asyncio.run(_serve_until_signalled(emulator, args.host, args.port))
