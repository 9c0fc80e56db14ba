"""The TranscriptStore contract, and transcripts saved with conversations, on every backend.

PostgreSQL sessions run in Pacific/Chatham (+12:45/+13:45; see tests/support/storage.py), so a
time computed in the session's zone instead of UTC shows up as a wrong minute, not just an hour.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bot.storage import (
    SqlStore,
    StaleWrite,
    StorageUnavailable,
    StoredConversation,
    TranscriptStore,
    open_store,
)
from bot.storage.tables import (
    quiz_answers,
    transcript_notes,
    transcript_steps,
    transcript_tags,
    transcripts,
)
from bot.transcripts.model import (
    BACK,
    FREE_TEXT,
    Access,
    Entry,
    Filters,
    Note,
    QuizAnswer,
    QuizStats,
    Summary,
    Transcript,
    TranscriptWrite,
)
from states import NOT_SURE
from tests.support.storage import KEYS, conversation, postgres_only
from tests.support.tcpproxy import TcpProxy

T = TypeVar("T")
Reopen = Callable[[], Awaitable[SqlStore]]
DAY0 = datetime(2026, 11, 2, 9, 15, tzinfo=UTC)
"""Minutes past the hour on purpose: a bucket computed in Chatham time would not be :00 UTC."""
CHATHAM = ZoneInfo("Pacific/Chatham")
IST = timezone(timedelta(hours=5, minutes=30))


def step(at: datetime, where: str, answer: str, redacted: bool = False) -> Entry:
    return Entry(where, answer, at, redacted, "name" if answer == FREE_TEXT and redacted else None)


def write(
    conversation_id: str,
    at: datetime,
    *steps: Entry,
    practitioner: str = "p-alice",
    started: datetime = DAY0,
    outcome: str | None = None,
    rules: tuple[int, ...] = (),
) -> TranscriptWrite:
    return TranscriptWrite(
        conversation_id=conversation_id,
        practitioner=practitioner,
        dialogue="advice",
        content_version="2026-11-21",
        started_at=started,
        at=at,
        outcome=outcome,
        rules=rules,
        steps=steps,
    )


class Chat:
    """A practitioner's chat saving each move as the bot does: conversation and transcript."""

    def __init__(
        self,
        store: SqlStore,
        chat_id: int,
        conversation_id: str,
        started: datetime = DAY0,
        practitioner: str = "p-alice",
    ) -> None:
        self.store, self.practitioner = store, practitioner
        self.conv = conversation(
            chat_id,
            conversation_id=conversation_id,
            step="immediate_danger",
            started_at=started,
            updated_at=started,
        )
        self.loaded: int | None = None

    async def move(
        self,
        at: datetime,
        to: str,
        *steps: Entry,
        outcome: bool = False,
        rules: tuple[int, ...] = (),
    ) -> StoredConversation:
        moved = replace(self.conv, step=to, updated_at=at, turn=self.conv.turn + 1)
        self.conv = await self.store.save(
            moved,
            expected_version=self.loaded,
            transcript=self.transcript(at, to, steps, outcome, rules),
        )
        self.loaded = self.conv.version
        return self.conv

    def transcript(
        self,
        at: datetime,
        to: str,
        steps: tuple[Entry, ...],
        outcome: bool = False,
        rules: tuple[int, ...] = (),
    ) -> TranscriptWrite:
        return write(
            self.conv.conversation_id,
            at,
            *steps,
            practitioner=self.practitioner,
            started=self.conv.started_at,
            outcome=to if outcome else None,
            rules=rules,
        )


async def only(store: SqlStore) -> Transcript:
    """The one transcript in the store."""
    page = await store.list_transcripts(Filters(), offset=0, limit=10)
    assert page.total == 1, page
    found = await store.get_transcript(page.items[0].id)
    assert found is not None
    return found


async def query(store: SqlStore, work: Callable[[sa.Connection], T]) -> T:
    """`work` on one of the store's own connections: what is in the database, not the API."""
    return await store._runner.read("read for a test", work)


async def rows(store: SqlStore, table: sa.Table) -> int:
    counted = sa.select(sa.func.count()).select_from(table)
    return int(await query(store, lambda conn: conn.execute(counted).scalar_one()))


async def seqs(store: SqlStore) -> list[int]:
    return list(
        await query(store, lambda conn: conn.execute(sa.select(transcript_steps.c.seq)).scalars())
    )


def at(minutes: float) -> datetime:
    return DAY0 + timedelta(minutes=minutes)


# --------------------------------------------------------------------------------------------
# Written with the conversation


async def test_store_satisfies_the_transcript_protocol(store: SqlStore) -> None:
    typed: TranscriptStore = store  # mypy checks the Protocol; this checks the fixture
    assert await typed.count_transcripts(Filters()) == 0
    assert await typed.get_transcript(1) is None


async def test_save_writes_the_transcript_in_step_with_the_conversation(store: SqlStore) -> None:
    chat = Chat(store, 7, "conv0001")
    await chat.move(at(0), "immediate_danger")  # /advice: a header, no steps yet
    started = await only(store)
    assert (started.steps, started.outcome, started.ended_at) == ((), None, None)
    assert started.updated_at == at(0)
    assert (await store.stats_inputs(Filters())).stopped_at == {"immediate_danger": 1}

    await chat.move(at(1), "about_whom", step(at(1), "immediate_danger", "no"))
    await chat.move(
        at(2), "age_band", step(at(2), "about_whom", NOT_SURE), step(at(2), "about_whom", "child")
    )
    await chat.move(
        at(3), "share", step(at(3), "age_band", "age_12_15"), outcome=True, rules=(4, 6)
    )
    found = await only(store)
    assert found == Transcript(
        id=found.id,
        practitioner="p-alice",
        started_at=DAY0,
        ended_at=at(3),
        updated_at=at(3),
        dialogue="advice",
        content_version="2026-11-21",
        outcome="share",
        rules=(4, 6),
        steps=(
            step(at(1), "immediate_danger", "no"),
            step(at(2), "about_whom", NOT_SURE),
            step(at(2), "about_whom", "child"),
            step(at(3), "age_band", "age_12_15"),
        ),
    )
    header = await query(store, lambda conn: conn.execute(sa.select(transcripts)).one())
    assert sorted(await seqs(store)) == [1, 2, 3, 4]
    assert (header.step_count, header.unsure, header.redacted) == (4, True, False)
    assert header.last_step == "share"
    summary = (await store.list_transcripts(Filters(), offset=0, limit=1)).items[0]
    assert summary == Summary(found.id, "p-alice", DAY0, at(3), "share", 4, True, False)


@pytest.mark.parametrize("loaded", [None, 0, 2], ids=["insert", "older", "newer"])
async def test_a_stale_write_changes_no_transcript(store: SqlStore, loaded: int | None) -> None:
    chat = Chat(store, 7, "conv0001")
    await chat.move(at(1), "about_whom", step(at(1), "immediate_danger", NOT_SURE, redacted=True))
    before = await only(store)
    moved = replace(chat.conv, step="share", updated_at=at(9))
    late = chat.transcript(at(9), "share", (step(at(9), "about_whom", "child"),), outcome=True)
    with pytest.raises(StaleWrite):
        await store.save(moved, expected_version=loaded, transcript=late)
    assert await only(store) == before
    assert await store.load(7) == chat.conv


async def test_a_conversation_that_cannot_be_saved_starts_no_transcript(store: SqlStore) -> None:
    fresh = Chat(store, 8, "conv0002")
    fresh.loaded = 1  # the chat's row is gone (deleted by another replica)
    with pytest.raises(StaleWrite):
        await fresh.move(at(1), "about_whom", step(at(1), "immediate_danger", "no"))
    assert await store.count_transcripts(Filters()) == 0
    assert await rows(store, transcript_steps) == 0


async def test_a_failing_transcript_write_rolls_the_conversation_back(store: SqlStore) -> None:
    chat = Chat(store, 7, "conv0001")
    saved = await chat.move(at(1), "about_whom", step(at(1), "immediate_danger", "no"))
    broken = Entry("about_whom", None, at(2), False)  # type: ignore[arg-type]  # NOT NULL
    with pytest.raises(sa.exc.IntegrityError):
        await chat.move(at(2), "age_band", broken)
    assert await store.load(7) == saved
    assert len((await only(store)).steps) == 1


async def test_the_header_is_inserted_again_after_forget_with_a_new_id(store: SqlStore) -> None:
    chat = Chat(store, 7, "conv0001")
    await chat.move(at(1), "about_whom", step(at(1), "immediate_danger", "no"))
    first = (await only(store)).id
    assert await store.forget_practitioner("p-alice", at=at(2)) == 1
    assert await store.count_transcripts(Filters()) == 0
    await chat.move(at(2), "age_band", step(at(2), "about_whom", "child"))
    again = await only(store)
    assert again.id > first  # a number a lead wrote down never comes to mean another one
    assert again.steps == (step(at(2), "about_whom", "child"),)
    assert (again.started_at, again.updated_at) == (DAY0, at(2))
    assert await seqs(store) == [1]


async def test_ids_are_consecutive_however_often_a_transcript_is_saved(store: SqlStore) -> None:
    """Leads type these numbers: updates must not use up ids (as an upsert would)."""
    for chat_id in (1, 2, 3):
        chat = Chat(store, chat_id, f"conv000{chat_id}")
        for minute in range(5):
            await chat.move(at(minute), "about_whom", step(at(minute), "immediate_danger", "no"))
    page = await store.list_transcripts(Filters(), offset=0, limit=10)
    first = page.items[-1].id
    assert [item.id for item in page.items] == [first + 2, first + 1, first]


async def test_flags_stay_once_set_and_ended_at_is_when_the_outcome_was_reached(
    store: SqlStore,
) -> None:
    chat = Chat(store, 7, "conv0001")
    await chat.move(at(1), "about_whom", step(at(1), "immediate_danger", NOT_SURE))
    await store.record(
        chat.transcript(at(2), "about_whom", (step(at(2), "about_whom", FREE_TEXT, True),))
    )
    await chat.move(at(3), "share", step(at(3), "about_whom", "child"), outcome=True)
    assert (await only(store)).ended_at == at(3)
    # Typing at the outcome changes nothing about when it was reached...
    await store.record(
        chat.transcript(at(4), "share", (step(at(4), "share", FREE_TEXT),), outcome=True)
    )
    found = await only(store)
    assert (found.outcome, found.ended_at, found.updated_at) == ("share", at(3), at(4))
    summary = (await store.list_transcripts(Filters(), offset=0, limit=1)).items[0]
    assert (summary.unsure, summary.redacted, summary.steps) == (True, True, 4)
    # ...going back from it unfinishes the transcript, and reaching one again ends it again.
    await chat.move(at(5), "about_whom", step(at(5), "share", BACK))
    back = await only(store)
    assert (back.outcome, back.ended_at) == (None, None)
    assert (await store.stats_inputs(Filters())).stopped_at == {"about_whom": 1}
    await chat.move(at(6), "share", step(at(6), "about_whom", "adult"), outcome=True)
    assert (await only(store)).ended_at == at(6)


async def test_record_appends_without_touching_the_conversation(store: SqlStore) -> None:
    chat = Chat(store, 7, "conv0001")
    saved = await chat.move(at(1), "about_whom", step(at(1), "immediate_danger", "no"))
    await store.record(
        chat.transcript(at(2), "about_whom", (step(at(2), "about_whom", FREE_TEXT),))
    )
    assert await store.load(7) == saved
    found = await only(store)
    assert [s.answer for s in found.steps] == ["no", FREE_TEXT]
    assert found.updated_at == at(2)
    with pytest.raises(ValueError, match="at least one step"):
        await store.record(chat.transcript(at(3), "about_whom", ()))


async def test_concurrent_writers_get_consecutive_distinct_step_numbers(
    store: SqlStore, reopen: Reopen
) -> None:
    other = await reopen()
    writes = [
        write("conv0001", at(i), step(at(i), f"q{i}", "yes"), step(at(i), f"q{i}", "no"))
        for i in range(12)
    ]
    await asyncio.gather(*((store if i % 2 else other).record(w) for i, w in enumerate(writes)))
    found = await only(store)
    assert len(found.steps) == 24
    pairs = [found.steps[i : i + 2] for i in range(0, 24, 2)]
    assert all(a.step == b.step and (a.answer, b.answer) == ("yes", "no") for a, b in pairs)
    assert {a.step for a, _ in pairs} == {f"q{i}" for i in range(12)}
    assert sorted(await seqs(store)) == list(range(1, 25))


# --------------------------------------------------------------------------------------------
# Filters, pages, iteration


FIVE = [  # name, practitioner, outcome, steps as step=answer (! = redacted)
    ("a", "p-alice", "share", "immediate_danger=yes, about_whom=no"),
    ("b", "p-alice", None, f"immediate_danger={NOT_SURE}"),
    ("c", "p-bob", "share", f"immediate_danger=no, about_whom={FREE_TEXT}!"),
    ("d", "p-bob", "do_not_share", f"immediate_danger={NOT_SURE}, about_whom=child"),
    ("e", "p-carol", None, f"immediate_danger=yes, about_whom={BACK}"),
]
REAL_ANSWERS = {"a": 2, "b": 1, "c": 1, "d": 2, "e": 1}
"""Answers given in each of FIVE, not counting Back and free text."""


async def seed_five(store: SqlStore) -> dict[str, int]:
    """FIVE, a day apart from DAY0, each last changed 5 minutes after it started; tagged
    a: reviewed, c: follow_up, e: follow_up and reviewed. Returns name -> transcript id."""
    for day, (name, who, outcome, moves) in enumerate(FIVE):
        started = DAY0 + timedelta(days=day)
        steps = [
            step(started, where, given.rstrip("!"), given.endswith("!"))
            for where, _, given in (move.partition("=") for move in moves.split(", "))
        ]
        change = write(
            name,
            started + timedelta(minutes=5),
            *steps,
            practitioner=who,
            started=started,
            outcome=outcome,
        )
        await store.record(change)
    page = await store.list_transcripts(Filters(), offset=0, limit=10)
    ids = {"abcde"[(item.started_at - DAY0).days]: item.id for item in page.items}
    await store.set_tag(ids["a"], "reviewed", True)
    await store.set_tag(ids["c"], "follow_up", True)
    await store.set_tag(ids["e"], "follow_up", True)
    await store.set_tag(ids["e"], "reviewed", True)
    return ids


FAR_FUTURE = DAY0 + timedelta(days=3650)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(), "abcde"),
        (Filters(outcome="share"), "ac"),
        (Filters(outcome="refer_now"), ""),
        (Filters(since=DAY0 + timedelta(days=1), until=DAY0 + timedelta(days=3)), "bc"),
        (Filters(since=DAY0 + timedelta(days=3)), "de"),
        (Filters(until=DAY0 + timedelta(days=1)), "a"),
        (Filters(unsure=True), "bd"),
        (Filters(redacted=True), "c"),
        (Filters(unfinished=True), "be"),
        (Filters(practitioner="p-bob"), "cd"),
        (Filters(tag="follow_up"), "ce"),
        (Filters(tag="training_need"), ""),
        (Filters(outcome="share", tag="follow_up"), "c"),
        (Filters(unsure=True, unfinished=True), "b"),
        (Filters(tag="reviewed", practitioner="p-carol"), "e"),
        (Filters(question="about_whom"), "acde"),
        (Filters(question="about_whom", unsure=True), "d"),
        (Filters(question="consent"), ""),
    ],
    ids=lambda value: value.describe() if isinstance(value, Filters) else value or "none",
)
async def test_each_filter_selects_the_same_transcripts_everywhere(
    store: SqlStore, filters: Filters, expected: str
) -> None:
    ids = await seed_five(store)
    newest_first = [ids[name] for name in reversed(expected)]
    page = await store.list_transcripts(filters, offset=0, limit=10)
    assert [item.id for item in page.items] == newest_first
    assert page.total == len(expected)
    assert await store.count_transcripts(filters) == len(expected)
    iterated = [t.id async for t in store.iter_transcripts(filters, batch=2)]
    assert iterated == newest_first[::-1]
    stats = await store.stats_inputs(filters)
    assert sum(stats.by_hour.values()) == len(expected)
    assert sum(stats.answered.values()) == sum(REAL_ANSWERS[name] for name in expected)
    assert await store.purge_transcripts(FAR_FUTURE, filters) == len(expected)
    left = [t.id async for t in store.iter_transcripts(Filters())]
    assert left == [ids[name] for name in "abcde" if name not in expected]


async def test_pages_are_newest_first_with_totals_and_ties_broken_by_id(store: SqlStore) -> None:
    for number in range(25):  # three at a time start in the same microsecond
        started = DAY0 + timedelta(minutes=number // 3)
        given = NOT_SURE if number % 4 == 0 else "no"
        await store.record(
            write(f"conv{number:04d}", started, step(started, "q", given), started=started)
        )
    everything = [t async for t in store.iter_transcripts(Filters())]
    assert [t.started_at for t in everything] == sorted(t.started_at for t in everything)
    newest_first = [t.id for t in sorted(everything, key=lambda t: (t.started_at, t.id))][::-1]
    pages = [await store.list_transcripts(Filters(), offset=o, limit=10) for o in (0, 10, 20, 30)]
    assert [item.id for p in pages for item in p.items] == newest_first
    assert [len(p.items) for p in pages] == [10, 10, 5, 0]
    assert [(p.total, p.offset, p.limit) for p in pages] == [
        (25, 0, 10),
        (25, 10, 10),
        (25, 20, 10),
        (25, 30, 10),
    ]
    for batch in (1, 2, 3, 7, 25, 500):  # batch edges fall inside runs of equal start times
        assert [t.id async for t in store.iter_transcripts(Filters(), batch=batch)] == (
            newest_first[::-1]
        )
    unsure = [t.id async for t in store.iter_transcripts(Filters(unsure=True), batch=2)]
    assert len(unsure) == 7
    assert unsure == [i for i in newest_first[::-1] if i in set(unsure)]
    unsure_page = await store.list_transcripts(Filters(unsure=True), offset=5, limit=10)
    assert ([i.id for i in unsure_page.items], unsure_page.total) == (unsure[::-1][5:], 7)


async def test_tags_go_on_and_off(store: SqlStore) -> None:
    ids = await seed_five(store)
    a = ids["a"]
    assert await store.set_tag(a, "follow_up", True)
    assert await store.set_tag(a, "follow_up", True)  # twice is once
    found = await store.get_transcript(a)
    assert found is not None
    assert found.tags == {"reviewed", "follow_up"}
    page = await store.list_transcripts(Filters(practitioner="p-alice"), offset=0, limit=10)
    assert [(item.id, item.tags) for item in page.items] == [
        (ids["b"], frozenset()),
        (a, {"reviewed", "follow_up"}),
    ]
    assert await store.set_tag(a, "reviewed", False)
    assert await store.set_tag(a, "reviewed", False)  # already off: still fine
    found = await store.get_transcript(a)
    assert found is not None
    assert found.tags == {"follow_up"}
    assert not await store.set_tag(999_999, "reviewed", True)
    assert not await store.set_tag(999_999, "reviewed", False)
    assert await rows(store, transcript_tags) == 4


async def test_notes_are_kept_in_time_order(store: SqlStore) -> None:
    ids = await seed_five(store)
    later = Note(at(60).astimezone(IST), "telegram:42", "Discussed at supervision.")
    earlier = Note(at(30), "cli:lead", "Asked the DSL.")
    assert await store.add_note(ids["b"], later)
    assert await store.add_note(ids["b"], earlier)
    assert await store.add_note(ids["b"], replace(earlier, text="Same minute, added after."))
    assert not await store.add_note(999_999, earlier)
    found = await store.get_transcript(ids["b"])
    assert found is not None
    assert found.notes == (earlier, replace(earlier, text="Same minute, added after."), later)
    assert found.notes[2].at.tzinfo is UTC
    other = await store.get_transcript(ids["a"])
    assert other is not None
    assert other.notes == ()


async def test_forget_deletes_one_practitioners_transcripts_and_quiz_answers(
    store: SqlStore,
) -> None:
    ids = await seed_five(store)
    await store.add_note(ids["a"], Note(at(1), "cli:lead", "note"))
    await store.add_note(ids["c"], Note(at(1), "cli:lead", "note"))
    for who in ("p-alice", "p-bob"):
        await store.record_quiz_answer(QuizAnswer(who, "myths", "consent_always", False, at(1)))
    assert await store.keeps_conversation("a") and await store.keeps_conversation("c")
    assert await store.forget_practitioner("p-alice", at=at(2)) == 2
    assert not await store.keeps_conversation("a") and await store.keeps_conversation("c")
    assert await store.forget_practitioner("p-alice", at=at(3)) == 0
    assert await store.forget_practitioner("p-nobody", at=at(4)) == 0
    assert [t.id async for t in store.iter_transcripts(Filters())] == [ids[n] for n in "cde"]
    assert await store.get_transcript(ids["a"]) is None
    # Nothing of theirs is left behind in the child tables.
    assert await rows(store, transcript_steps) == 6
    assert await rows(store, transcript_tags) == 3
    assert await rows(store, transcript_notes) == 1
    assert await rows(store, quiz_answers) == 1
    assert (await store.quiz_stats()).takers == {"myths": 1}


async def every_text(store: SqlStore) -> dict[str, list[str]]:
    """Every value of every row of every table in the database (not just the ones the code
    knows about), as text, by table: what a copy of the database would show."""

    def work(conn: sa.Connection) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for name in sa.inspect(conn).get_table_names():
            result = conn.execute(sa.text(f'SELECT * FROM "{name}"'))
            found[name] = [str(value) for row in result for value in row]
        return found

    return await query(store, work)


async def test_forget_leaves_the_code_nowhere_and_logs_only_counts(store: SqlStore) -> None:
    ids = await seed_five(store)
    await store.add_note(ids["a"], Note(at(1), "cli:lead", "her own"))
    await store.add_note(ids["c"], Note(at(1), "cli:lead", "same office as p-alice"))
    for who in ("p-alice", "p-bob"):
        await store.record_quiz_answer(QuizAnswer(who, "myths", "consent_always", False, at(1)))
    bob = [
        Access(at(2), "telegram:p-bob", "telegram", "list", allowed=False),
        Access(at(3), "telegram:42", "telegram", "list", "practitioner p-bob; from 1"),
    ]
    for access in (
        Access(at(1), "telegram:p-alice", "telegram", "stats", allowed=False),
        bob[0],
        Access(at(2), "cli:lead", "cli", "export csv", "practitioner=p-alice"),
        bob[1],
        Access(at(4), "telegram:42", "telegram", "list", "practitioner p-alice; from 1"),
    ):
        await store.log_access(access)
    assert "p-alice" in str(await every_text(store))  # the scan sees it when it is there

    assert await store.forget_practitioner("p-alice", at=at(9)) == 2

    leftovers = {
        t: [v for v in vs if "p-alice" in v] for t, vs in (await every_text(store)).items()
    }
    assert not any(leftovers.values()), leftovers
    log = await store.accesses()
    assert log[0] == Access(
        at(9), "practitioner", "telegram", "forget", "2 transcripts, 1 quiz answer deleted"
    )
    # The rows that named them stay (leads' trail of who looked), with the code replaced.
    assert [(a.who, a.action, a.detail) for a in log[1:] if a not in bob] == [
        ("telegram:42", "list", "practitioner (forgotten); from 1"),
        ("cli:lead", "export csv", "practitioner=(forgotten)"),
        ("telegram:(forgotten)", "stats", ""),
    ]
    # Everyone else's is untouched.
    assert [a for a in log if a in bob] == bob[::-1]
    assert [t.practitioner async for t in store.iter_transcripts(Filters())] == [
        "p-bob",
        "p-bob",
        "p-carol",
    ]
    note = await store.get_transcript(ids["c"])
    assert note is not None and [n.text for n in note.notes] == ["same office as (forgotten)"]
    assert (await store.quiz_stats()).takers == {"myths": 1}


async def test_forget_leaves_no_bytes_of_the_code_in_the_sqlite_files(sqlite_path: Path) -> None:
    """A copy of the files (a backup, a lost laptop) is what matters, not only what SQL shows:
    deleted rows must be zeroed and the write-ahead log emptied, while the store stays open."""
    store = await open_store(f"sqlite:///{sqlite_path}", KEYS)
    try:
        await seed_five(store)
        await store.record_quiz_answer(QuizAnswer("p-alice", "myths", "s1", False, at(1)))
        await store.log_access(Access(at(1), "telegram:p-alice", "telegram", "list", allowed=False))
        files = [sqlite_path, sqlite_path.with_name(sqlite_path.name + "-wal")]
        assert b"p-alice" in b"".join(f.read_bytes() for f in files if f.exists())
        assert await store.forget_practitioner("p-alice", at=at(9)) == 2
        left = {f.name: f.read_bytes().count(b"p-alice") for f in files if f.exists()}
        assert set(left.values()) == {0}, left
        assert b"p-bob" in sqlite_path.read_bytes()  # the checkpoint did reach the file
    finally:
        await store.close()


async def test_forget_does_not_wait_for_a_reader_holding_the_write_ahead_log(
    sqlite_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An export reading an old snapshot keeps SQLite's log: /forget neither waits for it (other
    chats would wait too) nor pretends it was emptied. The busy timeout is a minute, so waiting
    for the reader would take far longer than the bound below, however slow the machine."""
    store = await open_store(f"sqlite:///{sqlite_path}?timeout=60", KEYS)
    reader = sqlite3.connect(sqlite_path)
    try:
        await seed_five(store)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM transcripts").fetchone()  # holds its snapshot
        await store.record(write("conv9", at(5), step(at(5), "immediate_danger", "no")))
        started = time.perf_counter()
        with caplog.at_level(logging.WARNING):
            assert await store.forget_practitioner("p-alice", at=at(9)) == 3  # conv9's too
        assert time.perf_counter() - started < 30.0
        assert "still in use" in caplog.text
        assert await store.count_transcripts(Filters()) == 3  # the deletion itself is committed
    finally:
        reader.close()
        await store.close()


async def test_forget_writes_one_count_only_entry_even_when_nothing_was_kept(
    store: SqlStore,
) -> None:
    assert await store.forget_practitioner("p-nobody", at=at(1)) == 0
    assert await store.accesses() == [
        Access(at(1), "practitioner", "telegram", "forget", "0 transcripts, 0 quiz answers deleted")
    ]


async def test_purge_goes_by_last_change_and_leaves_conversations(store: SqlStore) -> None:
    ids = await seed_five(store)  # each last changed 5 minutes after it started
    chat = await store.save(conversation(1, updated_at=DAY0), expected_version=None)
    await store.add_note(ids["b"], Note(at(1), "cli:lead", "note"))
    cut_off = DAY0 + timedelta(days=2, minutes=5)  # c changed exactly then: it stays
    assert await store.purge_transcripts(cut_off) == 2
    assert [t.id async for t in store.iter_transcripts(Filters())] == [ids[n] for n in "cde"]
    assert await rows(store, transcript_steps) == 6
    assert await rows(store, transcript_tags) == 3
    assert await rows(store, transcript_notes) == 0
    assert await store.purge_transcripts(cut_off) == 0
    assert await store.purge_transcripts(FAR_FUTURE, Filters(practitioner="p-bob")) == 2
    assert [t.id async for t in store.iter_transcripts(Filters())] == [ids["e"]]
    assert await store.load(chat.chat_id) == chat


async def test_access_log_is_newest_first(store: SqlStore) -> None:
    entries = [
        Access(at(0), "telegram:1", "telegram", "list", "all transcripts"),
        Access(at(1).astimezone(CHATHAM), "cli:lead", "cli", "show 42"),
        Access(at(1), "telegram:p-3f9a0c2e71b4", "telegram", "stats", allowed=False),
        Access(at(-5), "cli:lead", "cli", "purge", "3 deleted"),
    ]
    for entry in entries:
        await store.log_access(entry)
    found = await store.accesses()
    assert found == [entries[2], entries[1], entries[0], entries[3]]  # same time: later first
    assert all(a.at.tzinfo is UTC for a in found)
    assert await store.accesses(since=at(0)) == [entries[2], entries[1], entries[0]]
    assert await store.accesses(since=at(0), limit=2) == [entries[2], entries[1]]
    assert await store.accesses(since=at(2)) == []


async def test_access_log_lines_by_whom_and_about_one_transcript(store: SqlStore) -> None:
    """Filtered in the database, so an old line is found however many came since."""
    lines = [
        Access(at(0), "desk:1", "desk", "show 42"),
        Access(at(1), "desk:2", "desk", "tag 42 reviewed off"),
        Access(at(2), "telegram:1", "telegram", "note 42"),
        Access(at(3), "telegram:1", "telegram", "show 420"),
        Access(at(4), "desk:1", "desk", "tag 4 reviewed"),
        Access(at(5), "desk:?", "desk", "signin", "forged", allowed=False),
    ]
    for line in lines:
        await store.log_access(line)
    assert await store.accesses(about=42) == [lines[2], lines[1], lines[0]]
    assert await store.accesses(about=42, limit=1) == [lines[2]]
    assert await store.accesses(who={"desk:1"}) == [lines[4], lines[0]]
    assert await store.accesses(who={"desk:1", "telegram:1"}, about=42) == [lines[2], lines[0]]
    assert await store.accesses(who=set()) == []


# --------------------------------------------------------------------------------------------
# Statistics


async def seed_stats(store: SqlStore) -> None:
    """Five conversations saved move by move, as the bot saves them (see the expected numbers)."""
    x = Chat(store, 1, "convX", started=DAY0)  # 09:15 UTC, shared after 90.5 s
    await x.move(DAY0 + timedelta(seconds=10), "about_whom", step(DAY0, "immediate_danger", "no"))
    await x.move(DAY0 + timedelta(seconds=20), "age_band", step(DAY0, "about_whom", NOT_SURE))
    await x.move(DAY0 + timedelta(seconds=30), "about_whom", step(DAY0, "age_band", BACK))
    typed = step(DAY0, "about_whom", FREE_TEXT, redacted=True)
    await store.record(x.transcript(DAY0 + timedelta(seconds=40), "about_whom", (typed,)))
    await x.move(DAY0 + timedelta(seconds=50), "age_band", step(DAY0, "about_whom", "child"))
    ended = DAY0 + timedelta(seconds=90, microseconds=500_000)
    await x.move(ended, "share", step(ended, "age_band", "age_12_15"), outcome=True, rules=(4,))

    y_start = DAY0 + timedelta(minutes=30)  # 09:45, refer_now after 600 s
    y = Chat(store, 2, "convY", started=y_start, practitioner="p-bob")
    await y.move(
        y_start + timedelta(minutes=10),
        "refer_now",
        step(y_start, "immediate_danger", NOT_SURE),
        outcome=True,
    )
    z_start = DAY0 + timedelta(minutes=45)  # 10:00 exactly: the next hour; stopped at about_whom
    z = Chat(store, 3, "convZ", started=z_start)
    await z.move(
        z_start + timedelta(minutes=1), "about_whom", step(z_start, "immediate_danger", "no")
    )
    w_start = DAY0 + timedelta(minutes=104, seconds=59, microseconds=999_999)  # 10:59:59.999999
    w = Chat(store, 4, "convW", started=w_start)
    await w.move(
        w_start + timedelta(seconds=30), "about_whom", step(w_start, "immediate_danger", "no")
    )
    await w.move(w_start + timedelta(seconds=60), "age_band", step(w_start, "about_whom", "child"))
    await store.record(
        w.transcript(
            w_start + timedelta(seconds=90), "age_band", (step(w_start, "age_band", FREE_TEXT),)
        )
    )
    v_start = DAY0 + timedelta(minutes=135)  # 11:30, /advice and nothing else
    await Chat(store, 5, "convV", started=v_start).move(v_start, "immediate_danger")


def hour(h: int) -> datetime:
    return datetime(2026, 11, 2, h, tzinfo=UTC)


async def test_stats_inputs_are_exact_on_a_small_hand_made_set(store: SqlStore) -> None:
    empty = await store.stats_inputs(Filters())
    assert (empty.by_hour, empty.answered, empty.unsure, empty.stopped_at) == ({}, {}, {}, {})
    assert empty.durations_s == []
    await seed_stats(store)
    stats = await store.stats_inputs(Filters())
    assert stats.by_hour == {
        (hour(9), "share"): 1,
        (hour(9), "refer_now"): 1,
        (hour(10), None): 2,
        (hour(11), None): 1,
    }
    assert all(key.tzinfo is UTC for key, _ in stats.by_hour)
    assert stats.answered == {"immediate_danger": 4, "about_whom": 3, "age_band": 1}
    assert stats.unsure == {"immediate_danger": 1, "about_whom": 1, "age_band": 0}
    assert stats.stopped_at == {"about_whom": 1, "age_band": 1, "immediate_danger": 1}
    assert sorted(stats.durations_s) == [90.5, 600.0]

    shared = await store.stats_inputs(Filters(outcome="share"))
    assert shared.by_hour == {(hour(9), "share"): 1}
    assert shared.answered == {"immediate_danger": 1, "about_whom": 2, "age_band": 1}
    assert shared.unsure == {"immediate_danger": 0, "about_whom": 1, "age_band": 0}
    assert (shared.stopped_at, shared.durations_s) == ({}, [90.5])

    unfinished = await store.stats_inputs(Filters(unfinished=True, since=hour(10)))
    assert unfinished.by_hour == {(hour(10), None): 2, (hour(11), None): 1}
    assert unfinished.answered == {"immediate_danger": 2, "about_whom": 1}
    assert unfinished.unsure == {"immediate_danger": 0, "about_whom": 0}
    assert unfinished.stopped_at == {"about_whom": 1, "age_band": 1, "immediate_danger": 1}
    assert unfinished.durations_s == []

    bob = await store.stats_inputs(Filters(practitioner="p-bob", redacted=False))
    assert (bob.answered, bob.unsure) == ({"immediate_danger": 1}, {"immediate_danger": 1})
    assert bob.durations_s == [600.0]


async def test_quiz_stats_count_takers_answers_and_wrong_answers(store: SqlStore) -> None:
    assert await store.quiz_stats() == QuizStats({}, {}, {})
    answers = [
        QuizAnswer("p-1", "myths", "s1", True, at(10)),
        QuizAnswer("p-1", "myths", "s1", False, at(11)),  # a second go counts as an answer
        QuizAnswer("p-1", "myths", "s2", True, at(12)),
        QuizAnswer("p-2", "myths", "s1", False, at(13).astimezone(IST)),
        QuizAnswer("p-2", "cases", "s1", True, at(14)),
        QuizAnswer("p-3", "cases", "s1", True, at(-60)),
    ]
    for answer in answers:
        await store.record_quiz_answer(answer)
    assert await store.quiz_stats() == QuizStats(
        takers={"myths": 2, "cases": 2},
        answered={("myths", "s1"): 3, ("myths", "s2"): 1, ("cases", "s1"): 2},
        wrong={("myths", "s1"): 2, ("myths", "s2"): 0, ("cases", "s1"): 0},
    )
    assert await store.quiz_stats(since=at(13).astimezone(CHATHAM)) == QuizStats(
        takers={"myths": 1, "cases": 1},
        answered={("myths", "s1"): 1, ("cases", "s1"): 1},
        wrong={("myths", "s1"): 1, ("cases", "s1"): 0},
    )


async def test_purge_quiz_answers_deletes_only_those_given_before_the_cut_off(
    store: SqlStore,
) -> None:
    answers = [
        QuizAnswer("p-1", "myths", "s1", True, at(-60)),
        QuizAnswer("p-2", "myths", "s2", False, at(-1).astimezone(IST)),
        QuizAnswer("p-1", "myths", "s1", False, at(0)),  # exactly at the cut-off: it stays
        QuizAnswer("p-3", "cases", "s1", True, at(5).astimezone(CHATHAM)),
    ]
    for answer in answers:
        await store.record_quiz_answer(answer)
    chat = await store.save(conversation(1, updated_at=DAY0), expected_version=None)
    assert await rows(store, quiz_answers) == 4
    assert await store.purge_quiz_answers(at(0).astimezone(CHATHAM)) == 2
    assert await rows(store, quiz_answers) == 2
    assert await store.quiz_stats() == QuizStats(
        takers={"myths": 1, "cases": 1},
        answered={("myths", "s1"): 1, ("cases", "s1"): 1},
        wrong={("myths", "s1"): 1, ("cases", "s1"): 0},
    )
    assert await store.purge_quiz_answers(at(0)) == 0
    assert await store.load(chat.chat_id) == chat, "conversations are not quiz answers"
    assert await store.purge_quiz_answers(FAR_FUTURE) == 2
    assert await rows(store, quiz_answers) == 0
    assert await store.quiz_stats() == QuizStats({}, {}, {})


# --------------------------------------------------------------------------------------------
# Time zones and failures


async def test_times_come_back_in_utc_and_filters_compare_instants(store: SqlStore) -> None:
    starts = [DAY0, DAY0 + timedelta(hours=1), DAY0 + timedelta(hours=2)]
    for number, started in enumerate(starts):
        local = started.astimezone(IST)
        change = write(
            f"conv{number}",
            (started + timedelta(minutes=1)).astimezone(CHATHAM),
            step(local, "immediate_danger", "no"),
            started=local,
            outcome="share",
        )
        await store.record(change)
    found = [t async for t in store.iter_transcripts(Filters())]
    assert [t.started_at for t in found] == starts
    for transcript in found:
        times = [transcript.started_at, transcript.updated_at, transcript.ended_at]
        times += [s.at for s in transcript.steps]
        assert all(t is not None and t.tzinfo is UTC for t in times)
        assert transcript.steps[0].at == transcript.started_at
        assert transcript.ended_at == transcript.started_at + timedelta(minutes=1)
    middle = Filters(since=starts[1].astimezone(CHATHAM), until=starts[2].astimezone(IST))
    assert [t.started_at async for t in store.iter_transcripts(middle)] == [starts[1]]
    assert (await store.list_transcripts(middle, offset=0, limit=5)).items[0].started_at == starts[
        1
    ]
    assert await store.count_transcripts(middle) == 1
    cut_off = (starts[1] + timedelta(minutes=1)).astimezone(CHATHAM)  # exactly b's last change
    assert await store.purge_transcripts(cut_off) == 1


Attempt = Callable[[SqlStore], Awaitable[Any]]


async def iterate(store: SqlStore) -> list[Transcript]:
    return [t async for t in store.iter_transcripts(Filters())]


WRITES: dict[str, Attempt] = {
    "record": lambda s: s.record(write("conv1", at(2), step(at(2), "about_whom", "child"))),
    "save": lambda s: Chat(s, 2, "conv2").move(at(2), "immediate_danger"),
    "set_tag": lambda s: s.set_tag(1, "reviewed", True),
    "add_note": lambda s: s.add_note(1, Note(at(2), "cli:lead", "n")),
    "forget_practitioner": lambda s: s.forget_practitioner("p-alice", at=at(2)),
    "purge_transcripts": lambda s: s.purge_transcripts(FAR_FUTURE),
    "log_access": lambda s: s.log_access(Access(at(2), "cli:lead", "cli", "list")),
    "record_quiz_answer": lambda s: s.record_quiz_answer(
        QuizAnswer("p-alice", "myths", "s1", True, at(2))
    ),
}
READS: dict[str, Attempt] = {
    "list_transcripts": lambda s: s.list_transcripts(Filters(), offset=0, limit=10),
    "get_transcript": lambda s: s.get_transcript(1),
    "iter_transcripts": iterate,
    "count_transcripts": lambda s: s.count_transcripts(Filters()),
    "stats_inputs": lambda s: s.stats_inputs(Filters()),
    "accesses": lambda s: s.accesses(),
    "quiz_stats": lambda s: s.quiz_stats(),
}


@pytest.mark.parametrize("method", WRITES)
async def test_every_transcript_write_on_a_read_only_database_is_unavailable(
    sqlite_path: Path, method: str
) -> None:
    writable = await open_store(f"sqlite:///{sqlite_path}", KEYS)
    await Chat(writable, 1, "conv1").move(
        at(1), "about_whom", step(at(1), "immediate_danger", "no")
    )
    await writable.close()
    store = await open_store(f"sqlite:///file:{sqlite_path}?mode=ro&uri=true", KEYS)
    try:
        with pytest.raises(StorageUnavailable, match="readonly database"):
            await WRITES[method](store)
        assert len((await only(store)).steps) == 1  # reads still work
    finally:
        await store.close()


@postgres_only
@pytest.mark.postgres
@pytest.mark.parametrize("method", READS)
async def test_every_transcript_read_during_an_outage_is_unavailable(
    postgres_url: str, method: str
) -> None:
    url = make_url(postgres_url)
    relay = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await relay.restore()
    store = await open_store(url.set(port=relay.port).render_as_string(hide_password=False), KEYS)
    try:
        await store.record(write("conv1", at(1), step(at(1), "immediate_danger", "no")))
        await relay.cut()
        with pytest.raises(StorageUnavailable):
            await READS[method](store)
        await relay.restore()  # back: no new store needed
        await READS[method](store)
        assert len(await iterate(store)) == 1
    finally:
        await store.close()
        await relay.cut()


async def test_unfinished_transcripts_by_how_they_stand(store: SqlStore) -> None:
    """In progress, abandoned (nothing since the cut-off) or empty (no step at all)."""
    first = step(at(1), "immediate_danger", "no")
    await store.record(write("done", at(2), first, outcome="share"))
    await store.record(write("recent", at(90), first))
    await store.record(write("stale", at(5), first))
    await store.record(write("staler", at(4), first))
    empty = conversation(chat_id=5, conversation_id="empty")
    await store.save(empty, expected_version=None, transcript=write("empty", at(3)))
    cut_off = at(60)
    split = (await store.stats_inputs(Filters(), abandoned_before=cut_off)).unfinished
    assert split == {"in_progress": 1, "abandoned": 2, "empty": 1}
    assert (await store.stats_inputs(Filters())).unfinished == {"in_progress": 3, "empty": 1}
    outcome_only = Filters(outcome="share")
    assert (await store.stats_inputs(outcome_only, abandoned_before=cut_off)).unfinished == {}


async def test_practitioners_added_up_by_pseudonym(store: SqlStore) -> None:
    first = step(at(1), "immediate_danger", "no")
    unsure = step(at(2), "consent", NOT_SURE)
    await store.record(write("a1", at(3), first, practitioner="p-a", outcome="share"))
    await store.record(write("a2", at(9), first, practitioner="p-a", outcome="refer_now"))
    await store.record(write("a3", at(5), first, unsure, practitioner="p-a"))
    await store.record(write("b1", at(4), first, unsure, practitioner="p-b", outcome="share"))
    rows = {r.who: r for r in await store.practitioners(Filters(), ("refer_now",))}
    a, b = rows["p-a"], rows["p-b"]
    assert (a.decisions, a.finished, a.unsure, a.urgent, a.last_seen) == (3, 2, 1, 1, at(9))
    assert (b.decisions, b.finished, b.unsure, b.urgent, b.last_seen) == (1, 1, 1, 0, at(4))
    none_urgent = await store.practitioners(Filters(), ())
    assert {r.who: r.urgent for r in none_urgent} == {"p-a": 0, "p-b": 0}
    only_unsure = await store.practitioners(Filters(unsure=True), ("refer_now",))
    assert {r.who: r.decisions for r in only_unsure} == {"p-a": 1, "p-b": 1}
