"""How work reaches the database (`bot.storage.engines`), on real SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from bot.errors import StorageUnavailable
from bot.storage import SqlStore
from bot.storage.sql import _to_row
from bot.storage.tables import conversations
from tests.support.storage import KEYS, conversation

SYNCHRONOUS = {"sqlite": "PRAGMA synchronous", "postgresql": "SHOW synchronous_commit"}
"""How each database says whether a commit waits for the disk."""
FLUSHED = {"sqlite": (2, 1), "postgresql": ("on", "off")}
"""What it says for a durable write and for one that is not flushed (SQLite: FULL, NORMAL)."""


def flushing(conn: sa.Connection) -> object:
    return conn.exec_driver_sql(SYNCHRONOUS[conn.dialect.name]).scalar()


async def test_only_a_write_said_not_durable_skips_the_flush(store: SqlStore) -> None:
    runner = store._runner
    durable, not_flushed = FLUSHED[runner.dialect]
    assert await runner.write("test", flushing) == durable
    assert await runner.write("test", flushing, durable=False) == not_flushed
    # and the connection goes back to the pool as it came: the next durable write flushes
    for _ in range(3):
        assert await runner.write("test", flushing) == durable
        assert await runner.read("test", flushing) == durable


async def test_a_write_that_fails_part_way_leaves_nothing(store: SqlStore) -> None:
    def half_then_fail(conn: sa.Connection) -> None:
        conn.execute(sa.insert(conversations), _to_row(conversation(chat_id=7), KEYS))
        raise RuntimeError("a bug after the first statement")

    for durable in (True, False):
        with pytest.raises(RuntimeError):
            await store._runner.write("test", half_then_fail, durable=durable)
        assert await store.load(7) is None


async def test_sqlite_work_runs_off_the_event_loop(store: SqlStore) -> None:
    """A commit waits for the disk and a writer for the lock: never on the loop's thread."""
    loop_thread = threading.get_ident()
    ran_on = await store._runner.write("test", lambda _: threading.get_ident())
    if store._runner.dialect == "sqlite":
        assert ran_on != loop_thread
    else:  # psycopg's own asyncio: no thread to hop to
        assert ran_on == loop_thread


async def test_a_query_past_the_time_limit_says_so(store: SqlStore) -> None:
    """PostgreSQL's limit is the connect timeout: the error says what happened, not nothing."""
    if store._runner.dialect != "postgresql":
        pytest.skip("SQLite has no time limit: its busy timeout bounds every wait")
    store._runner._limit_s = 0.2  # type: ignore[attr-defined]
    with pytest.raises(StorageUnavailable, match=r"^cannot look slowly: no answer in time$"):
        await store._runner.read(
            "look slowly", lambda conn: conn.exec_driver_sql("SELECT pg_sleep(2)")
        )
