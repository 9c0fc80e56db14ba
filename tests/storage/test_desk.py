"""The DeskStore contract on every backend: a sign-in link works once, for its lead, until it
expires, even when two replicas race for it; a session lasts while it is used and until it is
ended; only digests are stored."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.desk.links import digest, new_token
from bot.storage import DeskStore, SqlStore, StorageUnavailable, open_store
from bot.storage.sql import driver_url
from tests.support.storage import KEYS

AT = datetime(2026, 12, 6, 21, 0, tzinfo=UTC)
LINK = timedelta(minutes=10)
IDLE = timedelta(minutes=30)
LEAD = 1001
Reopen = Callable[[], Awaitable[SqlStore]]


def at(minutes: float) -> datetime:
    return AT + timedelta(minutes=minutes)


async def link(store: SqlStore, lead: int = LEAD, minutes: float = 0) -> str:
    """A new link made `minutes` after AT, working for LINK; its token's digest."""
    token_hash = digest(new_token())
    await store.desk_link(token_hash, lead, at(minutes), at(minutes) + LINK)
    return token_hash


async def test_store_satisfies_the_desk_protocol(store: SqlStore) -> None:
    typed: DeskStore = store  # mypy checks the Protocol; this checks the fixture
    assert typed is store


# ---- sign-in links ---------------------------------------------------------------------------


async def test_a_link_works_once_for_its_lead(store: SqlStore) -> None:
    mine, theirs = await link(store), await link(store, lead=2002)
    assert await store.use_desk_link(mine, at(1)) == ("ok", LEAD)
    assert await store.use_desk_link(mine, at(2)) == ("used", None)
    assert await store.use_desk_link(theirs, at(2)) == ("ok", 2002)


async def test_a_link_expires(store: SqlStore) -> None:
    first, second = await link(store), await link(store)
    assert await store.use_desk_link(first, at(10)) == ("expired", None)  # at the expiry: gone
    assert await store.use_desk_link(second, at(9.99)) == ("ok", LEAD)
    assert await store.use_desk_link(first, at(1)) == ("ok", LEAD)  # an expired try spends none


async def test_a_used_link_says_used_after_it_expires_too(store: SqlStore) -> None:
    used = await link(store)
    assert await store.use_desk_link(used, at(1)) == ("ok", LEAD)
    assert await store.use_desk_link(used, at(60)) == ("used", None)


async def test_an_unknown_link_names_nobody(store: SqlStore) -> None:
    await link(store)
    assert await store.use_desk_link(digest("forged"), at(1)) == ("unknown", None)
    assert await store.use_desk_link("", at(1)) == ("unknown", None)


async def test_two_replicas_racing_for_one_link_sign_in_once(
    store: SqlStore, reopen: Reopen
) -> None:
    """Every link is tried by each of three stores at the same moment: exactly one "ok" each,
    and the others find it used."""
    others = [await reopen(), await reopen()]
    stores = [store, *others]
    links = [await link(store) for _ in range(8)]
    async with asyncio.timeout(120):
        results = await asyncio.gather(*(s.use_desk_link(h, at(1)) for h in links for s in stores))
    for n in range(len(links)):
        tries = results[n * len(stores) : (n + 1) * len(stores)]
        assert sorted(tries, key=str) == [("ok", LEAD), ("used", None), ("used", None)]


async def test_only_digests_are_stored(store: SqlStore, store_url: str) -> None:
    token, session = new_token(), new_token()
    await store.desk_link(digest(token), LEAD, at(0), at(10))
    await store.desk_session(digest(session), LEAD, at(1))
    engine = sa.create_engine(driver_url(store_url))
    try:
        with engine.connect() as conn:
            stored = [
                str(value)
                for table in ("desk_links", "desk_sessions")
                for row in conn.execute(sa.text(f"SELECT * FROM {table}"))
                for value in row
            ]
    finally:
        engine.dispose()
    assert digest(token) in stored and digest(session) in stored
    assert not any(token in value or session in value for value in stored)


# ---- sessions --------------------------------------------------------------------------------


async def test_a_session_names_its_lead_while_it_is_used(store: SqlStore) -> None:
    session = digest(new_token())
    await store.desk_session(session, LEAD, at(0))
    assert await store.desk_session_lead(session, at(29), IDLE) == LEAD
    assert await store.desk_session_lead(session, at(58), IDLE) == LEAD  # each use restarts it
    assert await store.desk_session_lead(session, at(88), IDLE) is None  # idle for 30 minutes


async def test_an_idle_session_is_gone(store: SqlStore) -> None:
    session = digest(new_token())
    await store.desk_session(session, LEAD, at(0))
    assert await store.desk_session_lead(session, at(30), IDLE) is None
    assert await store.desk_session_lead(digest("unknown"), at(1), IDLE) is None


async def test_a_use_from_a_clock_behind_keeps_the_later_time(
    store: SqlStore, reopen: Reopen
) -> None:
    session = digest(new_token())
    await store.desk_session(session, LEAD, at(0))
    assert await store.desk_session_lead(session, at(20), IDLE) == LEAD
    assert await store.desk_session_lead(session, at(19), IDLE) == LEAD  # not moved back to 19
    assert await store.desk_session_lead(session, at(49), IDLE) == LEAD


async def test_an_ended_session_is_gone_for_good(store: SqlStore) -> None:
    session, other = digest(new_token()), digest(new_token())
    await store.desk_session(session, LEAD, at(0))
    await store.desk_session(other, LEAD, at(0))
    await store.end_desk_session(session, at(1))
    await store.end_desk_session(session, at(2))  # again: no error
    await store.end_desk_session(digest("unknown"), at(2))
    assert await store.desk_session_lead(session, at(2), IDLE) is None
    assert await store.desk_session_lead(other, at(2), IDLE) == LEAD  # another of theirs stays


async def test_purge_deletes_old_links_and_sessions(store: SqlStore) -> None:
    old_link, new_link = await link(store, minutes=0), await link(store, minutes=60)
    old_session, new_session = digest(new_token()), digest(new_token())
    await store.desk_session(old_session, LEAD, at(0))
    await store.desk_session(new_session, LEAD, at(60))
    assert await store.purge_desk(at(30)) == 2
    assert await store.purge_desk(at(30)) == 0
    assert await store.use_desk_link(old_link, at(61)) == ("unknown", None)
    assert await store.use_desk_link(new_link, at(61)) == ("ok", LEAD)
    assert await store.desk_session_lead(old_session, at(61), IDLE) is None
    assert await store.desk_session_lead(new_session, at(61), IDLE) == LEAD


# ---- failures --------------------------------------------------------------------------------


async def test_desk_writes_on_a_read_only_database_are_unavailable(sqlite_path: Path) -> None:
    writable = await open_store(f"sqlite:///{sqlite_path}", KEYS)
    token_hash = await link(writable)
    await writable.close()
    store = await open_store(f"sqlite:///file:{sqlite_path}?mode=ro&uri=true", KEYS)
    try:
        for write in (
            store.use_desk_link(token_hash, at(1)),
            store.desk_link(digest("x"), LEAD, at(0), at(10)),
            store.desk_session(digest("y"), LEAD, at(0)),
            store.desk_session_lead(digest("y"), at(0), IDLE),
            store.end_desk_session(digest("y"), at(0)),
            store.purge_desk(at(0)),
        ):
            with pytest.raises(StorageUnavailable, match="readonly database"):
                await write
    finally:
        await store.close()
