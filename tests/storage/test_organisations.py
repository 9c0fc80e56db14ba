"""The OrganisationStore contract on every backend, and organisations on what is written: a
transcript or quiz answer takes its practitioner's organisation when first written and keeps it;
a scope confines every read and purge that takes `Filters`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from bot.alerts import Identity
from bot.storage import OrganisationStore, SqlStore, StorageUnavailable, open_store
from bot.storage.sql import driver_url, migration_config
from bot.transcripts.model import Filters, QuizAnswer, TranscriptWrite
from tests.support.storage import KEYS, conversation, transcript_write

AT = datetime(2026, 11, 2, 9, 15, tzinfo=UTC)
LEASE = timedelta(seconds=30)
FAR_FUTURE = AT + timedelta(days=3650)
Reopen = Callable[[], Awaitable[SqlStore]]


def at(minutes: float) -> datetime:
    return AT + timedelta(minutes=minutes)


def write(
    conversation_id: str,
    practitioner: str,
    minutes: float = 0,
    outcome: str | None = "share",
    alert_at: datetime | None = None,
) -> TranscriptWrite:
    return transcript_write(
        conversation_id, outcome, at=at(minutes), practitioner=practitioner, alert_at=alert_at
    )


async def seed(store: SqlStore) -> dict[str, int]:
    """Transcripts a, b (p-ann in north), c (p-bob in south), d (p-cy in none); by name."""
    await store.join_organisation("p-ann", "north", at(0))
    await store.join_organisation("p-bob", "south", at(0))
    for minutes, (name, who) in enumerate([("a", "p-ann"), ("b", "p-ann"), ("c", "p-bob")]):
        await store.record(write(name, who, minutes))
    await store.record(write("d", "p-cy", 3, outcome=None))
    page = await store.list_transcripts(Filters(), offset=0, limit=10)
    return {
        "abcd"[int((item.started_at - AT).total_seconds() // 60)]: item.id for item in page.items
    }


async def test_store_satisfies_the_organisation_protocol(store: SqlStore) -> None:
    typed: OrganisationStore = store  # mypy checks the Protocol; this checks the fixture
    assert typed is store


# ---- memberships -----------------------------------------------------------------------------


async def test_join_move_and_leave(store: SqlStore) -> None:
    assert await store.organisation_of("p-ann") is None
    assert await store.members() == {}
    assert await store.join_organisation("p-ann", "north", at(0)) is None
    assert await store.join_organisation("p-bob", "north", at(0)) is None
    assert await store.join_organisation("p-cy", "south", at(0)) is None
    assert await store.organisation_of("p-ann") == "north"
    assert await store.members() == {"north": 2, "south": 1}
    assert await store.join_organisation("p-ann", "south", at(1)) == "north"
    assert await store.join_organisation("p-ann", "south", at(2)) == "south"
    assert await store.members() == {"north": 1, "south": 2}
    assert await store.leave_organisation("p-ann") == "south"
    assert await store.leave_organisation("p-ann") is None
    assert await store.organisation_of("p-ann") is None
    assert await store.members() == {"north": 1, "south": 1}


async def test_concurrent_joins_leave_one_membership_and_see_each_other(
    store: SqlStore, reopen: Reopen
) -> None:
    """Two replicas join each practitioner at once: one finds nobody, the other finds it."""
    other = await reopen()
    who = [f"p-{n:012x}" for n in range(12)]
    async with asyncio.timeout(120):
        answers = await asyncio.gather(
            *(
                s.join_organisation(p, org, at(0))
                for p in who
                for s, org in ((store, "north"), (other, "south"))
            )
        )
    for p, (north_found, south_found) in zip(
        who, zip(answers[::2], answers[1::2], strict=True), strict=True
    ):
        now = await store.organisation_of(p)
        assert (north_found, south_found, now) in [
            (None, "north", "south"),
            ("south", None, "north"),
        ]
    members = await store.members()
    assert sum(members.values()) == len(who)


async def test_forget_deletes_the_membership_with_the_rest(store: SqlStore) -> None:
    await store.join_organisation("p-ann", "north", at(0))
    await store.join_organisation("p-bob", "north", at(0))
    await store.record(write("a", "p-ann"))
    assert await store.forget_practitioner("p-ann", at=at(1)) == 1
    assert await store.organisation_of("p-ann") is None
    assert await store.members() == {"north": 1}


# ---- invitation rounds -----------------------------------------------------------------------


async def test_rounds_start_at_one_and_rotate_by_one(store: SqlStore) -> None:
    assert await store.invite_rounds() == {}
    assert await store.rotate_invite("north") == 2
    assert await store.rotate_invite("north") == 3
    assert await store.rotate_invite("south") == 2
    assert await store.invite_rounds() == {"north": 3, "south": 2}


async def test_concurrent_rotations_each_get_their_own_round(
    store: SqlStore, reopen: Reopen
) -> None:
    other = await reopen()
    async with asyncio.timeout(120):
        rounds = await asyncio.gather(
            *(s.rotate_invite("north") for _ in range(6) for s in (store, other))
        )
    assert sorted(rounds) == list(range(2, 14))
    assert await store.invite_rounds() == {"north": 13}


# ---- what is written takes the organisation ----------------------------------------------------


async def test_a_transcript_keeps_the_organisation_it_began_in(store: SqlStore) -> None:
    await store.record(write("before", "p-ann", 0, outcome=None))
    await store.join_organisation("p-ann", "north", at(1))
    await store.record(write("after", "p-ann", 1, outcome=None))
    await store.join_organisation("p-ann", "south", at(2))
    await store.record(write("after", "p-ann", 2))  # the same transcript, appended to
    await store.record(write("before", "p-ann", 2))
    page = await store.list_transcripts(Filters(), offset=0, limit=10)
    assert [(s.started_at, s.organisation) for s in page.items] == [(at(1), "north"), (at(0), None)]
    assert [(t.id, t.organisation) async for t in store.iter_transcripts(Filters())] == [
        (page.items[1].id, None),
        (page.items[0].id, "north"),
    ]
    whole = await store.get_transcript(page.items[0].id)
    assert whole is not None
    assert (whole.organisation, len(whole.steps)) == ("north", 2)


async def test_a_transcript_saved_with_its_conversation_takes_the_organisation(
    store: SqlStore,
) -> None:
    await store.join_organisation("p-ann", "north", at(0))
    await store.save(
        conversation(1, conversation_id="c1"),
        expected_version=None,
        transcript=write("c1", "p-ann"),
    )
    assert [
        s.organisation for s in (await store.list_transcripts(Filters(), offset=0, limit=5)).items
    ] == ["north"]


async def test_a_decision_belongs_to_its_transcripts_organisation_else_the_practitioners(
    store: SqlStore,
) -> None:
    assert await store.decision_organisation("new", "p-ann") is None  # nothing at all yet
    await store.join_organisation("p-ann", "north", at(0))
    assert await store.decision_organisation("new", "p-ann") == "north"  # what it will take
    await store.record(write("began", "p-ann"))
    await store.join_organisation("p-ann", "south", at(1))
    assert await store.decision_organisation("began", "p-ann") == "north"  # where it began
    assert await store.decision_organisation("new", "p-ann") == "south"
    assert await store.decision_organisation("began", "p-bob") is None  # not theirs


async def test_quiz_answers_take_the_organisation_and_stats_are_scoped(store: SqlStore) -> None:
    await store.record_quiz_answer(QuizAnswer("p-ann", "myths", "s1", False, at(0)))
    await store.join_organisation("p-ann", "north", at(1))
    await store.join_organisation("p-bob", "south", at(1))
    await store.record_quiz_answer(QuizAnswer("p-ann", "myths", "s1", True, at(2)))
    await store.record_quiz_answer(QuizAnswer("p-bob", "myths", "s1", False, at(2)))
    await store.join_organisation("p-ann", "south", at(3))  # what she gave stays in north
    everything = await store.quiz_stats()
    assert (everything.takers, everything.answered) == ({"myths": 2}, {("myths", "s1"): 3})
    north = await store.quiz_stats(scope=frozenset({"north"}))
    assert (north.takers, north.answered, north.wrong) == (
        {"myths": 1},
        {("myths", "s1"): 1},
        {("myths", "s1"): 0},
    )
    south = await store.quiz_stats(organisation="south")
    assert (south.answered, south.wrong) == ({("myths", "s1"): 1}, {("myths", "s1"): 1})
    assert (await store.quiz_stats(scope=frozenset({"north"}), organisation="south")).answered == {}
    assert (await store.quiz_stats(scope=frozenset())).takers == {}
    both = await store.quiz_stats(scope=frozenset({"north", "south"}), since=at(1))
    assert both.answered == {("myths", "s1"): 2}


# ---- scoped reads and purges -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(), "abcd"),
        (Filters(scope=frozenset({"north"})), "ab"),
        (Filters(scope=frozenset({"north", "south"})), "abc"),
        (Filters(scope=frozenset({"west"})), ""),
        (Filters(scope=frozenset()), ""),
        (Filters(organisation="south"), "c"),
        (Filters(organisation="south", scope=frozenset({"north"})), ""),
        (Filters(practitioner="p-ann", scope=frozenset({"north", "south"})), "ab"),
        (Filters(unfinished=True, scope=frozenset({"north", "south"})), ""),
    ],
    ids=lambda value: (
        repr(value.scope) + value.describe() if isinstance(value, Filters) else value or "none"
    ),
)
async def test_a_scope_confines_every_read_and_purge(
    store: SqlStore, filters: Filters, expected: str
) -> None:
    ids = await seed(store)
    page = await store.list_transcripts(filters, offset=0, limit=10)
    assert [item.id for item in page.items] == [ids[n] for n in reversed(expected)]
    assert page.total == await store.count_transcripts(filters) == len(expected)
    assert [t.id async for t in store.iter_transcripts(filters, batch=1)] == [
        ids[n] for n in expected
    ]
    stats = await store.stats_inputs(filters)
    assert sum(stats.by_hour.values()) == len(expected)
    assert sum(stats.answered.values()) == len(expected)
    people = {p.who: p.decisions for p in await store.practitioners(filters, ())}
    owners = {"a": "p-ann", "b": "p-ann", "c": "p-bob", "d": "p-cy"}
    assert people == {
        w: [owners[n] for n in expected].count(w) for w in {owners[n] for n in expected}
    }
    assert await store.purge_transcripts(FAR_FUTURE, filters) == len(expected)
    left = [t.id async for t in store.iter_transcripts(Filters())]
    assert left == [ids[n] for n in "abcd" if n not in expected]


async def test_feedback_sums_are_scoped(store: SqlStore) -> None:
    await seed(store)
    for conversation_id, who in (("a", "p-ann"), ("c", "p-bob")):
        assert await store.give_feedback(conversation_id, who, "yes", at(5))
    north = await store.feedback_sums(Filters(scope=frozenset({"north"})))
    assert [(s.outcome, s.counts["yes"]) for s in north] == [("share", 1)]
    assert await store.feedback_sums(Filters(scope=frozenset())) == []
    assert sum(s.counts["yes"] for s in await store.feedback_sums(Filters())) == 2


# ---- alerts and requests carry it --------------------------------------------------------------


async def test_alerts_and_requests_carry_their_transcripts_organisation(store: SqlStore) -> None:
    await store.join_organisation("p-ann", "north", at(0))
    await store.save(
        conversation(1, conversation_id="urgent", step="refer_now"),
        expected_version=None,
        transcript=write("urgent", "p-ann", outcome="refer_now", alert_at=at(0)),
    )
    await store.record(write("plain", "p-bob"))  # in no organisation
    await store.join_organisation("p-ann", "south", at(1))  # the decision stays in north
    [urgent] = await store.claim_alerts(at(1), LEASE, 10)
    assert (urgent.kind, urgent.organisation) == ("urgent", "north")

    made = await store.request_contact("urgent", "p-ann", Identity(1, "Ann"), at(2))
    again = await store.request_contact("urgent", "p-ann", Identity(1, "Ann"), at(3))
    bob = await store.request_contact("plain", "p-bob", Identity(2, "Bob"), at(2))
    assert made is not None and again is not None and bob is not None
    assert (made.organisation, again.organisation, again.fresh) == ("north", "north", False)
    assert bob.organisation is None
    contact = [a for a in await store.claim_alerts(at(3), LEASE, 10) if a.kind == "contact"]
    assert {a.request_id: a.organisation for a in contact} == {made.id: "north", bob.id: None}
    opened = await store.open_request(made.id, "telegram:1", at(4))
    assert (opened.state, opened.organisation, opened.identity) == (
        "opened",
        "north",
        Identity(1, "Ann"),
    )
    assert (await store.open_request(made.id, "telegram:1", at(5))).organisation == "north"
    assert await store.withdraw_request(bob.id, "p-bob", at(4)) == "withdrawn"
    assert (await store.open_request(bob.id, "telegram:1", at(5))).state == "withdrawn"


# ---- the migration -------------------------------------------------------------------------------


async def test_downgrading_keeps_what_was_written_and_upgrading_again_has_no_organisation(
    store: SqlStore, store_url: str
) -> None:
    ids = await seed(store)
    before = [t async for t in store.iter_transcripts(Filters())]
    await store.close()
    engine = sa.create_engine(driver_url(store_url))
    try:
        for target in ("0007_alerts_requests_feedback", "head"):
            with engine.begin() as conn:
                config = migration_config()
                config.attributes["connection"] = conn
                (command.upgrade if target == "head" else command.downgrade)(config, target)
        if engine.dialect.name == "sqlite":  # recreated by the downgrade: ids still never reused
            with engine.connect() as conn:
                made = "SELECT sql FROM sqlite_master WHERE name IN ('transcripts', 'quiz_answers')"
                assert all("AUTOINCREMENT" in sql for sql in conn.exec_driver_sql(made).scalars())
    finally:
        engine.dispose()
    reopened = await open_store(store_url, KEYS)
    try:
        after = [t async for t in reopened.iter_transcripts(Filters())]
        assert after == [replace(t, organisation=None) for t in before]
        assert await reopened.members() == {}
        await reopened.purge_transcripts(FAR_FUTURE)
        await reopened.record(write("e", "p-ann"))
        assert [t.id async for t in reopened.iter_transcripts(Filters())] == [max(ids.values()) + 1]
    finally:
        await reopened.close()


# ---- failures ----------------------------------------------------------------------------------

WRITES: dict[str, Callable[[SqlStore], Awaitable[object]]] = {
    "join_organisation": lambda s: s.join_organisation("p-ann", "south", at(1)),
    "leave_organisation": lambda s: s.leave_organisation("p-ann"),
    "rotate_invite": lambda s: s.rotate_invite("north"),
}


@pytest.mark.parametrize("method", WRITES)
async def test_every_organisation_write_on_a_read_only_database_is_unavailable(
    sqlite_path: Path, method: str
) -> None:
    writable = await open_store(f"sqlite:///{sqlite_path}", KEYS)
    await writable.join_organisation("p-ann", "north", at(0))
    await writable.close()
    store = await open_store(f"sqlite:///file:{sqlite_path}?mode=ro&uri=true", KEYS)
    try:
        with pytest.raises(StorageUnavailable, match="readonly database"):
            await WRITES[method](store)
        assert await store.organisation_of("p-ann") == "north"  # reads still work
        assert await store.members() == {"north": 1}
        assert await store.invite_rounds() == {}
    finally:
        await store.close()
