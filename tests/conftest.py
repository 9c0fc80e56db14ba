"""Shared fixtures: storage backends (tests.support.storage) and the in-process Telegram bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.config import Config, Contact
from bot.content import load_library
from bot.storage import open_store
from bot.telegram.application import build_application
from states import Library
from tests.emulator import EmulatorClient, spawn
from tests.emulator.world import World
from tests.support.clock import FixedClock
from tests.support.e2e import TOKEN as E2E_TOKEN
from tests.support.offline import KEYS, PSEUDONYMS, TOKEN, Harness, WorldRequest

pytest_plugins = ["tests.support.storage"]

SYSTEM = Path(__file__).resolve().parent / "system"
NEEDS_A_BROWSER = {"test_report_renders_in_a_real_browser"}
"""Tests that need Debian's Chromium: system tests, which `.ci/run` installs it for."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the system suites (real processes, crashes, outages, fuzzing, a real browser): the
    README's test command leaves them out (`-m "not system"`), `pytest -m system` runs them."""
    for item in items:
        if SYSTEM in item.path.parents or item.name.split("[")[0] in NEEDS_A_BROWSER:
            item.add_marker(pytest.mark.system)


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
def library(request: pytest.FixtureRequest) -> Library:
    """The 2015 edition, which most of the suite was written against; parametrize it
    indirectly with `load_library` keywords (`Script.scope`) for another edition or nation."""
    return load_library(**getattr(request, "param", {"edition": "hmg-2015"}))


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return Config(
        contacts=(Contact(name="Children's social care front door", phone="0118 908 8002"),),
        storage={"url": f"sqlite:///{tmp_path / 'bot.db'}"},  # type: ignore[arg-type]
        # the suite types answers the instant a question arrives, as nobody can: only the
        # tests of confirming such answers (tests/telegram/test_typed.py) keep the default
        telegram={"confirm_typed_within": 0},  # type: ignore[arg-type]
    )


@pytest.fixture
async def harness(config: Config, library: Library) -> AsyncIterator[Harness]:
    """The real Application and handlers over the in-process World, with SQLite storage."""
    world = World(TOKEN, bot_name="Infoshare", bot_username="infoshare_bot", privacy_mode=True)
    app = build_application(
        config, library, TOKEN, PSEUDONYMS, request=WorldRequest(world), clock=FixedClock()
    )
    app.services.attach(await open_store(config.storage.url, KEYS))
    async with app:
        harness = Harness(app, world)
        yield harness
    await app.services.close()
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
