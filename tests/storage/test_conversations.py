"""The ConversationStore contract, run against every backend (see tests/support/storage.py)."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from bot.errors import ConfigError, InfoshareError
from bot.storage import (
    ConversationStore,
    Mark,
    SqlStore,
    StaleWrite,
    StorageError,
    StorageUnavailable,
    StoredConversation,
    new_conversation_id,
    open_store,
    sql,
)
from bot.storage.sql import _to_row, driver_url, migration_config
from bot.storage.tables import conversations, metadata
from bot.transcripts.model import Filters
from tests.support.storage import KEYS, T0, conversation, postgres_only
from tests.support.tcpproxy import TcpProxy

Reopen = Callable[[], Awaitable[SqlStore]]
SECRET = "Mrs Example at 1 Secret Street"
"""Free text that must never surface in an error message (hide_parameters)."""


def answered(conv: StoredConversation, step: str, answer: str) -> StoredConversation:
    """What a front end saves after one answer."""
    return replace(
        conv,
        step=step,
        history=(*conv.history, (conv.step, answer)),
        turn=conv.turn + 1,
        updated_at=conv.updated_at + timedelta(seconds=1),
    )


# --------------------------------------------------------------------------------------------
# Round trips


async def test_store_satisfies_the_interface(store: SqlStore) -> None:
    typed: ConversationStore = store  # mypy checks the Protocol; this checks the fixture
    assert await typed.load(1) is None


async def test_load_of_an_unknown_chat_is_none(store: SqlStore) -> None:
    assert await store.load(404) is None


async def test_every_field_round_trips(store: SqlStore) -> None:
    ist = timezone(timedelta(hours=5, minutes=30))
    original = conversation(
        chat_id=-1_001_234_567_890_123,  # a Telegram supergroup id needs 64 bits
        dialogue="advice",
        step="outcome_ü_✓",
        history=(
            *((f"step_{i}", "not_sure" if i % 2 else "yes") for i in range(500)),
            ("pregunta_ñ", "答え"),
            ("emoji", "🙂"),
        ),
        conversation_id="Ab3_-x9Z",
        turn=502,
        content_version="2026-11-21 – review ‘β’",
        started_at=datetime(2026, 11, 21, 23, 30, 0, 1, tzinfo=ist),
        updated_at=datetime(2026, 11, 22, 4, 59, 59, 999999, tzinfo=ist),
        last_record="Decision: do not share.\n\nReasons:\n• “quoted” — ✓ ñ 答え\n" * 200,
        asked_message=2**40,
        asked_at=datetime(2026, 11, 22, 4, 59, 58, tzinfo=ist),
        owed_at=datetime(2026, 11, 22, 5, 0, 1, tzinfo=ist),
        owed_mark=Mark(2**40 - 1, "Your answer: “Yes” ✓", "pregunta_ñ", (("a", "答え"),)),
    )
    saved = await store.save(original, expected_version=None)
    loaded = await store.load(original.chat_id)
    assert saved == replace(original, version=1)
    assert loaded == saved
    assert loaded is not None
    assert loaded.history == original.history  # order kept, tuples not lists
    assert isinstance(loaded.history[0], tuple)
    assert loaded.started_at.tzinfo is UTC
    assert loaded.updated_at.tzinfo is UTC
    assert loaded.started_at == datetime(2026, 11, 21, 18, 0, 0, 1, tzinfo=UTC)
    assert loaded.updated_at == datetime(2026, 11, 21, 23, 29, 59, 999999, tzinfo=UTC)


async def test_naive_datetimes_are_refused_before_reaching_a_store() -> None:
    with pytest.raises(ValueError, match="started_at must be timezone-aware"):
        conversation(started_at=datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="updated_at must be timezone-aware"):
        conversation(updated_at=datetime(2026, 1, 1))


def test_new_conversation_ids_are_short_and_distinct() -> None:
    ids = {new_conversation_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(len(i) == 8 for i in ids)


async def test_update_replaces_every_field_and_bumps_the_version(store: SqlStore) -> None:
    first = await store.save(conversation(last_record="old record"), expected_version=None)
    changed = replace(
        answered(first, "about_whom", "no"),
        conversation_id="newconv1",
        content_version="2027-01-01",
        started_at=T0 + timedelta(days=1),
        last_record=None,
    )
    second = await store.save(changed, expected_version=first.version)
    assert second.version == 2
    assert await store.load(first.chat_id) == second
    third = await store.save(answered(second, "age_band", "yes"), expected_version=2)
    assert third.version == 3
    assert await store.load(first.chat_id) == third


async def test_chats_are_independent(store: SqlStore) -> None:
    await store.save(conversation(chat_id=1, step="one"), expected_version=None)
    await store.save(conversation(chat_id=2, step="two"), expected_version=None)
    await store.delete(1)
    assert await store.load(1) is None
    loaded = await store.load(2)
    assert loaded is not None
    assert loaded.step == "two"


# --------------------------------------------------------------------------------------------
# Optimistic concurrency


async def test_saving_a_new_conversation_over_an_existing_one_is_stale(store: SqlStore) -> None:
    kept = await store.save(conversation(step="kept"), expected_version=None)
    with pytest.raises(StaleWrite):
        await store.save(conversation(step="lost"), expected_version=None)
    assert await store.load(kept.chat_id) == kept


@pytest.mark.parametrize("expected", [0, 2, 99])
async def test_saving_with_another_version_is_stale(store: SqlStore, expected: int) -> None:
    kept = await store.save(conversation(), expected_version=None)
    with pytest.raises(StaleWrite):
        await store.save(answered(kept, "about_whom", "no"), expected_version=expected)
    assert await store.load(kept.chat_id) == kept


async def test_updating_a_missing_conversation_is_stale(store: SqlStore) -> None:
    with pytest.raises(StaleWrite):
        await store.save(conversation(), expected_version=1)
    assert await store.load(42) is None


def test_stale_write_is_a_storage_error() -> None:
    assert issubclass(StaleWrite, StorageError)
    assert issubclass(StorageUnavailable, StorageError)
    assert issubclass(StorageError, InfoshareError)


@pytest.mark.parametrize("replicas", ["one store", "two stores"])
@pytest.mark.parametrize("existing", [False, True], ids=["insert", "update"])
async def test_two_writers_with_the_same_expected_version_exactly_one_wins(
    store: SqlStore, reopen: Reopen, replicas: str, existing: bool
) -> None:
    other = store if replicas == "one store" else await reopen()
    for round_ in range(10):
        chat = 1000 + round_
        base = conversation(chat_id=chat)
        expected = None
        if existing:
            base = await store.save(base, expected_version=None)
            expected = base.version
        results = await asyncio.gather(
            store.save(answered(base, "left", "yes"), expected_version=expected),
            other.save(answered(base, "right", "no"), expected_version=expected),
            return_exceptions=True,
        )
        winners = [r for r in results if isinstance(r, StoredConversation)]
        losers = [r for r in results if isinstance(r, BaseException)]
        assert len(winners) == 1, results
        assert len(losers) == 1
        assert isinstance(losers[0], StaleWrite), results
        assert await store.load(chat) == winners[0]
        assert await other.load(chat) == winners[0]


# --------------------------------------------------------------------------------------------
# Delete, ping, migrations, persistence


async def test_delete_removes_and_allows_a_new_start(store: SqlStore) -> None:
    saved = await store.save(conversation(), expected_version=None)
    await store.delete(saved.chat_id)
    assert await store.load(saved.chat_id) is None
    await store.delete(saved.chat_id)  # deleting nothing is fine
    again = await store.save(conversation(step="fresh"), expected_version=None)
    assert again.version == 1
    assert await store.load(saved.chat_id) == again


async def test_purge_deletes_only_conversations_idle_since_before_the_cut_off(
    store: SqlStore,
) -> None:
    old = await store.save(conversation(1), expected_version=None)
    edge = await store.save(
        conversation(2, updated_at=T0 + timedelta(days=1)), expected_version=None
    )
    new = await store.save(
        conversation(3, updated_at=T0 + timedelta(days=2)), expected_version=None
    )
    assert await store.purge(T0 + timedelta(days=1)) == 1
    assert await store.load(old.chat_id) is None
    assert await store.load(edge.chat_id) == edge
    assert await store.load(new.chat_id) == new
    assert await store.purge(T0) == 0


async def test_ping_answers(store: SqlStore) -> None:
    await store.ping()


def head() -> str | None:
    return ScriptDirectory.from_config(migration_config()).get_current_head()


async def stamped_version(url: str) -> str | None:
    engine = sa.create_engine(driver_url(url))
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


async def test_migrations_are_idempotent_and_data_survives_a_restart(
    store: SqlStore, reopen: Reopen, store_url: str
) -> None:
    saved = await store.save(conversation(history=(("a", "b"),)), expected_version=None)
    await store.close()
    first = await reopen()
    second = await reopen()  # two replicas starting on an up-to-date database
    assert await first.load(saved.chat_id) == saved
    assert await second.load(saved.chat_id) == saved
    assert head() == "0009_desk"
    assert await stamped_version(store_url) == head()


OPENER = """
import asyncio, sys
from bot.storage import ChatKeys, open_store
async def main():
    await (await open_store(sys.argv[1], ChatKeys(b"any key: the database is empty"))).close()
asyncio.run(main())
"""


async def open_in_processes(url: str, count: int) -> list[asyncio.subprocess.Process]:
    """Start `count` processes that each open a store on `url`, as replicas starting together."""
    return [
        await asyncio.create_subprocess_exec(sys.executable, "-c", OPENER, url)
        for _ in range(count)
    ]


async def test_replicas_starting_together_migrate_once(reopen: Reopen, store_url: str) -> None:
    processes = await open_in_processes(store_url, 4)
    async with asyncio.timeout(120):  # a deadlock fails instead of hanging the run
        assert [await p.wait() for p in processes] == [0, 0, 0, 0]
    assert await stamped_version(store_url) == head()
    store = await reopen()
    await store.save(conversation(), expected_version=None)


@postgres_only
@pytest.mark.postgres
async def test_a_replica_waits_for_the_migration_lock_longer_than_a_query_may_take(
    postgres_url: str,
) -> None:
    """Another replica migrating for longer than the connect timeout (1 s here) does not stop
    this one starting: a migration has the bulk time limit, not a query's."""
    url = make_url(postgres_url).update_query_dict({"connect_timeout": "1"})
    async with await psycopg.AsyncConnection.connect(postgres_url, autocommit=True) as admin:
        await admin.execute("SELECT pg_advisory_lock(%s)", (sql._MIGRATION_LOCK,))
        opening = asyncio.create_task(open_store(url.render_as_string(hide_password=False), KEYS))
        await asyncio.sleep(2.5)
        assert not opening.done(), "it waits for the lock"
        await admin.execute("SELECT pg_advisory_unlock(%s)", (sql._MIGRATION_LOCK,))
        store = await asyncio.wait_for(opening, 30)
    await store.close()


@postgres_only
@pytest.mark.postgres
async def test_postgres_replicas_queue_for_the_migration_lock(postgres_url: str) -> None:
    """Hold the lock until every replica waits for it: then they really start together."""
    key = (sql._MIGRATION_LOCK >> 32, sql._MIGRATION_LOCK & 0xFFFFFFFF)
    waiting = (
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        " AND classid = %s AND objid = %s AND objsubid = 1"
    )
    async with await psycopg.AsyncConnection.connect(postgres_url, autocommit=True) as admin:
        await admin.execute("SELECT pg_advisory_lock(%s)", (sql._MIGRATION_LOCK,))
        processes = await open_in_processes(postgres_url, 3)
        async with asyncio.timeout(60):  # never 3 waiters: open_store takes no lock
            while (await (await admin.execute(waiting, key)).fetchone() or (0,))[0] < 3:
                await asyncio.sleep(0.05)
        await admin.execute("SELECT pg_advisory_unlock(%s)", (sql._MIGRATION_LOCK,))
        async with asyncio.timeout(60):
            assert [await p.wait() for p in processes] == [0, 0, 0]
    assert await stamped_version(postgres_url) == head()


async def test_stores_opened_together_in_one_process_migrate_one_by_one(tmp_path: Path) -> None:
    """Alembic keeps its state in module globals, so concurrent migrations must not interleave."""
    async with asyncio.timeout(120):
        stores = await asyncio.gather(
            *(open_store(f"sqlite:///{tmp_path / f'db{i}.db'}", KEYS) for i in range(4)),
            open_store("sqlite:///:memory:", KEYS),
        )
    try:
        for store in stores:
            await store.save(conversation(), expected_version=None)
        for i in range(4):
            assert await stamped_version(f"sqlite:///{tmp_path / f'db{i}.db'}") == head()
    finally:
        for store in stores:
            await store.close()


async def test_migration_head_matches_the_models(store: SqlStore, store_url: str) -> None:
    def drift(connection: sa.Connection) -> list[Any]:
        return list(compare_metadata(MigrationContext.configure(connection), metadata))

    engine = sa.create_engine(driver_url(store_url))
    try:
        with engine.connect() as conn:
            assert drift(conn) == []
    finally:
        engine.dispose()


def as_of_0001() -> sa.Table:
    """The conversations table as the first migration made it: keyed by the plain chat id."""
    first = ("dialogue", "step", "history", "conversation_id", "turn", "content_version")
    first += ("started_at", "updated_at", "version", "last_record")
    columns = [sa.Column(c.name, c.type) for c in conversations.c if c.name in first]
    return sa.Table("conversations", sa.MetaData(), sa.Column("chat_id", sa.BigInteger), *columns)


async def test_opening_an_older_database_upgrades_it_and_keeps_its_data(
    store: SqlStore, store_url: str
) -> None:
    def to_first(connection: sa.Connection) -> None:
        config = migration_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0001_conversations")

    await store.close()
    engine = sa.create_engine(driver_url(store_url))
    try:
        with engine.begin() as conn:
            to_first(conn)
        saved = replace(conversation(), version=1)
        later = ("applied", "asked_message", "asked_at", "owed_at", "owed_mark")  # after 0001
        keyed = ("chat_key", "chat_sealed")  # 0006
        row = {k: v for k, v in _to_row(saved, KEYS).items() if k not in later + keyed}
        row["chat_id"] = saved.chat_id
        saved = replace(saved, applied=())  # what the migration gives an older row
        with engine.begin() as conn:
            conn.execute(sa.insert(as_of_0001()), row)
    finally:
        engine.dispose()
    store = await open_store(store_url, KEYS)
    try:
        assert await stamped_version(store_url) == head()
        assert await store.load(saved.chat_id) == saved
        assert await store.count_transcripts(Filters()) == 0
    finally:
        await store.close()


async def test_downgrade_to_base_and_back(store: SqlStore, store_url: str) -> None:
    def migrate(connection: sa.Connection, target: str) -> list[str]:
        config = migration_config()
        config.attributes["connection"] = connection
        (command.upgrade if target == "head" else command.downgrade)(config, target)
        return sa.inspect(connection).get_table_names()

    await store.close()
    engine = sa.create_engine(driver_url(store_url))
    try:
        with engine.begin() as conn:
            assert sorted(migrate(conn, "0001_conversations")) == [
                "alembic_version",
                "conversations",
            ]
        with engine.begin() as conn:
            assert migrate(conn, "base") == ["alembic_version"]
        with engine.begin() as conn:
            assert sorted(migrate(conn, "head")) == sorted(["alembic_version", *metadata.tables])
    finally:
        engine.dispose()


def settings(conn: sa.Connection) -> tuple[Any, ...]:
    """SQLite's journal mode, synchronous level (2 is FULL) and busy timeout on `conn`."""
    pragmas = ("journal_mode", "synchronous", "busy_timeout")
    return tuple(conn.exec_driver_sql(f"PRAGMA {name}").scalar() for name in pragmas)


async def test_sqlite_file_and_folder_are_created_and_persist(sqlite_path: Path) -> None:
    assert not sqlite_path.parent.exists()
    store = await open_store(f"sqlite:///{sqlite_path}", KEYS)
    try:
        saved = await store.save(conversation(), expected_version=None)
    finally:
        await store.close()
    assert sqlite_path.is_file()
    reopened = await open_store(f"sqlite:///{sqlite_path}", KEYS)
    try:
        assert await reopened.load(saved.chat_id) == saved
        # the durability settings are in force on the store's own connections
        assert await reopened._runner.read("read settings", settings) == ("wal", 2, 5000)
        await reopened.shown(saved)  # a write that is not flushed leaves them as they were
        assert await reopened._runner.read("read settings", settings) == ("wal", 2, 5000)
    finally:
        await reopened.close()


async def test_sqlite_memory_store_serialises_concurrent_use() -> None:
    store = await open_store("sqlite:///:memory:", KEYS)
    try:
        saved = await asyncio.gather(
            *(store.save(conversation(chat_id=i), expected_version=None) for i in range(20))
        )
        loaded = await asyncio.gather(*(store.load(i) for i in range(20)))
        assert loaded == saved
    finally:
        await store.close()


# --------------------------------------------------------------------------------------------
# URLs


@pytest.mark.parametrize(
    ("written", "driver"),
    [
        ("sqlite:///relative.db", "sqlite+pysqlite"),
        ("sqlite:////abs/path.db", "sqlite+pysqlite"),
        ("sqlite:///:memory:", "sqlite+pysqlite"),
        ("sqlite+aiosqlite:///x.db", "sqlite+pysqlite"),
        ("postgresql://u:p@h:5433/db?sslmode=require", "postgresql+psycopg"),
        ("postgres://u@h/db", "postgresql+psycopg"),
        ("postgresql+psycopg2://u@h/db", "postgresql+psycopg"),
    ],
)
def test_urls_as_users_write_them_map_to_our_drivers(written: str, driver: str) -> None:
    mapped = driver_url(written)
    original = make_url(written)
    assert mapped.drivername == driver
    assert (mapped.database, mapped.host, mapped.port, mapped.username, mapped.password) == (
        original.database,
        original.host,
        original.port,
        original.username,
        original.password,
    )
    assert mapped.query == original.query


@pytest.mark.parametrize("url", ["mysql://u@h/db", "not a url", "redis://127.0.0.1:6379/0"])
async def test_unsupported_urls_are_config_errors(url: str) -> None:
    with pytest.raises(ConfigError, match=r"storage\.url"):
        await open_store(url, KEYS)


# --------------------------------------------------------------------------------------------
# Unavailable databases, and recovery


def assert_no_private_text(exc: BaseException) -> None:
    """Neither the error nor anything it was raised from repeats what was being saved."""
    seen: BaseException | None = exc
    while seen is not None:
        assert SECRET not in str(seen)
        seen = seen.__cause__ or seen.__context__


async def test_unreachable_server_is_unavailable() -> None:
    with pytest.raises(StorageUnavailable, match="cannot open the database"):
        await open_store("postgresql://postgres@127.0.0.1:1/test?connect_timeout=2", KEYS)


async def test_sqlite_folder_that_cannot_be_created_is_unavailable(tmp_path: Path) -> None:
    (tmp_path / "a_file").write_text("not a folder")
    with pytest.raises(StorageUnavailable, match="cannot create the folder"):
        await open_store(f"sqlite:///{tmp_path / 'a_file' / 'infoshare.db'}", KEYS)


async def test_locked_sqlite_is_unavailable_until_the_lock_goes(sqlite_path: Path) -> None:
    store = await open_store(f"sqlite:///{sqlite_path}?timeout=0.05", KEYS)
    other_writer = sqlite3.connect(sqlite_path, isolation_level=None)
    try:
        saved = await store.save(conversation(), expected_version=None)
        other_writer.execute("BEGIN IMMEDIATE")
        with pytest.raises(StorageUnavailable, match="database is locked") as caught:
            await store.save(answered(saved, "x", SECRET), expected_version=1)
        assert_no_private_text(caught.value)
        assert await store.load(saved.chat_id) == saved  # WAL: readers are not blocked
        other_writer.execute("ROLLBACK")
        assert (await store.save(answered(saved, "x", "y"), expected_version=1)).version == 2
    finally:
        other_writer.close()
        await store.close()


async def test_read_only_sqlite_is_unavailable(sqlite_path: Path) -> None:
    writable = await open_store(f"sqlite:///{sqlite_path}", KEYS)
    saved = await writable.save(conversation(), expected_version=None)
    await writable.close()
    # Root ignores file permissions, so open the file read-only the way SQLite itself can.
    store = await open_store(f"sqlite:///file:{sqlite_path}?mode=ro&uri=true", KEYS)
    try:
        assert await store.load(saved.chat_id) == saved
        with pytest.raises(StorageUnavailable, match="readonly database") as caught:
            await store.save(answered(saved, "x", SECRET), expected_version=1)
        assert_no_private_text(caught.value)
        with pytest.raises(StorageUnavailable):
            await store.delete(saved.chat_id)
    finally:
        await store.close()


@postgres_only
@pytest.mark.postgres
async def test_postgres_outage_is_unavailable_and_the_store_recovers(postgres_url: str) -> None:
    url = make_url(postgres_url)
    relay = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await relay.restore()
    store = await open_store(url.set(port=relay.port).render_as_string(hide_password=False), KEYS)
    try:
        saved = await store.save(conversation(), expected_version=None)
        await relay.cut()  # the server restarts while the bot is idle:
        await relay.restore()  # the pooled connection is dead, and replaced unseen
        saved = await store.save(answered(saved, "x", "y"), expected_version=1)
        await relay.cut()
        with pytest.raises(StorageUnavailable) as caught:
            await store.save(answered(saved, "z", SECRET), expected_version=2)
        assert_no_private_text(caught.value)
        with pytest.raises(StorageUnavailable):
            await store.ping()
        await relay.restore()  # the server is back: no restart of the store needed
        await store.ping()
        assert (await store.save(answered(saved, "z", "y"), expected_version=2)).version == 3
    finally:
        await store.close()
        await relay.cut()


@postgres_only
@pytest.mark.parametrize(("timeout", "works"), [("0", True), ("2.5", True), ("soon", False)])
async def test_connect_timeout_sets_the_time_limit_or_is_refused(
    postgres_url: str, timeout: str, works: bool
) -> None:
    """0 is libpq's "wait for ever" (no limit), not "fail at once"; a word is a config error."""
    url = make_url(postgres_url).update_query_dict({"connect_timeout": timeout})
    if not works:
        with pytest.raises(ConfigError, match=r"storage\.url: connect_timeout=soon"):
            await open_store(url.render_as_string(hide_password=False), KEYS)
        return
    store = await open_store(url.render_as_string(hide_password=False), KEYS)
    try:
        assert await store.load(1) is None
    finally:
        await store.close()


async def test_a_reply_shown_is_owed_no_more_and_its_question_kept_for_its_turn_only(
    store: SqlStore,
) -> None:
    owed = conversation(turn=3, owed_at=T0, owed_mark=Mark(7, "Your answer: Yes", "a", ()))
    saved = await store.save(owed, expected_version=None)
    asked_at = T0 + timedelta(seconds=1)
    await store.shown(saved, 2**40, asked_at)  # a Telegram message id can exceed 32 bits
    loaded = await store.load(saved.chat_id)
    shown = replace(saved, asked_message=2**40, asked_at=asked_at, owed_at=None, owed_mark=None)
    assert loaded == shown  # noted without a new version
    await store.shown(replace(saved, turn=2), 5)  # an older turn's message: ignored
    await store.shown(replace(saved, conversation_id="0ther-1d"), 6)  # another conversation
    assert (await store.load(saved.chat_id)) == loaded
    moved = await store.save(replace(saved, turn=4), expected_version=saved.version)
    assert (await store.load(saved.chat_id)) == moved and moved.asked_message is None
    assert moved.owed_at == T0  # the move owes its own reply
    await store.shown(moved)  # an outcome: no question message
    assert (await store.load(saved.chat_id)) == replace(moved, owed_at=None, owed_mark=None)


async def test_owed_replies_are_claimed_when_due_oldest_first_by_one_sender(
    store: SqlStore,
) -> None:
    due = [
        await store.save(
            conversation(chat_id=n, owed_at=T0 + timedelta(seconds=n)), expected_version=None
        )
        for n in (3, 1, 2)
    ]
    await store.save(conversation(chat_id=9, owed_at=None), expected_version=None)  # shown
    later = await store.save(
        conversation(chat_id=8, owed_at=T0 + timedelta(minutes=1)), expected_version=None
    )
    now, lease = T0 + timedelta(seconds=5), timedelta(seconds=15)
    [oldest] = await store.claim_owed(now, lease, 1)
    assert oldest == replace(due[1], owed_at=now + lease)  # the oldest debt first, leased
    first, second = await asyncio.gather(
        store.claim_owed(now, lease, 10), store.claim_owed(now, lease, 10)
    )
    assert sorted(c.chat_id for c in first + second) == [2, 3]  # each by one sender only
    assert await store.claim_owed(now, lease, 10) == []  # leased: not due again yet
    again = await store.claim_owed(now + lease, lease, 10)  # the leases ran out: due again
    assert sorted(c.chat_id for c in again) == [1, 2, 3]
    assert (await store.load(later.chat_id)) == later  # not due: untouched


async def test_a_move_saved_after_a_claim_keeps_its_own_debt(store: SqlStore) -> None:
    saved = await store.save(conversation(owed_at=T0), expected_version=None)
    [claimed] = await store.claim_owed(T0, timedelta(seconds=15), 10)
    moved = await store.save(
        replace(saved, turn=saved.turn + 1, owed_at=T0 + timedelta(seconds=2)),
        expected_version=claimed.version,  # a claim is not a move: the version is unchanged
    )
    await store.shown(claimed)  # the sender shows the older turn: the newer debt stays
    assert (await store.load(saved.chat_id)) == moved
