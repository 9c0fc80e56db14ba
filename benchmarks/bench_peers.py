"""Peer designs beside this bot and the floor, with 1k, 10k and 50k stored chats (issue 18).

    python benchmarks/bench_peers.py [--sizes 1000,10000,50000] [--conversations 300]
        [--rounds 3] [--seconds 24] [--postgres postgresql://postgres@127.0.0.1:5432/postgres]

Every design gets whole conversations (/start, then a button press for each question of the
dialogue's longest path) through `Application.process_update`, with an offline request that
answers every Bot API call at once (`bench_telegram.CannedRequest`), and makes the same Bot API
calls per update (send the intro and the first question; per press: answer it, send the next
question, edit the answered one). The designs:

- floor: `bench_telegram.bare_application`, the same calls with no logic and no storage;
- bot: this bot as `bench_telegram` sets it up (`build_application`, the real store, SQLite
  WAL synchronous=FULL; the state and the transcript step committed before the reply);
- ptb_every: python-telegram-bot's own pattern, a `ConversationHandler(persistent=True)` with
  `PicklePersistence`, `app.update_persistence()` awaited after every update (the pickle is
  rewritten on every update: not fsynced, and rewritten in place);
- ptb_60s: the same with PTB's default 60 s flush (not durable): updates only, and the stall
  of one flush (`update_persistence()`) is timed once at the end of each size;
- transitions: a `transitions.Machine` per chat held in memory (chat id -> Machine, built from
  plain dicts, auto_transitions=False), the state saved by one plain sqlite3 UPDATE per update
  (autocommit, WAL, synchronous=FULL) before the reply;
- bot_pg: this bot on PostgreSQL, at the largest size only, when --postgres (or
  INFOSHARE_TEST_POSTGRES_URL) is given; a fresh schema, dropped afterwards.

Each design runs in a process of its own (forked), so its memory is its own (RSS after storing
N idle chats minus RSS before) and the garbage collector of one design does not walk another's
objects. Before measuring, each design's storage holds N idle chats (rows, pickled
conversation entries, machines and rows). The active conversations (new chats) are then run in
`--rounds` rounds; within a round every design runs one block in turn, the order rotating
each round, so machine noise hits all alike. Each design gets at most `--seconds` per size,
split evenly over the rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import gc
import multiprocessing
import multiprocessing.connection
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import bench_telegram as bt
import sqlalchemy as sa
from machine import describe
from sqlalchemy.engine import make_url
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    PersistenceInput,
    PicklePersistence,
)
from telegram.request import RequestData
from telegram.warnings import PTBUserWarning
from transitions import Machine, MachineError

from bot.config import Config
from bot.content import load_library
from bot.storage import open_store
from bot.storage.tables import conversations
from bot.telegram.application import build_application
from states import Dialogue, machine_config

App = Application[Any, Any, Any, Any, Any, Any]
Context = ContextTypes.DEFAULT_TYPE
DESIGNS = ("floor", "bot", "ptb_every", "ptb_60s", "transitions")
LABELS = {
    "floor": "floor: bare bot, same Bot API calls, no logic or storage",
    "bot": "this bot, SQLite (WAL, synchronous=FULL), state + transcript step",
    "bot_pg": "this bot, PostgreSQL (local)",
    "ptb_every": "PTB ConversationHandler + PicklePersistence, flushed every update",
    "ptb_60s": "PTB ConversationHandler + PicklePersistence, 60 s flush (not durable)",
    "transitions": "transitions Machine per chat in memory + one sqlite3 UPDATE (WAL, FULL)",
}
DIALOGUE = "advice"
FIRST_ACTIVE = 1_000_000_000
"""Active chats are new chats, numbered apart from the idle ones (1..N)."""
GROUP = 20
"""Conversations run round-robin in groups of this many; the time budget is checked between."""
NOTHING_BUT_CONVERSATIONS = PersistenceInput(
    bot_data=False, chat_data=False, user_data=False, callback_data=False
)
"""The pickle designs store conversation states only, like the other designs (one dump each)."""


# --------------------------------------------------------------------------------------------
# The dialogue, as the bot walks it and as plain data for the peers


@dataclass(frozen=True)
class Script:
    """What the peers say: the dialogue's words and moves as plain dictionaries, built once."""

    start: str
    text: dict[str, str]
    keyboards: dict[str, InlineKeyboardMarkup]
    labels: dict[tuple[str, str], str]
    moves: dict[tuple[str, str], str]
    outcomes: frozenset[str]
    machine: dict[str, Any]
    route: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, dialogue: Dialogue) -> Script:
        content = dialogue.content
        text = {step: q.question for step, q in content.steps.items()}
        text |= {step: f"<b>{o.title}</b>\n\n{o.decision}" for step, o in content.outcomes.items()}
        keyboards = {
            step: InlineKeyboardMarkup(
                [
                    [InlineKeyboardButton(a.label, callback_data=f"a:peer:0:{a.id}")]
                    for a in q.answers
                ]
            )
            for step, q in content.steps.items()
        }
        return cls(
            start=content.start,
            text=text,
            keyboards=keyboards,
            labels={(s, a.id): a.label for s, q in content.steps.items() for a in q.answers},
            moves={(s, a.id): a.next for s, q in content.steps.items() for a in q.answers},
            outcomes=frozenset(content.outcomes),
            machine=machine_config(content),
            route=bt.longest_route(dialogue),
        )

    def idle_state(self, chat_id: int) -> tuple[str, tuple[tuple[str, str], ...]]:
        """Where idle chat `chat_id` stopped: part-way along the route, alike in every design."""
        done = chat_id % len(self.route)
        return self.route[done][0], self.route[:done]


INTRO = "<b>Should I share this information?</b>\n\nThis helps you decide whether to share."


async def ask(update: Update, script: Script, step: str) -> None:
    """/start's replies: the intro, then the first question with its buttons."""
    assert update.effective_chat is not None
    await update.effective_chat.send_message(INTRO)
    await update.effective_chat.send_message(script.text[step], reply_markup=script.keyboards[step])


async def reply(update: Update, script: Script, step: str, answer: str, dest: str) -> None:
    """A press's replies, in the bot's order: answer it, send what comes next, mark the answer."""
    query, chat = update.callback_query, update.effective_chat
    assert query is not None and chat is not None and isinstance(query.message, Message)
    await query.answer()
    await chat.send_message(script.text[dest], reply_markup=script.keyboards.get(dest))
    await query.message.edit_text(
        f"{script.text[step]}\n\n<i>Your answer: {script.labels[(step, answer)]}</i>"
    )


def pressed(update: Update) -> str:
    assert update.callback_query is not None and update.callback_query.data is not None
    return update.callback_query.data.rsplit(":", 1)[-1]


# --------------------------------------------------------------------------------------------
# The designs, each set up inside its own process


class TallyRequest(bt.CannedRequest):
    """The canned request, also counting the calls `AIORateLimiter` would throttle: those with a
    `chat_id` (its overall 30/s limiter applies only to them; answerCallbackQuery has none)."""

    def __init__(self) -> None:
        super().__init__()
        self.limited = 0

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, *_: Any, **__: Any
    ) -> tuple[int, bytes]:
        if request_data is not None and "chat_id" in request_data.parameters:
            self.limited += 1
        return await super().do_request(url, method, request_data)


class TimedStore:
    """The bot's store, timing its calls, so a row of the table says where its time goes."""

    TIMED = frozenset({"load", "save", "shown", "record"})

    def __init__(self, store: Any) -> None:
        self._store = store
        self.spent: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._store, name)
        if name not in self.TIMED:
            return found

        async def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return await found(*args, **kwargs)
            finally:
                self.spent[name] = self.spent.get(name, 0.0) + time.perf_counter() - start
                self.calls[name] = self.calls.get(name, 0) + 1

        return timed

    def take(self) -> dict[str, tuple[int, float]]:
        """Calls and seconds per method since the last take."""
        taken = {name: (self.calls[name], self.spent[name]) for name in self.calls}
        self.spent, self.calls = {}, {}
        return taken


@dataclass
class Design:
    app: App
    request: TallyRequest
    after: Callable[[], Awaitable[None]] | None = None
    """Awaited after each update, inside its timing (ptb_every: write the persistence)."""
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    store: TimedStore | None = None

    async def close(self) -> None:
        await self.app.shutdown()
        for close in self.closers:
            await close()


async def floor_design(_: Script, __: int, ___: Path, ____: str | None) -> Design:
    request = TallyRequest()
    app = bt.bare_application(request)
    await app.initialize()
    return Design(app, request)


async def bot_design(script: Script, size: int, folder: Path, url: str | None) -> Design:
    """`bench_telegram.real_application`, with the idle chats' rows written before it starts."""
    url = url or f"sqlite:///{folder / 'bot.db'}"
    request = TallyRequest()
    config = Config.model_validate({"storage": {"url": url}, "telegram": {"rate_limit": False}})
    app = build_application(config, LIBRARY, bt.TOKEN, bt.PSEUDONYMS, request=request)
    store = await open_store(url, bt.KEYS)  # migrates: the table exists from here
    await asyncio.to_thread(store_idle_rows, url, script, size)
    timed = TimedStore(store)
    app.services.attach(cast(Any, timed))
    await app.initialize()
    return Design(app, request, closers=[app.services.close], store=timed)


def store_idle_rows(url: str, script: Script, size: int) -> None:
    """N idle chats part-way along the route, as the bot itself would have saved them."""
    target = make_url(url)
    if target.get_backend_name() == "postgresql":
        target = target.set(drivername="postgresql+psycopg")
    engine = sa.create_engine(target)
    now = datetime.now(UTC)
    try:
        with engine.begin() as conn:
            for first in range(1, size + 1, 5_000):
                rows = []
                for chat_id in range(first, min(first + 5_000, size + 1)):
                    step, history = script.idle_state(chat_id)
                    rows.append(
                        {
                            "chat_key": bt.KEYS.key(chat_id),
                            "dialogue": DIALOGUE,
                            "step": step,
                            "history": [list(pair) for pair in history],
                            "conversation_id": uuid.uuid4().hex,
                            "turn": len(history),
                            "content_version": "bench",
                            "started_at": now,
                            "updated_at": now,
                            "version": 1,
                        }
                    )
                conn.execute(conversations.insert(), rows)
    finally:
        engine.dispose()


class CountingPickle(PicklePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """PTB's PicklePersistence, counting its rewrites of the file."""

    dumps = 0

    def _dump_singlefile(self) -> None:
        self.dumps += 1
        super()._dump_singlefile()


async def ptb_design(script: Script, size: int, folder: Path, every: bool) -> Design:
    """PTB's documented pattern: one state per question, the states kept by PicklePersistence."""
    path = folder / ("every.pickle" if every else "60s.pickle")
    filling = PicklePersistence(path, store_data=NOTHING_BUT_CONVERSATIONS, on_flush=True)
    for chat_id in range(1, size + 1):
        await filling.update_conversation(
            DIALOGUE, (chat_id, chat_id), script.idle_state(chat_id)[0]
        )
    await filling.flush()
    del filling

    request = TallyRequest()
    persistence = CountingPickle(path, store_data=NOTHING_BUT_CONVERSATIONS, update_interval=60)
    app = (
        ApplicationBuilder()
        .token(bt.TOKEN)
        .request(request)
        .get_updates_request(request)
        .persistence(persistence)
        .build()
    )

    async def on_start(update: Update, _: Context) -> str:
        await ask(update, script, script.start)
        return script.start

    def at(step: str) -> Callable[[Update, Context], Coroutine[Any, Any, object]]:
        async def on_press(update: Update, _: Context) -> object:
            answer = pressed(update)
            dest = script.moves.get((step, answer))
            if dest is None:
                return None  # stay at this question
            await reply(update, script, step, answer, dest)
            return ConversationHandler.END if dest in script.outcomes else dest

        return on_press

    with warnings.catch_warnings():  # per_message=False with CallbackQueryHandlers: intended
        warnings.simplefilter("ignore", PTBUserWarning)
        handler = ConversationHandler(
            entry_points=[CommandHandler("start", on_start)],
            states={step: [CallbackQueryHandler(at(step))] for step in script.keyboards},
            fallbacks=[],
            allow_reentry=True,
            name=DIALOGUE,
            persistent=True,
        )
    app.add_handler(handler)
    await app.initialize()
    return Design(app, request, after=app.update_persistence if every else None)


async def transitions_design(script: Script, size: int, folder: Path, _: str | None) -> Design:
    """A Machine per chat in a dict; its state saved by one autocommit UPDATE, then the reply."""
    db = sqlite3.connect(folder / "transitions.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE chats (chat_id INTEGER PRIMARY KEY, state TEXT NOT NULL)")
    machines: dict[int, Machine] = {}
    rows = []
    for chat_id in range(1, size + 1):
        step = script.idle_state(chat_id)[0]
        machines[chat_id] = Machine(**(script.machine | {"initial": step}))
        rows.append((chat_id, step))
    db.execute("BEGIN")
    db.executemany("INSERT INTO chats VALUES (?, ?)", rows)
    db.execute("COMMIT")
    del rows

    request = TallyRequest()
    app = ApplicationBuilder().token(bt.TOKEN).request(request).get_updates_request(request).build()

    async def on_start(update: Update, _: Context) -> None:
        assert update.effective_chat is not None
        chat_id = update.effective_chat.id
        machine = machines.get(chat_id)
        if machine is None:
            machine = machines[chat_id] = Machine(**script.machine)
        else:
            machine.set_state(script.start)
        db.execute(
            "INSERT INTO chats VALUES (?, ?) ON CONFLICT(chat_id) DO UPDATE SET state = "
            "excluded.state",
            (chat_id, machine.state),
        )
        await ask(update, script, str(machine.state))

    async def on_press(update: Update, _: Context) -> None:
        assert update.effective_chat is not None and update.callback_query is not None
        chat_id = update.effective_chat.id
        machine = machines.get(chat_id)
        answer = pressed(update)
        if machine is None or machine.state in script.outcomes:
            await update.callback_query.answer()
            return
        step = str(machine.state)
        try:
            machine.trigger(answer)
        except (AttributeError, KeyError, MachineError):
            await update.callback_query.answer()
            return
        db.execute("UPDATE chats SET state = ? WHERE chat_id = ?", (machine.state, chat_id))
        await reply(update, script, step, answer, str(machine.state))

    app.add_handler(CommandHandler("start", on_start))
    app.add_handler(CallbackQueryHandler(on_press))
    await app.initialize()

    async def close() -> None:
        db.close()

    return Design(app, request, closers=[close])


SETUPS: dict[str, Callable[[Script, int, Path, str | None], Awaitable[Design]]] = {
    "floor": floor_design,
    "bot": bot_design,
    "bot_pg": bot_design,
    "ptb_every": lambda script, size, folder, _: ptb_design(script, size, folder, True),
    "ptb_60s": lambda script, size, folder, _: ptb_design(script, size, folder, False),
    "transitions": transitions_design,
}


# --------------------------------------------------------------------------------------------
# Inside a design's process: set up, run blocks of conversations, answer the parent


def rss_mb() -> float:
    return bt.rss_mb()


def settle() -> None:
    """Collect garbage and hand freed memory back to the system, so RSS is what is held."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


@dataclass
class Tally:
    timings: list[float] = field(default_factory=list)
    starts: int = 0
    presses: int = 0
    start_calls: int = 0
    press_calls: int = 0


async def block(
    design: Design, first: int, count: int, budget: float, presses: int | None = None
) -> dict[str, Any]:
    """Run `count` new conversations, round-robin in groups, until done or `budget` s pass;
    `presses` stops each after that many presses (the chats are left mid-way)."""
    app, request, after = design.app, design.request, design.after
    tally = Tally()
    update_id = first * 20

    async def timed(update: Update, press: bool) -> None:
        before = request.limited
        start = time.perf_counter()
        await app.process_update(update)
        if after is not None:
            await after()
        tally.timings.append((time.perf_counter() - start) * 1000)
        if press:
            tally.presses += 1
            tally.press_calls += request.limited - before
        else:
            tally.starts += 1
            tally.start_calls += request.limited - before

    settle()
    if design.store is not None:
        design.store.take()
    began = time.perf_counter()
    for group in range(first, first + count, GROUP):
        if time.perf_counter() - began > budget:
            break
        chats = range(group, min(group + GROUP, first + count))
        for chat_id in chats:
            update_id += 1
            await timed(bt.message_update(update_id, chat_id, "/start", app.bot), False)
        for index in range(len(bt.ROUTE) if presses is None else presses):
            if time.perf_counter() - began > budget:
                break  # out of time part-way: the presses so far are measured all the same
            for chat_id in chats:
                data = bt.along_route(request.keyboards.get(chat_id, []), index)
                if data is None:
                    continue
                update_id += 1
                await timed(bt.press_update(update_id, chat_id, data, app.bot), True)
        for chat_id in chats:  # the harness's own memory is not the design's
            request.keyboards.pop(chat_id, None)
    seconds = time.perf_counter() - began
    store = design.store.take() if design.store is not None else {}
    return {"seconds": seconds, "rss": rss_mb(), "store": store, **tally.__dict__}


async def serve(name: str, size: int, folder: Path, url: str | None, conn: Any) -> None:
    design: Design | None = None
    while True:
        command, args = conn.recv()  # nothing else runs on this loop between commands
        if command == "setup":
            settle()
            before = rss_mb()
            began = time.perf_counter()
            design = await SETUPS[name](SCRIPT, size, folder, url)
            seconds = time.perf_counter() - began
            settle()
            conn.send({"rss_before": before, "rss_after": rss_mb(), "seconds": seconds})
        elif command == "block":
            assert design is not None
            conn.send(await block(design, *args))
        elif command == "flush":
            assert design is not None
            # Chats part-way through, as at any moment: their states are what a flush writes.
            await block(design, *args)
            settle()
            persistence = design.app.persistence
            assert isinstance(persistence, CountingPickle)
            dumps = persistence.dumps
            began = time.perf_counter()
            await design.app.update_persistence()
            ms = (time.perf_counter() - began) * 1000
            conn.send(
                {
                    "ms": ms,
                    "dirty": persistence.dumps - dumps,
                    "bytes": persistence.filepath.stat().st_size,
                }
            )
        elif command == "close":
            if design is not None:
                await design.close()
            conn.send({})
            return


def worker(name: str, size: int, folder: Path, url: str | None, conn: Any) -> None:
    warnings.simplefilter("ignore", PTBUserWarning)
    asyncio.run(serve(name, size, folder, url, conn))


class Worker:
    """A design's process, driven by the parent one command at a time."""

    def __init__(self, name: str, size: int, folder: Path, url: str | None) -> None:
        self.name = name
        self.conn, child = multiprocessing.get_context("fork").Pipe()
        self.process = multiprocessing.get_context("fork").Process(
            target=worker, args=(name, size, folder, url, child), daemon=True
        )
        self.process.start()

    def send(self, command: str, *args: Any) -> None:
        self.conn.send((command, args))

    def recv(self) -> dict[str, Any]:
        answer: dict[str, Any] = self.conn.recv()
        return answer

    def call(self, command: str, *args: Any) -> dict[str, Any]:
        self.send(command, *args)
        return self.recv()


# --------------------------------------------------------------------------------------------
# The parent: one size at a time, designs alternated, then the tables


LIBRARY = load_library()
SCRIPT = Script.of(LIBRARY[DIALOGUE])


@dataclass
class Cell:
    """One design at one size: every block's results together."""

    setup: dict[str, Any] = field(default_factory=dict)
    timings: list[float] = field(default_factory=list)
    seconds: float = 0.0
    rss_end: float = 0.0
    starts: int = 0
    presses: int = 0
    start_calls: int = 0
    press_calls: int = 0
    flush: dict[str, Any] | None = None
    store: dict[str, list[float]] = field(default_factory=dict)

    def add(self, result: dict[str, Any]) -> None:
        for method, (calls, seconds) in result["store"].items():
            found = self.store.setdefault(method, [0, 0.0])
            found[0] += calls
            found[1] += seconds
        self.timings += result["timings"]
        self.seconds += result["seconds"]
        self.rss_end = result["rss"]
        for key in ("starts", "presses", "start_calls", "press_calls"):
            setattr(self, key, getattr(self, key) + result[key])

    @property
    def per_second(self) -> float:
        return len(self.timings) / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.timings)
        return ordered[max(0, int(len(ordered) * q) - 1)] if ordered else float("nan")

    @property
    def held_mb(self) -> float:
        return float(self.setup["rss_after"] - self.setup["rss_before"])

    @property
    def growth_mb(self) -> float:
        return self.rss_end - float(self.setup["rss_after"])


@contextlib.contextmanager
def maybe_postgres(base: str | None) -> Iterator[str | None]:
    if base is None:
        yield None
        return
    with bt.postgres_schema(base) as url:
        yield url


def run_size(size: int, args: argparse.Namespace, folder: Path) -> dict[str, Cell]:
    names = list(DESIGNS)
    postgres = args.postgres if size == max(args.sizes) else None
    if postgres:
        names.append("bot_pg")
    cells = {name: Cell() for name in names}
    per_block = -(-args.conversations // args.rounds)
    budget = args.seconds / args.rounds
    here = folder / f"{size}"
    here.mkdir()
    with maybe_postgres(postgres) as pg_url:
        workers = {n: Worker(n, size, here, pg_url if n == "bot_pg" else None) for n in names}
        try:
            # Setting up is not measured: all at once (they only compete with each other).
            for w in workers.values():
                w.send("setup")
            for name, w in workers.items():
                cells[name].setup = w.recv()
                print(
                    f"  {size:,}: {name} set up in {cells[name].setup['seconds']:.1f} s",
                    file=sys.stderr,
                )
            for round_ in range(args.rounds):
                order = names[round_ % len(names) :] + names[: round_ % len(names)]
                for name in order:
                    first = FIRST_ACTIVE + round_ * per_block
                    result = workers[name].call("block", first, per_block, budget)
                    cells[name].add(result)
                    print(
                        f"    {name}: {len(result['timings']):,} updates in "
                        f"{result['seconds']:.1f} s",
                        file=sys.stderr,
                    )
                print(f"  {size:,}: round {round_ + 1} done", file=sys.stderr)
            first = FIRST_ACTIVE + args.rounds * per_block
            flush = workers["ptb_60s"].call("flush", first, per_block, 3_600.0, 3)
            cells["ptb_60s"].flush = flush
        finally:
            for w in workers.values():
                with contextlib.suppress(OSError, EOFError):
                    w.call("close")
                w.process.join(30)
    return cells


def k(size: int) -> str:
    return f"{size // 1000}k" if size % 1000 == 0 else f"{size:,}"


def report(results: dict[int, dict[str, Cell]], args: argparse.Namespace) -> None:
    sizes = sorted(results)
    largest = sizes[-1]
    names = [n for n in (*DESIGNS, "bot_pg") if any(n in results[s] for s in sizes)]
    print(f"machine: {describe()}")
    print(f"affinity: CPUs {sorted(os.sched_getaffinity(0))}; load average {os.getloadavg()}")
    print(
        f"route: /start + {len(SCRIPT.route)} presses ({' > '.join(bt.ROUTE)}); "
        f"{args.conversations} conversations per design and size in {args.rounds} rounds, "
        f"at most {args.seconds} s per design and size\n"
    )
    head = " | ".join(f"{k(s)} updates/s | {k(s)} p99 ms" for s in sizes)
    print(f"| design | {head} | held at {k(largest)} | run growth |")
    print("|---" * (2 + 2 * len(sizes) + 1) + "|")
    for name in names:
        cols = []
        for size in sizes:
            cell = results[size].get(name)
            cols.append(
                "– | –" if cell is None else f"{cell.per_second:,.0f} | {cell.percentile(0.99):.2f}"
            )
        last = results[largest].get(name)
        held = "–" if last is None else f"{last.held_mb:,.1f} MB"
        growth = "–" if last is None else f"{last.growth_mb:+,.1f} MB"
        print(f"| {LABELS[name]} | {' | '.join(cols)} | {held} | {growth} |")

    for size in sizes:
        cells = results[size]
        floor, peer = cells["floor"], cells["transitions"]
        print(f"\n{size:,} stored chats:\n")
        print("| design | updates | updates/s | p50 ms | p99 ms | of floor | of transitions |")
        print("|---|---|---|---|---|---|---|")
        for name in names:
            cell = cells.get(name)
            if cell is None:
                continue
            print(
                f"| {name} | {len(cell.timings):,} | {cell.per_second:,.0f} | "
                f"{statistics.median(cell.timings):.2f} | {cell.percentile(0.99):.2f} | "
                f"{cell.per_second / floor.per_second:.1%} | "
                f"{cell.per_second / peer.per_second:.0%} |"
            )
        flush = cells["ptb_60s"].flush
        if flush:
            print(
                f"\nptb_60s: one flush (`update_persistence()`) writing {flush['dirty']} changed "
                f"chats: {flush['ms']:,.0f} ms ({flush['ms'] / max(flush['dirty'], 1):.2f} ms "
                f"per changed chat: PicklePersistence rewrites the whole {flush['bytes']:,}-byte "
                "file for each), the event loop blocked throughout"
            )
        setups = ", ".join(f"{n} {c.setup['seconds']:.1f} s" for n, c in cells.items())
        print(f"\nsetting up {size:,} idle chats took: {setups}")
        held = ", ".join(f"{n} {c.held_mb:,.1f} MB" for n, c in cells.items())
        print(f"memory held after setting up (RSS delta): {held}")

    for name in ("bot", "bot_pg"):
        cell = results[largest].get(name)
        if cell is None:
            continue
        updates = len(cell.timings)
        spent = ", ".join(
            f"{method} {calls / updates:.2f} calls {seconds * 1000 / updates:.2f} ms"
            for method, (calls, seconds) in cell.store.items()
        )
        print(
            f"\n{name} at {largest:,}: mean {statistics.fmean(cell.timings):.2f} ms per update, "
            f"of which in the store (calls and ms per update): {spent}"
        )

    bot = results[largest]["bot"]
    per_press = bot.press_calls / max(bot.presses, 1)
    per_start = bot.start_calls / max(bot.starts, 1)
    print(
        f"\nTelegram's ceiling: the bot made {per_press:.2f} calls with a chat_id per press and "
        f"{per_start:.2f} per /start (answerCallbackQuery has no chat_id, so AIORateLimiter's "
        f"overall 30/s limiter skips it): at most 30 / {per_press:.2f} = "
        f"{30 / per_press:.1f} answers/s per bot token"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000", help="idle chats, comma-separated")
    parser.add_argument("--conversations", type=int, default=300, help="active, per design/size")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=24.0, help="budget per design and size")
    parser.add_argument("--postgres", default=os.environ.get("INFOSHARE_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    args.sizes = sorted(int(s) for s in args.sizes.split(","))
    folder = Path(tempfile.mkdtemp(prefix="infoshare-peers-"))
    began = time.perf_counter()
    results = {}
    for size in args.sizes:
        print(f"{size:,} stored chats ...", file=sys.stderr)
        results[size] = run_size(size, args, folder)
    print(f"done in {time.perf_counter() - began:.0f} s\n", file=sys.stderr)
    shutil.rmtree(folder, ignore_errors=True)
    report(results, args)


if __name__ == "__main__":
    main()
