"""A real `infoshare-bot run --webhook` under an open-file limit of 1,024, flooded with idle and
slow connections from loopback (more than its cap): /healthz and a real update, delivered by the
emulator as Telegram would, still answer within a second, and the log stays short.

Before the cap, 1,142 such connections used every file descriptor: /healthz timed out, updates
went unanswered and the accept loop logged a traceback per try (1.3 million lines in 15 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from tests.emulator import EmulatorClient
from tests.support.e2e import BotProcess, Launcher, Practitioner

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

OPEN_FILES = 1024
"""The child's open-file limit (soft and hard): a common service default."""
IDLE = 900
SLOW = 300
"""Connections opened: together more than the cap the bot chooses under `OPEN_FILES` (352)."""
FLOOD_SECONDS = 8.0
"""How long the connections are held (and opened again when the bot closes them)."""
REOPEN_AFTER = 0.5
"""Seconds a holder waits to reconnect once closed: a persistent client, not a tight loop."""
MAX_LOG_LINES = 300


class Limited(Launcher):
    """The launcher, with the bot run under `prlimit --nofile`."""

    def command(self, *args: str, port: int | None = None) -> list[str]:
        limit = f"--nofile={OPEN_FILES}:{OPEN_FILES}"
        return ["prlimit", limit, "--", *super().command(*args, port=port)]


@pytest_asyncio.fixture(loop_scope="module")
async def replica(
    telegram: EmulatorClient, tmp_path: Path
) -> AsyncIterator[tuple[int, BotProcess]]:
    """The replica's port, and its process."""
    launcher = Limited(telegram, tmp_path)
    try:
        yield launcher.port, await launcher.start(webhook=True)
    finally:
        await launcher.close()


class Flood:
    """Idle connections (connect, send nothing) and slow ones (a few header bytes, then
    nothing), each opened again `REOPEN_AFTER` once the bot closes it, until `done`."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.opened = 0
        self.failed = 0
        self.open_now = 0
        self.peak = 0
        self.done = asyncio.Event()

    async def hold(self, slow: bool) -> None:
        while not self.done.is_set():
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                self.failed += 1
                await asyncio.sleep(0.05)
                continue
            self.opened += 1
            self.open_now += 1
            self.peak = max(self.peak, self.open_now)
            try:
                if slow:
                    writer.write(b"POST /e2e-hook HTTP/1.1\r\nHost: x\r\n")
                    await writer.drain()
                with contextlib.suppress(OSError, TimeoutError):
                    # Until the bot closes it (b""), or the flood ends.
                    done = asyncio.ensure_future(self.done.wait())
                    read = asyncio.ensure_future(reader.read(1))
                    await asyncio.wait({done, read}, return_when=asyncio.FIRST_COMPLETED)
                    read.cancel()
                    done.cancel()
            finally:
                self.open_now -= 1
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.done.wait(), REOPEN_AFTER)


async def timed_health(port: int) -> tuple[int, float]:
    started = time.perf_counter()
    timeout = aiohttp.ClientTimeout(total=5)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.get(f"http://127.0.0.1:{port}/healthz") as response,
    ):
        return response.status, time.perf_counter() - started


async def test_idle_and_slow_connections_beyond_the_cap_leave_health_and_updates_answered(
    replica: tuple[int, BotProcess],
    telegram: EmulatorClient,
    capsys: pytest.CaptureFixture[str],
) -> None:
    port, bot = replica
    flood = Flood(port)
    holders = [asyncio.create_task(flood.hold(slow=i >= IDLE)) for i in range(IDLE + SLOW)]
    healths: list[float] = []
    updates: list[float] = []
    try:
        began = time.perf_counter()
        await asyncio.sleep(1.0)  # every holder has connected (or been closed) at least once
        user = Practitioner(await telegram.user("Sam"))
        while time.perf_counter() - began < FLOOD_SECONDS:
            status, took = await timed_health(port)
            assert status == 200
            healths.append(took)
            started = time.perf_counter()
            await user.actor.send("/start")
            await user.actor.wait_for_messages(1, timeout=5)
            updates.append(time.perf_counter() - started)
            await asyncio.sleep(0.5)
    finally:
        flood.done.set()
        await asyncio.wait_for(asyncio.gather(*holders, return_exceptions=True), 15)
    assert bot.running, bot.log_text()[-2000:]
    lines = bot.log_text().splitlines()
    [cap_line] = [line for line in lines if "connections at once" in line]
    cap = int(cap_line.split("at most ")[1].split()[0])
    with capsys.disabled():  # the counts belong in the test output
        print(
            f"\n[webhook load] open-file limit {OPEN_FILES}, cap {cap}; {IDLE} idle + {SLOW} slow "
            f"holders opened {flood.opened} connections ({flood.failed} failed to connect, "
            f"peak {flood.peak} open at once) over {FLOOD_SECONDS:.0f} s; /healthz max "
            f"{max(healths) * 1000:.0f} ms over {len(healths)}, update-to-reply max "
            f"{max(updates) * 1000:.0f} ms over {len(updates)}; bot log {len(lines)} lines"
        )
    assert cap < IDLE + SLOW
    assert max(healths) < 1.0, healths
    assert max(updates) < 1.0, updates
    assert len(lines) < MAX_LOG_LINES, "\n".join(lines[-40:])
    assert "Traceback" not in bot.log_text()
