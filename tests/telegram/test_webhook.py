"""The webhook server (bot.telegram.webhook): the update route, /healthz and a draining stop.

In process over the emulator's World (no Telegram sockets; the HTTP server is real), then
replicas as real processes: two on one PostgreSQL behind a round-robin balancer.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.config import Config
from bot.errors import ConfigError
from bot.storage import StorageUnavailable
from bot.telegram.application import build_application
from bot.telegram.services import Services
from bot.telegram.webhook import serve
from states import Library
from tests.emulator.world import World
from tests.support.e2e import free_port
from tests.support.offline import PSEUDONYMS, TOKEN, WorldRequest

SECRET = "webhook-test_Secret-0042"
PATH = "hook"
HEADERS_KEY = "X-Telegram-Bot-Api-Secret-Token"
HEADERS = {HEADERS_KEY: SECRET}


class Replica:
    """One `serve` running in this process on a free port, over an in-process World."""

    def __init__(self, world: World, port: int, task: asyncio.Task[None], services: Services):
        self.world = world
        self.url = f"http://127.0.0.1:{port}"
        self.task = task
        self.services = services

    def typed(self, user: int, text: str) -> dict[str, Any]:
        """The raw update Telegram would POST for `text` typed by `user`."""
        self.world.user_message(user, user, {"text": text})
        return self.world.pending.pop()

    async def post(self, session: aiohttp.ClientSession, update: Any, **headers: str) -> int:
        async with session.post(f"{self.url}/{PATH}", json=update, headers=headers) as response:
            return response.status

    async def health(self, session: aiohttp.ClientSession) -> tuple[int, dict[str, Any]]:
        async with session.get(f"{self.url}/healthz") as response:
            return response.status, await response.json()


@contextlib.asynccontextmanager
async def replica(config: Config, library: Library) -> AsyncIterator[Replica]:
    world = World(TOKEN, bot_name="Infoshare", bot_username="infoshare_bot", privacy_mode=True)
    app = build_application(config, library, TOKEN, PSEUDONYMS, request=WorldRequest(world))
    port = free_port()
    url = f"http://127.0.0.1:{port}/{PATH}"
    run = serve(app, listen="127.0.0.1", port=port, url_path=PATH, public_url=url, secret=SECRET)
    task = asyncio.create_task(run)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        for _ in range(200):
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(f"http://127.0.0.1:{port}/healthz"):
                    break
            await asyncio.sleep(0.02)
    try:
        yield Replica(world, port, task, app.services)
    finally:
        if not task.done():
            os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(task, 30)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as client:
        yield client


async def test_updates_need_the_secret_and_are_handled_before_the_answer(
    config: Config, library: Library, session: aiohttp.ClientSession
) -> None:
    async with replica(config, library) as bot:
        user = bot.world.create_user("Sam", None, None, "en")["id"]
        assert bot.world.webhook is not None and bot.world.webhook.secret_token == SECRET
        update = bot.typed(user, "/start")
        assert await bot.post(session, update) == 403
        assert await bot.post(session, update, **{HEADERS_KEY: "wrong"}) == 403
        assert bot.world.bot_messages(user, 0) == []
        assert await bot.post(session, update, **HEADERS) == 200
        # Telegram's 200 came after the reply: it is in the chat already.
        assert "immediate danger" in bot.world.bot_messages(user, 0)[-1].payload["text"]
        assert await bot.post(session, "not an update", **HEADERS) == 400
        async with session.post(f"{bot.url}/{PATH}", data=b"{", headers=HEADERS) as response:
            assert response.status == 400
        async with session.get(f"{bot.url}/{PATH}") as response:
            assert response.status == 403  # the secret is checked before anything else
        async with session.get(f"{bot.url}/{PATH}", headers=HEADERS) as response:
            assert response.status == 405


async def test_healthz_checks_the_database_and_the_dialogues(
    config: Config, library: Library, session: aiohttp.ClientSession
) -> None:
    async with replica(config, library) as bot:
        status, body = await bot.health(session)
        assert status == 200
        assert body["status"] == "ok" and body["database"] == "ok"
        assert body["dialogues"] == ["advice"]

        async def down() -> None:
            raise StorageUnavailable("database is locked")

        store = bot.services.store
        store.ping = down  # type: ignore[method-assign]
        status, body = await bot.health(session)
        assert (status, body["status"], body["database"]) == (503, "unavailable", "unreachable")
        del store.ping
        assert (await bot.health(session))[0] == 200


async def test_a_stop_finishes_the_updates_in_hand_and_refuses_new_ones(
    config: Config, library: Library, session: aiohttp.ClientSession
) -> None:
    async with replica(config, library) as bot:
        user = bot.world.create_user("Sam", None, None, "en")["id"]
        real = bot.world._methods["sendmessage"]
        release = asyncio.Event()

        async def slow(params: dict[str, Any]) -> Any:
            await release.wait()  # Telegram is slow to take this reply
            return await real(params)

        bot.world._methods["sendmessage"] = slow
        in_hand = asyncio.create_task(bot.post(session, bot.typed(user, "/start"), **HEADERS))
        await asyncio.sleep(0.3)
        assert not in_hand.done()
        os.kill(os.getpid(), signal.SIGTERM)  # what the orchestrator sends
        await asyncio.sleep(0.1)
        status, body = await bot.health(session)
        assert (status, body["status"], body["in_flight"]) == (503, "stopping", 1)
        assert await bot.post(session, bot.typed(user, "/rules"), **HEADERS) == 503
        release.set()
        assert await asyncio.wait_for(in_hand, 10) == 200
        await asyncio.wait_for(bot.task, 10)
        texts = [m.payload["text"] for m in bot.world.bot_messages(user, 0)]
        assert any("immediate danger" in t for t in texts)
        assert not any("golden rules" in t.lower() for t in texts)  # /rules was refused


async def test_a_port_in_use_stops_start_up_with_a_message_and_closes_everything(
    config: Config, library: Library
) -> None:
    world = World(TOKEN, bot_name="Infoshare", bot_username="infoshare_bot", privacy_mode=True)
    app = build_application(config, library, TOKEN, PSEUDONYMS, request=WorldRequest(world))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = serve(
            app, listen="127.0.0.1", port=port, url_path=PATH, public_url="http://x/", secret=SECRET
        )
        with pytest.raises(ConfigError, match=r"telegram\.webhook\.listen/port: cannot listen"):
            await run
    assert not app.running
    services = app.services
    with pytest.raises(StorageUnavailable):
        services.store  # noqa: B018 - closed by the shutdown, as on a normal stop
