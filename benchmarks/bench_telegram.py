"""Benchmark the Telegram front end against a bare bot making the same Bot API calls.

    python benchmarks/bench_telegram.py [--chats 2000] [--memory-chats 100000]
        [--postgres postgresql://postgres@127.0.0.1:5432/test]

Complete conversations (/start, then a button press per question to an outcome) go through
`Application.process_update` with an offline request that answers every Bot API call at once,
so what is measured is the bot: handlers, the pure core, rendering and durable storage. The
floor, measured in the same run, is a bare bot that makes the same calls per update (answer the
press, edit the question, send the next message) with no logic and no storage.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

from machine import describe
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, CommandHandler
from telegram.request import BaseRequest, RequestData

from bot.config import Config
from bot.content import load_library
from bot.storage import ChatKeys, open_store
from bot.telegram.application import build_application
from bot.telegram.services import Services
from bot.transcripts.pseudonym import Pseudonyms
from states import Dialogue, paths

TOKEN = "123456789:" + "BenchOnlyNotARealToken_" * 2  # fake; built so no token is committed
PSEUDONYMS = Pseudonyms(b"bench-only-pseudonym-key")
KEYS = ChatKeys(PSEUDONYMS.secret)
BOT = {"id": 123456789, "is_bot": True, "first_name": "Bench", "username": "bench_bot"}


class CannedRequest(BaseRequest):
    """Answers every Bot API call at once, and remembers each chat's newest keyboard."""

    def __init__(self) -> None:
        self.next_id = 1
        self.keyboards: dict[int, list[str]] = {}
        self.calls = 0

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, *_: Any, **__: Any
    ) -> tuple[int, bytes]:
        self.calls += 1
        name = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data else {}
        result: Any = True
        if name == "getMe":
            result = BOT
        elif name in {"sendMessage", "editMessageText", "editMessageReplyMarkup"}:
            chat_id = int(params.get("chat_id", 0) or 0)
            markup = params.get("reply_markup")
            if name == "sendMessage":
                rows = markup["inline_keyboard"] if isinstance(markup, dict) else []
                self.keyboards[chat_id] = [b["callback_data"] for row in rows for b in row]
            self.next_id += 1
            result = {
                "message_id": self.next_id,
                "date": 1,
                "text": "x",
                "chat": {"id": chat_id or 1, "type": "private"},
            }
        return 200, json.dumps({"ok": True, "result": result}).encode()


def message_update(update_id: int, chat_id: int, text: str, bot: Any) -> Update:
    """What Telegram sends when a practitioner types `text` (a /command gets its entity)."""
    person = {"id": chat_id, "is_bot": False, "first_name": "P"}
    message: dict[str, Any] = {
        "message_id": update_id,
        "date": 1,
        "chat": {"id": chat_id, "type": "private"},
        "from": person,
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    return Update.de_json({"update_id": update_id, "message": message}, bot)


def press_update(update_id: int, chat_id: int, data: str, bot: Any) -> Update:
    """What Telegram sends when a practitioner presses a button on the bot's last question."""
    person = {"id": chat_id, "is_bot": False, "first_name": "P"}
    message = {
        "message_id": update_id,
        "date": 1,
        "chat": {"id": chat_id, "type": "private"},
        "from": BOT,
        "text": "Question?",
    }
    query = {
        "id": str(update_id),
        "from": person,
        "chat_instance": "ci",
        "message": message,
        "data": data,
    }
    return Update.de_json({"update_id": update_id, "callback_query": query}, bot)


Choose = Callable[[list[str], int], str | None]


def longest_route(dialogue: Dialogue) -> tuple[tuple[str, str], ...]:
    """The (step, answer) pairs of the dialogue's longest path to an outcome."""
    route: tuple[tuple[str, str], ...] = max(paths(dialogue), key=lambda s: len(s.history)).history
    return route


ROUTE = tuple(answer for _, answer in longest_route(load_library()["advice"]))
"""The answers along the longest path of today's dialogue (it changes with the content)."""


async def conversations(
    app: Application,
    request: CannedRequest,
    chats: range,  # type: ignore[type-arg]
    choose: Choose,
    max_presses: int,
) -> list[float]:
    """Run one conversation per chat, round-robin like real traffic; return per-update ms."""
    timings: list[float] = []
    update_id = 1

    async def timed(update: Update) -> None:
        start = time.perf_counter()
        await app.process_update(update)
        timings.append((time.perf_counter() - start) * 1000)

    for chat_id in chats:
        update_id += 1
        await timed(message_update(update_id, chat_id, "/start", app.bot))
    for index in range(max_presses):
        for chat_id in chats:
            data = choose(request.keyboards.get(chat_id, []), index)
            if data is None:
                continue
            update_id += 1
            await timed(press_update(update_id, chat_id, data, app.bot))
    for chat_id in chats:  # the harness's own memory is not the bot's
        request.keyboards.pop(chat_id, None)
    return timings


IDENTIFYING = "Chloe Smith's mum rang me on 07700 900123 from 22 Mill Road, RG41 2AB. OK to share?"
PLAIN = "The family's support worker rang me this morning about the plan. Is it fine to share?"


async def free_text(url: str, chats: int) -> dict[str, list[float]]:
    """Per-update ms for free text with identifiers (redacted) and without, same handler path."""
    request = CannedRequest()
    app, services = await real_application(url, request)
    await conversations(app, request, range(1, chats + 1), along_route, 0)
    timings: dict[str, list[float]] = {IDENTIFYING: [], PLAIN: []}
    update_id = 10_000_000
    for _ in range(3):
        for chat_id in range(1, chats + 1):
            for text, found in timings.items():
                update_id += 1
                update = message_update(update_id, chat_id, text, app.bot)
                start = time.perf_counter()
                await app.process_update(update)
                found.append((time.perf_counter() - start) * 1000)
    await app.shutdown()
    await services.close()
    return timings


def along_route(keyboard: list[str], index: int) -> str | None:
    """The button for the route's answer at this press; None once the route is done."""
    if index >= len(ROUTE):
        return None
    return next(
        (d for d in keyboard if d.startswith("a:") and d.endswith(":" + ROUTE[index])), None
    )


def bare_application(request: CannedRequest) -> Application:  # type: ignore[type-arg]
    """The floor: the same Bot API calls per update, no logic and no storage."""
    app = ApplicationBuilder().token(TOKEN).request(request).get_updates_request(request).build()
    turns: dict[int, int] = {}
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton(a, callback_data=f"a:bare0000:1:{a}") for a in set(ROUTE)]]
    )

    async def on_start(update: Update, _: Any) -> None:
        assert update.effective_chat is not None
        turns[update.effective_chat.id] = 0
        await update.effective_chat.send_message("Intro")
        await update.effective_chat.send_message("Question?", reply_markup=keyboard)

    async def on_press(update: Update, _: Any) -> None:
        query, chat = update.callback_query, update.effective_chat
        assert query is not None and chat is not None and isinstance(query.message, Message)
        turns[chat.id] += 1
        await query.answer()
        await query.message.edit_text("Question?\n\nYour answer: Yes")
        await chat.send_message(
            "Next?", reply_markup=keyboard if turns[chat.id] < len(ROUTE) else None
        )

    app.add_handler(CommandHandler("start", on_start))
    app.add_handler(CallbackQueryHandler(on_press))
    return app


def rss_mb() -> float:
    with open("/proc/self/status", encoding="utf-8") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class WithoutTranscripts:
    """The real store with transcript writes dropped: the baseline for what they cost."""

    def __init__(self, store: Any) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def save(self, conv: Any, *, expected_version: int | None, transcript: Any = None) -> Any:
        return await self._store.save(conv, expected_version=expected_version)

    async def record(self, write: Any) -> None:
        return None


async def real_application(
    url: str, request: CannedRequest, transcripts: bool = True
) -> tuple[Application, Services]:  # type: ignore[type-arg]
    # Telegram's flood limits are the rate limiter's job, not the bot's cost: measured without.
    config = Config(storage={"url": url}, telegram={"rate_limit": False})  # type: ignore[arg-type]
    app = build_application(config, load_library(), TOKEN, PSEUDONYMS, request=request)
    services = app.services
    store = await open_store(url, KEYS)
    services.attach(store if transcripts else WithoutTranscripts(store))  # type: ignore[arg-type]
    await app.initialize()
    return app, services


@contextlib.contextmanager
def postgres_schema(base: str) -> Iterator[str]:
    """A URL confined to a fresh schema of its own, dropped afterwards."""
    import psycopg
    from sqlalchemy.engine import make_url

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


def summary(name: str, timings: list[float], seconds: float) -> dict[str, float]:
    ordered = sorted(timings)
    return {
        "updates": len(timings),
        "per_second": len(timings) / seconds,
        "p50": statistics.median(ordered),
        "p99": ordered[int(len(ordered) * 0.99) - 1],
    }


async def measure(
    make: Callable[[], Awaitable[tuple[Application, Any]]],
    chats: int,  # type: ignore[type-arg]
    request: CannedRequest,
) -> dict[str, float]:
    app, extra = await make()
    gc.collect()
    start = time.perf_counter()
    timings = await conversations(app, request, range(1, chats + 1), along_route, len(ROUTE))
    seconds = time.perf_counter() - start
    await app.shutdown()
    if isinstance(extra, Services):
        await extra.close()
    return summary("", timings, seconds)


async def memory(url: str, chats: int) -> tuple[float, float, float]:
    """RSS before and after `chats` distinct chats each start and answer twice."""
    request = CannedRequest()
    app, services = await real_application(url, request)
    await conversations(app, request, range(10_000_000, 10_000_000 + 1_000), along_route, 2)
    gc.collect()
    before = rss_mb()
    await conversations(app, request, range(20_000_000, 20_000_000 + chats // 2), along_route, 2)
    middle = rss_mb()
    await conversations(app, request, range(30_000_000, 30_000_000 + chats // 2), along_route, 2)
    gc.collect()
    after = rss_mb()
    await app.shutdown()
    await services.close()
    return before, middle, after


async def memory_line(folder: Path, chats: int) -> str:
    before, middle, after = await memory(f"sqlite:///{folder / 'memory.db'}", chats)
    return (
        f"memory over {chats:,} distinct chats (SQLite): RSS {before:.1f} MB before, "
        f"{middle:.1f} MB halfway, {after:.1f} MB after; growth {after - before:.1f} MB"
    )


def row(name: str, result: dict[str, float], floor: dict[str, float]) -> str:
    ratio = result["per_second"] / floor["per_second"]
    return (
        f"| {name} | {result['updates']:,.0f} | {result['per_second']:,.0f} | "
        f"{result['p50']:.2f} | {result['p99']:.2f} | {ratio:.0%} |"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=2_000)
    parser.add_argument("--memory-chats", type=int, default=100_000)
    parser.add_argument("--postgres", default=os.environ.get("INFOSHARE_TEST_POSTGRES_URL"))
    parser.add_argument("--memory-only", action="store_true", help="only the memory measurement")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="infoshare-bench-"))

    async def bare() -> tuple[Application, None]:  # type: ignore[type-arg]
        app = bare_application(bare_request)
        await app.initialize()
        return app, None

    if args.memory_only:
        print(await memory_line(folder, args.memory_chats))
        return
    bare_request = CannedRequest()
    floor = await measure(bare, args.chats, bare_request)
    results = []
    for transcripts, label in ((False, "state only"), (True, "state + transcript")):
        request = CannedRequest()
        url = f"sqlite:///{folder / f'bench-{transcripts}.db'}"
        results.append(
            (
                f"infoshare-bot, SQLite (synchronous=FULL), {label}",
                await measure(
                    lambda: real_application(url, request, transcripts),  # noqa: B023
                    args.chats,
                    request,
                ),
            )
        )
        if args.postgres:
            with postgres_schema(args.postgres) as pg_url:
                request = CannedRequest()
                results.append(
                    (
                        f"infoshare-bot, PostgreSQL, {label}",
                        await measure(
                            lambda: real_application(pg_url, request, transcripts),  # noqa: B023
                            args.chats,
                            request,
                        ),
                    )
                )
    texts = await free_text(f"sqlite:///{folder / 'text.db'}", min(args.chats, 500))
    memory_text = await memory_line(folder, args.memory_chats)

    print(f"machine: {describe()}")
    print(f"{args.chats:,} complete conversations per row (/start + a press per question)\n")
    print("| bot | updates | updates/s | p50 ms | p99 ms | of floor |")
    print("|---|---|---|---|---|---|")
    print(row("floor: bare bot, same Bot API calls, no logic or storage", floor, floor))
    for name, result in results:
        print(row(name, result, floor))
    redacted, plain = (statistics.median(texts[t]) for t in (IDENTIFYING, PLAIN))
    print(
        f"\nfree text at a question ({len(texts[PLAIN]):,} updates each, SQLite): p50 "
        f"{plain:.2f} ms without identifiers, {redacted:.2f} ms with identifiers redacted "
        f"(redaction adds {redacted - plain:.2f} ms per update)"
    )
    print(f"\n{memory_text}")


if __name__ == "__main__":
    asyncio.run(main())
