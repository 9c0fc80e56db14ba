"""The webhook server (bot.telegram.webhook): the update route, /healthz and a draining stop.

In process over the emulator's World (no Telegram sockets; the HTTP server is real), then
replicas as real processes: two on one PostgreSQL behind a round-robin balancer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.config import Config
from bot.errors import ConfigError
from bot.logs import CHATTY
from bot.storage import StorageUnavailable
from bot.telegram import webhook
from bot.telegram.application import build_application
from bot.telegram.services import Services
from bot.telegram.webhook import MAX_BODY, MAX_DEPTH, RateLimited, connection_cap, serve
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
        malformed = {**HEADERS, "Content-Type": "application/json"}
        async with session.post(f"{bot.url}/{PATH}", data=b"{", headers=malformed) as response:
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


JSON_TYPE = {"Content-Type": "application/json"}


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def with_id(update: dict[str, Any], where: str, value: int) -> bytes:
    """`update` with the integer at `where` (a dotted path) replaced by `value`, as JSON."""
    changed = json.loads(json.dumps(update))
    *parents, last = where.split(".")
    node = changed
    for key in parents:
        node = node[key]
    node[last] = value
    return json.dumps(changed).encode()


async def raw_request(url: str, head: bytes, body: bytes = b"") -> int:
    """Send `head` (and the start of a body) on a bare socket; the status of the answer."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(head + body)
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 5)
        return int(status_line.split()[1])
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


def logged(records: list[logging.LogRecord]) -> list[logging.LogRecord]:
    """What a deployment's log shows: INFO and up, third parties (the job queue's scheduler
    reporting its runs, say) only from WARNING, as `bot.logs.configure` sets it."""
    return [
        r
        for r in records
        if r.levelno >= (logging.WARNING if r.name.split(".")[0] in CHATTY else logging.INFO)
    ]


async def test_bad_bodies_get_a_4xx_and_one_log_line_never_a_500(
    config: Config,
    library: Library,
    session: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each refusal is one line (the rate limit is lifted here: `RateLimited` has its own test)."""
    monkeypatch.setattr(webhook, "LOG_BURST", 1000)
    async with replica(config, library) as bot:
        user = bot.world.create_user("Sam", None, None, "en")["id"]
        good = bot.typed(user, "/start")
        cases: list[tuple[str, bytes, dict[str, str], int]] = [
            ("nested 50,000 deep", nested(50_000), JSON_TYPE, 400),
            (f"nested {MAX_DEPTH + 1} deep", nested(MAX_DEPTH + 1), JSON_TYPE, 400),
            (
                "deep inside an update",
                json.dumps({**good, "x": "@"}).encode().replace(b'"@"', nested(5_000)),
                JSON_TYPE,
                400,
            ),
            (
                "nested 100 deep where an update ignores it",
                json.dumps({**good, "x": "@"}).encode().replace(b'"@"', nested(100)),
                JSON_TYPE,
                400,
            ),
            ("a huge integer", b'{"update_id": 1' + b"0" * 100_000 + b"}", JSON_TYPE, 400),
            ("huge, within the size limit", b"[" + b"0," * 400_000 + b"0]", JSON_TYPE, 400),
            ("not JSON", b"update_id=1", JSON_TYPE, 400),
            ("not UTF-8", b'{"update_id": 1, "x": "\xff\xfe"}', JSON_TYPE, 400),
            ("NaN", b'{"update_id": NaN}', JSON_TYPE, 400),
            ("empty", b"", JSON_TYPE, 400),
            ("JSON, not an update", b'{"hello": "world"}', JSON_TYPE, 400),
            ("a date beyond the calendar", with_id(good, "message.date", 2**62), JSON_TYPE, 400),
            ("wrong content type", json.dumps(good).encode(), {"Content-Type": "text/plain"}, 415),
            ("no content type", json.dumps(good).encode(), {}, 415),
        ]
        for where in ("update_id", "message.chat.id", "message.from.id"):
            for value in (2**63, 2**80, -(2**63) - 1):
                cases.append((f"{where} = {value}", with_id(good, where, value), JSON_TYPE, 400))
        for name, body, headers, expected in cases:
            caplog.clear()
            with caplog.at_level(logging.DEBUG):
                async with session.post(
                    f"{bot.url}/{PATH}", data=body, headers={**HEADERS, **headers}
                ) as response:
                    status = response.status
            lines = logged(caplog.records)
            assert status == expected, name
            assert [r.name for r in lines] == ["bot.telegram.webhook"], (name, caplog.text)
            assert lines[0].exc_info is None and "Traceback" not in caplog.text, name
            if "nested" in name:
                assert f"deeper than {MAX_DEPTH}" in lines[0].getMessage(), name
        # Too large: refused from the headers alone, the body never read.
        caplog.clear()
        head = (
            f"POST /{PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"{HEADERS_KEY}: {SECRET}\r\nContent-Length: {MAX_BODY + 1}\r\n\r\n"
        ).encode()
        with caplog.at_level(logging.DEBUG):
            assert await raw_request(bot.url, head, b"[" * 1000) == 413
            await asyncio.sleep(0.1)
        lines = logged(caplog.records)
        assert [r.name for r in lines] == ["bot.telegram.webhook"], caplog.text
        # An update at the edge of the ranges is an update: 2**63 - 1 fits.
        assert (
            await bot.post(session, json.loads(with_id(good, "update_id", 2**63 - 1)), **HEADERS)
            == 200
        )
        assert bot.world.bot_messages(user, 0), "the good update was handled"


def test_the_cap_leaves_room_under_the_open_file_limit() -> None:
    assert connection_cap(1024)[0] == (1024 - webhook.RESERVED_FDS) // 2
    for limit in (256, 1024, 4096, 65536, 1 << 20):
        cap, why = connection_cap(limit)
        assert 16 <= cap <= 1024 and str(limit) in why
        assert cap + webhook.RESERVED_FDS <= max(limit, 16 + webhook.RESERVED_FDS)


def test_the_log_rate_limit_lets_a_burst_through_then_a_few_a_second() -> None:
    now = [100.0]
    limiter = RateLimited(burst=5, per_second=2.0, clock=lambda: now[0])

    def accept_failed() -> logging.LogRecord:  # each call logs a new record, as logging does
        return logging.LogRecord("asyncio", logging.ERROR, __file__, 1, "accept failed", None, None)

    assert sum(limiter.filter(accept_failed()) for _ in range(100_000)) == 5
    now[0] += 0.4  # less than a token's worth of time: still dropped
    assert not limiter.filter(accept_failed())
    now[0] += 0.2
    record = accept_failed()
    assert limiter.filter(record) and "99996 more like this dropped" in str(record.msg)
    assert not limiter.filter(accept_failed())  # that token is spent
    now[0] += 60.0  # a long quiet refills the burst, no more
    assert sum(limiter.filter(accept_failed()) for _ in range(10)) == 5
    other = logging.LogRecord("asyncio", logging.ERROR, __file__, 1, "another", None, None)
    assert limiter.filter(other)  # one flood does not silence other messages


def test_depth_is_measured_without_parsing_and_strings_do_not_count() -> None:
    within = webhook._depth_within
    assert within(nested(MAX_DEPTH), MAX_DEPTH)
    assert not within(nested(MAX_DEPTH + 1), MAX_DEPTH)
    assert within(b'{"a": "' + b"[" * 1000 + b'"}', MAX_DEPTH)
    assert within(b'{"a": "\\"' + b"}" * 3, MAX_DEPTH)  # an escaped quote ends no string
    assert not within(b'["\\\\"' + nested(100) + b'"]', MAX_DEPTH)  # "\\" is a whole string
    started = time.perf_counter()
    assert within(b'"\\' * 300_000, MAX_DEPTH)  # no backtracking on unterminated strings
    assert time.perf_counter() - started < 10.0  # backtracking would take hours, not seconds


async def test_idle_and_slow_connections_beyond_the_cap_do_not_crowd_out_health_or_updates(
    config: Config,
    library: Library,
    session: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the open-file limit said to be 352, the cap is 16: hold 80 idle and slow ones."""
    monkeypatch.setattr(webhook, "_open_file_limit", lambda: 352)
    with caplog.at_level(logging.INFO):
        async with replica(config, library) as bot:
            host, port = bot.url.removeprefix("http://").split(":")
            held = []
            for index in range(80):
                _reader, writer = await asyncio.open_connection(host, int(port))
                if index % 2:  # a slow sender: half a request line, then nothing
                    writer.write(b"POST /" + PATH.encode())
                held.append(writer)
            await asyncio.sleep(0.2)
            started = time.perf_counter()
            status, _ = await bot.health(session)
            health_s = time.perf_counter() - started
            user = bot.world.create_user("Sam", None, None, "en")["id"]
            started = time.perf_counter()
            assert await bot.post(session, bot.typed(user, "/start"), **HEADERS) == 200
            update_s = time.perf_counter() - started
            for writer in held:
                writer.close()
    cap_lines = [r.getMessage() for r in caplog.records if "connections at once" in r.getMessage()]
    assert cap_lines == [
        "webhook: at most 16 connections at once (open-file limit 352: half of what is left "
        "after 320 kept for the Bot API, the database and logs, within 16..1024)"
    ]
    # Starved, they would wait for the client's timeout; served, well under a second.
    assert status == 200 and health_s < 10.0 and update_s < 10.0, (health_s, update_s)
    evictions = [r for r in caplog.records if "closed the oldest idle" in r.getMessage()]
    assert 1 <= len(evictions) <= webhook.LOG_BURST + 2  # 64+ evictions, a few lines


async def test_health_checks_without_the_secret_never_crowd_out_updates(
    config: Config,
    library: Library,
    session: aiohttp.ClientSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Cap 16, and 16 connections each asking /healthz while the database is slow to answer:
    an update with the secret still gets through, and the database is pinged once at a time."""
    monkeypatch.setattr(webhook, "_open_file_limit", lambda: 352)
    async with replica(config, library) as bot:
        pings = {"now": 0, "most": 0}
        real_ping = bot.services.store.ping

        async def slow_ping() -> None:
            pings["now"] += 1
            pings["most"] = max(pings["most"], pings["now"])
            await asyncio.sleep(0.5)
            await real_ping()
            pings["now"] -= 1

        bot.services.store.ping = slow_ping  # type: ignore[method-assign]
        host, port = bot.url.removeprefix("http://").split(":")
        request = f"GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n".encode() * 20
        writers = []
        for _ in range(16):
            _reader, writer = await asyncio.open_connection(host, int(port))
            writer.write(request)  # pipelined: each connection keeps asking
            writers.append(writer)
        await asyncio.sleep(0.2)
        user = bot.world.create_user("Sam", None, None, "en")["id"]
        started = time.perf_counter()
        assert await bot.post(session, bot.typed(user, "/start"), **HEADERS) == 200
        update_s = time.perf_counter() - started
        for writer in writers:
            writer.close()
    assert update_s < 10.0, update_s  # behind 320 pings of 0.5 s it would take minutes
    assert pings["most"] == 1, pings
