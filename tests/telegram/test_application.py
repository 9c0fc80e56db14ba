"""The Application itself (bot/telegram/application.py): command menus registered in
`post_init`, the web desk served beside the bot when enabled, flood control retried by its rate
limiter, no per-chat bookkeeping kept."""

from __future__ import annotations

import json
import logging
import socket
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from bot import words
from bot.config import Config, Desk
from bot.errors import ConfigError
from bot.telegram.application import _post_init, _post_shutdown, _reload, build_application
from states import Library
from tests.emulator.world import World, api_error
from tests.support.chat import started
from tests.support.offline import PSEUDONYMS, TOKEN, Harness, WorldRequest


async def test_post_init_registers_commands_and_survives_a_refusal(
    config: Config, library: Library, caplog: pytest.LogCaptureFixture
) -> None:
    world = World(TOKEN, bot_name="I", bot_username="i_bot", privacy_mode=True)
    app = build_application(config, library, TOKEN, PSEUDONYMS, request=WorldRequest(world))
    async with app:
        await _post_init(app)
        registered = await world.call("getMyCommands", {})
        assert [c["command"] for c in registered] == [name for name, _ in words.COMMANDS]

        async def refuse(params: dict[str, Any]) -> None:
            raise api_error(500, "Internal Server Error")

        world._methods["setmycommands"] = refuse
        with caplog.at_level(logging.WARNING):
            await _post_init(app)
        assert "could not register the command list" in caplog.text
        await app.services.close()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_the_desk_is_served_beside_the_bot_when_enabled_and_follows_a_reload(
    config: Config, library: Library, tmp_path: Path
) -> None:
    port = free_port()
    config = config.model_copy(update={"desk": Desk(enabled=True, port=port)})
    world = World(TOKEN, bot_name="I", bot_username="i_bot", privacy_mode=True)
    app = build_application(config, library, TOKEN, PSEUDONYMS, request=WorldRequest(world))
    page = f"http://127.0.0.1:{port}/signed-out"
    async with app, aiohttp.ClientSession() as http:
        await _post_init(app)
        assert app.desk is not None
        async with http.get(page) as answer:
            assert answer.status == 200
            assert words.DESK_SIGNED_OUT_HEADING in await answer.text()
        path = tmp_path / "config.yaml"
        path.write_text(yaml.safe_dump({"storage": {"url": config.storage.url}, "leads": [7]}))
        _reload(app, path)
        assert app.desk.services.config.is_lead(7)
        assert app.desk.services.config.desk.enabled, "desk settings wait for a restart"
        await _post_shutdown(app)
        assert app.desk is None
        with pytest.raises(aiohttp.ClientConnectionError):
            async with http.get(page):
                pass


async def test_a_desk_port_in_use_stops_the_start_with_words(
    config: Config, library: Library
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = config.model_copy(update={"desk": Desk(enabled=True, port=port)})
        world = World(TOKEN, bot_name="I", bot_username="i_bot", privacy_mode=True)
        app = build_application(config, library, TOKEN, PSEUDONYMS, request=WorldRequest(world))
        async with app:
            with pytest.raises(ConfigError, match=f"desk: cannot listen on 127.0.0.1:{port}"):
                await _post_init(app)
            await app.services.close()


async def test_retry_after_is_honoured_and_the_message_still_arrives(harness: Harness) -> None:
    from aiohttp import web

    user = await started(harness)
    real = harness.world._methods["sendmessage"]
    refusals = {"left": 1}

    async def flood(params: dict[str, Any]) -> Any:
        if refusals["left"]:
            refusals["left"] -= 1
            body = {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 1",
                "parameters": {"retry_after": 1},
            }
            raise web.HTTPTooManyRequests(text=json.dumps(body), content_type="application/json")
        return await real(params)

    harness.world._methods["sendmessage"] = flood
    replies = await user.press("No")
    assert "Who is the information about?" in replies[-1]["text"]
    sends = [c for c in harness.bot_calls() if c["method"] == "sendMessage"]
    assert [c["ok"] for c in sends[-2:]] == [False, True]


async def test_no_per_chat_bookkeeping_is_left_behind(harness: Harness) -> None:
    for name in ("A", "B", "C"):
        await harness.user(name).send("/start")
    app = harness.app
    assert app._chat_ids_to_be_updated_in_persistence == set()  # type: ignore[attr-defined]
    assert app._user_ids_to_be_updated_in_persistence == set()  # type: ignore[attr-defined]
    assert len(app.chat_data) == len(app.user_data) == 0
