"""Shared fixtures: storage backends (tests.conftest_storage) and the in-process Telegram bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio

from bot.config import Config, Contact
from bot.storage import open_store
from bot.telegram.app import build_application
from bot.telegram.handlers import AdviceBot
from states import Library, load_library
from tests.e2e import TOKEN as E2E_TOKEN
from tests.emulator import EmulatorClient, spawn
from tests.emulator.world import World
from tests.offline import PSEUDONYMS, TOKEN, Harness, WorldRequest

pytest_plugins = ["tests.conftest_storage"]

NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
GUIDANCE = Path(__file__).resolve().parent / "guidance"
"""The guidance texts the content is checked against (a copy of ../shared/guidance)."""
SHARED_GUIDANCE = Path(__file__).resolve().parents[2] / "shared" / "guidance"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def emulator() -> AsyncIterator[EmulatorClient]:
    """The Bot API emulator in its own process, shared by every test of a module (e2e tests)."""
    async with spawn(E2E_TOKEN) as client:
        yield client


@pytest_asyncio.fixture(loop_scope="module")
async def telegram(emulator: EmulatorClient) -> EmulatorClient:
    """The emulator, emptied: no users, chats, pending updates or logged calls."""
    await emulator.reset()
    return emulator


@pytest.fixture(scope="session")
def library() -> Library:
    return load_library()


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return Config(
        contacts=(Contact(name="Children's social care front door", phone="0118 908 8002"),),
        storage={"url": f"sqlite:///{tmp_path / 'bot.db'}"},  # type: ignore[arg-type]
    )


@pytest.fixture
async def harness(config: Config, library: Library) -> AsyncIterator[Harness]:
    """The real Application and handlers over the in-process World, with SQLite storage."""
    world = World(TOKEN, bot_name="Infoshare", bot_username="infoshare_bot", privacy_mode=True)
    app = build_application(config, library, TOKEN, PSEUDONYMS, request=WorldRequest(world))
    advice: AdviceBot = app.bot_data["advice"]
    advice.now = lambda: NOW
    advice.attach(await open_store(config.storage.url))
    async with app:
        harness = Harness(app, world)
        yield harness
    await advice.close()
    # Every payload the bot sent was checked by the World as Telegram would; none may have
    # been refused, except what the bot tolerates on purpose: clearing a keyboard already gone,
    # the error handler answering a press that was answered before the failure, flood control.
    tolerated = ("message is not modified", "query is too old", "Too Many Requests")
    refused = [
        c
        for c in harness.failed_calls()
        if not any(reason in str(c["description"]) for reason in tolerated)
    ]
    assert refused == [], refused
