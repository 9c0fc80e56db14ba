"""Benchmark the transcript store on 100,000 seeded transcripts, on SQLite and PostgreSQL.

    python benchmarks/bench_transcripts.py [--transcripts 100000] [--saves 3000]
        [--postgres postgresql://postgres@127.0.0.1:5432/test]

Seeds realistic transcripts (paths through the real advice dialogue, about nine steps each, with
Back, free text, "not sure" answers, redactions, unfinished ones, tags and notes, spread over 90
days) in bulk, then times what a lead does: a page of the list (first and last page) with no
filter and with each filter, the count, one whole transcript, the statistics; and what the
transcripts cost the bot: `save()` of an answer with and without its one-step transcript write.
PostgreSQL runs in a schema of its own, dropped afterwards (URL from --postgres or
INFOSHARE_TEST_POSTGRES_URL).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa
from bench_core import paths
from machine import describe

from bot.content import load_library
from bot.storage import ChatKeys, SqlStore, StoredConversation, open_store
from bot.storage.sql import driver_url
from bot.storage.tables import transcript_notes, transcript_steps, transcript_tags, transcripts
from bot.transcripts.model import BACK, FREE_TEXT, NOT_SURE, TAGS, Entry, Filters, TranscriptWrite
from states import Dialogue

NOW = datetime.now(UTC).replace(microsecond=0)
DAYS = 90
PRACTITIONERS = 5_000
ORGANISATIONS = tuple(f"org-{n}" for n in range(10))
"""A partnership of ten; one transcript in eleven belongs to none."""
CHUNK = 5_000
"""Transcripts per insert batch while seeding."""
REPEATS = 15
"""Timed runs per read measure; the median is reported."""

KEYS = ChatKeys(b"bench-only-secret")


# ---- seeding -------------------------------------------------------------------------------


def started(rng: random.Random) -> datetime:
    """A start time in the last 90 days, mostly in working hours."""
    day = NOW - timedelta(days=rng.randrange(DAYS))
    hour = rng.choice([8, 9, 9, 10, 10, 11, 11, 12, 13, 14, 14, 15, 15, 16, 17, 19, 22])
    return day.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))


Rows = list[dict[str, Any]]


def one_transcript(
    number: int, dialogue: Dialogue, route: list[str], rng: random.Random
) -> tuple[dict[str, Any], Rows]:
    """Transcript `number` along `route` (answer ids): its header row and its step rows.

    At each question: 5% free text first (60% of it redacted), 8% an answer taken back.
    """
    at = start = started(rng)
    where = dialogue.content.start
    steps: Rows = []

    def add(given: str, hidden: bool = False) -> None:
        nonlocal at
        at += timedelta(seconds=rng.randrange(5, 90))
        steps.append(
            {
                "transcript_id": number,
                "seq": len(steps) + 1,
                "step": where,
                "answer": given,
                "at": at,
                "redacted": hidden,
                "text": "name" if hidden else None,
            }
        )

    for given in route:
        answers = dialogue.content.steps[where].answers
        if rng.random() < 0.05:
            add(FREE_TEXT, hidden=rng.random() < 0.6)
        if rng.random() < 0.08:
            add(answers[0].id)
            add(BACK)
        add(given)
        where = next(a.next for a in answers if a.id == given)
    finished = dialogue.is_outcome(where)
    head = {
        "id": number,
        "conversation_id": f"c{number:07d}",
        "practitioner": f"p-{rng.randrange(PRACTITIONERS):012x}",
        "dialogue": "advice",
        "content_version": "2026-11-21",
        "started_at": start,
        "ended_at": at if finished else None,
        "updated_at": at,
        "outcome": where if finished else None,
        "rules": [4, 6, 7] if finished else [],
        "step_count": len(steps),
        "unsure": any(s["answer"] == NOT_SURE for s in steps),
        "redacted": any(s["redacted"] for s in steps),
        "last_step": where,
        "organisation": ORGANISATIONS[number % (len(ORGANISATIONS) + 1)]
        if number % (len(ORGANISATIONS) + 1) < len(ORGANISATIONS)
        else None,
    }
    return head, steps


def seed_rows(
    dialogue: Dialogue, count: int, rng: random.Random
) -> Iterator[tuple[Rows, Rows, Rows]]:
    """Header, step and tag rows for transcripts 1..count, CHUNK transcripts at a time.

    A route is a real path to an outcome (longer ones likelier); 15% stop part-way; 2% tagged.
    """
    routes = paths(dialogue)
    weights = [len(route) ** 2 for route in routes]
    heads: Rows = []
    steps: Rows = []
    tags: Rows = []
    for number in range(1, count + 1):
        route = rng.choices(routes, weights)[0]
        if rng.random() < 0.15:
            route = route[: rng.randrange(len(route))]
        head, taken = one_transcript(number, dialogue, route, rng)
        heads.append(head)
        steps += taken
        if rng.random() < 0.02:
            tags.append({"transcript_id": number, "tag": rng.choice(list(TAGS))})
        if len(heads) == CHUNK:
            yield heads, steps, tags
            heads, steps, tags = [], [], []
    if heads:
        yield heads, steps, tags


def seed(url: str, dialogue: Dialogue, count: int) -> tuple[float, int]:
    """Bulk-insert `count` transcripts with a synchronous engine; (seconds, steps written)."""
    engine = sa.create_engine(driver_url(url))
    rng = random.Random(2026)
    written = 0
    begin = time.perf_counter()
    with engine.begin() as conn:
        for heads, steps, tags in seed_rows(dialogue, count, rng):
            conn.execute(sa.insert(transcripts), heads)
            conn.execute(sa.insert(transcript_steps), steps)
            if tags:
                conn.execute(sa.insert(transcript_tags), tags)
                conn.execute(
                    sa.insert(transcript_notes),
                    [{**t, "at": NOW, "lead": "cli:bench", "text": "checked"} for t in tags[:3]],
                )
            written += len(steps)
        if conn.dialect.name == "postgresql":  # explicit ids: move the sequence past them
            conn.execute(sa.text("SELECT setval('transcripts_id_seq', :n)"), {"n": count})
        conn.execute(sa.text("ANALYZE"))
    engine.dispose()
    return time.perf_counter() - begin, written


# ---- measuring -----------------------------------------------------------------------------


async def median_ms(action: Callable[[], Awaitable[Any]], repeats: int = REPEATS) -> float:
    await action()  # warm: the first run pays for the cache, not the query
    timings = []
    for _ in range(repeats):
        begin = time.perf_counter()
        await action()
        timings.append((time.perf_counter() - begin) * 1000)
    return statistics.median(timings)


def filters_to_try(store_practitioner: str) -> list[tuple[str, Filters]]:
    return [
        ("no filter", Filters()),
        ("outcome=share_with_consent", Filters(outcome="share_with_consent")),
        ("period=30d", Filters(since=NOW - timedelta(days=30))),
        ("unsure", Filters(unsure=True)),
        ("redacted", Filters(redacted=True)),
        ("unfinished", Filters(unfinished=True)),
        ("practitioner=P", Filters(practitioner=store_practitioner)),
        ("tag=follow_up", Filters(tag="follow_up")),
        (
            "outcome=seek_advice period=30d unsure",
            Filters(outcome="seek_advice", since=NOW - timedelta(days=30), unsure=True),
        ),
        ("a lead of one organisation (of 10)", Filters(scope=frozenset(ORGANISATIONS[3:4]))),
        ("a lead of three organisations", Filters(scope=frozenset(ORGANISATIONS[1:4]))),
        (
            "a lead of one organisation, unsure period=30d",
            Filters(scope=frozenset(ORGANISATIONS[3:4]), unsure=True, since=NOW - timedelta(30)),
        ),
    ]


async def reads(store: SqlStore, count: int) -> dict[str, float]:
    """Median ms for each lead's read: pages, counts, one transcript, statistics."""
    results: dict[str, float] = {}
    some = (await store.list_transcripts(Filters(), offset=500, limit=1)).items[0]
    for name, filters in filters_to_try(some.practitioner):
        total = await store.count_transcripts(filters)
        last = max(0, total - 10)
        page = partial(store.list_transcripts, filters, limit=10)
        results[f"list {name}: first page"] = await median_ms(partial(page, offset=0))
        results[f"list {name}: last page ({total:,} match)"] = await median_ms(
            partial(page, offset=last)
        )
        results[f"count {name}"] = await median_ms(partial(store.count_transcripts, filters))
    ids = random.Random(7).sample(range(1, count + 1), REPEATS + 1)
    queue = iter(ids)
    results["get_transcript (one, with steps)"] = await median_ms(
        lambda: store.get_transcript(next(queue, 1))
    )
    results["stats_inputs, no filter"] = await median_ms(
        lambda: store.stats_inputs(Filters()), repeats=5
    )
    results["stats_inputs, period=30d"] = await median_ms(
        lambda: store.stats_inputs(Filters(since=NOW - timedelta(days=30))), repeats=5
    )
    one = Filters(scope=frozenset(ORGANISATIONS[3:4]), since=NOW - timedelta(days=30))
    results["stats_inputs, a lead of one organisation, period=30d"] = await median_ms(
        lambda: store.stats_inputs(one), repeats=5
    )
    return results


async def saves(store: SqlStore, count: int) -> dict[str, tuple[float, float]]:
    """p50/p99 ms of save() with and without a one-step transcript write, interleaved."""
    chats = 100
    convs: dict[int, StoredConversation] = {}
    for chat in range(1, chats + 1):
        conv = StoredConversation(
            chat_id=chat,
            dialogue="advice",
            step="about_whom",
            history=(("immediate_danger", "no"),),
            conversation_id=f"bench{chat:03d}",
            turn=1,
            content_version="2026-11-21",
            started_at=NOW,
            updated_at=NOW,
            version=0,
        )
        convs[chat] = await store.save(conv, expected_version=None, transcript=write(conv))
    timings: dict[str, list[float]] = {"with": [], "without": []}
    for index in range(count):
        chat = index % chats + 1
        conv = convs[chat]
        kind = "with" if index % 2 else "without"
        moved = replace(conv, turn=conv.turn + 1, updated_at=NOW + timedelta(seconds=index))
        begin = time.perf_counter()
        convs[chat] = await store.save(
            moved,
            expected_version=conv.version,
            transcript=write(moved) if kind == "with" else None,
        )
        timings[kind].append((time.perf_counter() - begin) * 1000)
    return {
        kind: (statistics.median(values), sorted(values)[int(len(values) * 0.99) - 1])
        for kind, values in timings.items()
    }


def write(conv: StoredConversation) -> TranscriptWrite:
    return TranscriptWrite(
        conversation_id=conv.conversation_id,
        practitioner="p-bench0000000",
        dialogue=conv.dialogue,
        content_version=conv.content_version,
        started_at=conv.started_at,
        at=conv.updated_at,
        outcome=None,
        rules=(),
        steps=(Entry(conv.step, "no", conv.updated_at, False),),
    )


async def run(url: str, dialogue: Dialogue, count: int, save_count: int) -> dict[str, Any]:
    store = await open_store(url, KEYS)  # creates the schema
    try:
        seconds, steps = seed(url, dialogue, count)
        results: dict[str, Any] = {"seed": (seconds, steps)}
        results |= await reads(store, count)
        results["saves"] = await saves(store, save_count)
        begin = time.perf_counter()
        gone = await store.purge_transcripts(NOW - timedelta(days=60))
        results[f"purge_transcripts, older than 60 days ({gone:,}, one run)"] = (
            time.perf_counter() - begin
        ) * 1000
        return results
    finally:
        await store.close()


@contextmanager
def postgres_schema(base: str) -> Iterator[str]:
    """A URL confined to a fresh schema, dropped afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        url = sa.make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


def table(columns: list[tuple[str, dict[str, Any]]]) -> str:
    names = [name for name, _ in columns]
    first = columns[0][1]
    lines = [
        "| measure | " + " | ".join(f"{n} ms" for n in names) + " | target |",
        "|---|" + "---|" * len(names) + "---|",
    ]
    for key in first:
        if key in ("seed", "saves"):
            continue
        target = "< 1,000" if key.startswith("stats") else "" if "purge" in key else "< 200"
        values = [f"{result[key]:.1f}" for _, result in columns]
        lines.append(f"| {key} | " + " | ".join(values) + f" | {target} |")
    for kind in ("without", "with"):
        cells = [
            f"p50 {r['saves'][kind][0]:.2f}, p99 {r['saves'][kind][1]:.2f}" for _, r in columns
        ]
        label = "save() with a one-step TranscriptWrite" if kind == "with" else "save() alone"
        lines.append(f"| {label} | " + " | ".join(cells) + " | |")
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", type=int, default=100_000)
    parser.add_argument("--saves", type=int, default=3_000)
    parser.add_argument("--postgres", default=os.environ.get("INFOSHARE_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    dialogue = load_library()["advice"]
    with tempfile.TemporaryDirectory(prefix="infoshare-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        columns = [("SQLite", await run(url, dialogue, args.transcripts, args.saves))]
    if args.postgres:
        with postgres_schema(args.postgres) as url:
            columns.append(("PostgreSQL", await run(url, dialogue, args.transcripts, args.saves)))
    print(f"machine: {describe()}")
    for name, result in columns:
        seconds, steps = result["seed"]
        print(
            f"{name}: seeded {args.transcripts:,} transcripts ({steps:,} steps, "
            f"{steps / args.transcripts:.1f} a transcript) in {seconds:.1f} s"
        )
    print(f"\nmedian of {REPEATS} runs (stats: 5); saves: {args.saves:,}, half of each kind\n")
    print(table(columns))


if __name__ == "__main__":
    asyncio.run(main())
