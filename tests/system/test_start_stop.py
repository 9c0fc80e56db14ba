"""Starting against a Bot API that fails, and stopping while it is unreachable, as a real process.

`infoshare-bot run` must say what went wrong in one sentence (exit 2, no traceback, no ERROR line
from the library), and SIGTERM must stop it within seconds even while every request to Telegram
hangs.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp import web
from yarl import URL

from tests.emulator import EmulatorClient
from tests.support.e2e import TOKEN, TOKEN_ENV, Launcher, bot_env, free_port
from tests.support.tcpproxy import TcpProxy

pytestmark = pytest.mark.asyncio(loop_scope="module")
STOPS_WITHIN = 5.0


@pytest_asyncio.fixture(loop_scope="module")
async def launcher(telegram: EmulatorClient, tmp_path: Path) -> AsyncIterator[Launcher]:
    runs = Launcher(telegram, tmp_path)
    yield runs
    await runs.close()


async def test_a_bot_api_answering_500_at_start_up_gives_one_sentence_and_exit_2(
    launcher: Launcher,
) -> None:
    async def broken(request: web.Request) -> web.Response:
        body = {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        return web.json_response(body, status=500)

    server = web.Application()
    server.router.add_route("*", "/{tail:.*}", broken)
    runner = web.AppRunner(server)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    launcher.base_url = f"http://127.0.0.1:{port}"
    try:
        code, out, err = await launcher.run_to_exit("run", env=bot_env(**{TOKEN_ENV: TOKEN}))
    finally:
        await runner.cleanup()
    assert code == 2, err
    assert out == ""
    assert "Traceback" not in err and " ERROR " not in err, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("infoshare-bot: Cannot reach the Telegram Bot API at http://127.0.0"), (
        err
    )


@pytest.mark.parametrize("outage", ["hang", "cut"])
async def test_sigterm_while_the_bot_api_is_unreachable_stops_within_seconds(
    launcher: Launcher, outage: str
) -> None:
    emulator = URL(launcher.telegram.url)
    async with TcpProxy(emulator.host or "127.0.0.1", emulator.port or 80) as proxy:
        launcher.base_url = f"http://127.0.0.1:{proxy.port}"
        bot = await launcher.start()
        await (proxy.hang() if outage == "hang" else proxy.cut())
        await asyncio.sleep(1.0)  # a long poll or a retry is under way
        started = time.monotonic()
        code = await bot.stop()
        took = time.monotonic() - started
    print(f"\n[stop while the Bot API is unreachable ({outage})] exit {code} in {took:.2f} s")
    assert took <= STOPS_WITHIN, f"took {took:.1f} s"
    assert "Traceback" not in bot.log_text()
