"""The store on SQLAlchemy Core, for SQLite (aiosqlite) and PostgreSQL (psycopg 3).

The statements are (nearly: see `bot.storage.transcripts`) the same on both databases; the
differences are at connection time: the URL a user writes is mapped to the async driver, SQLite
gets WAL, synchronous=FULL, secure_delete and a busy timeout, PostgreSQL a connect timeout.
`open_store` brings the schema to the newest migration before returning, so an upgrade of the
bot upgrades its database by itself.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool

from bot.errors import ConfigError, UsageError
from bot.storage import transcripts
from bot.storage.base import Mark, StaleWrite, StorageUnavailable, StoredConversation
from bot.storage.files import check_sqlite_file
from bot.storage.tables import conversations, insert_for
from bot.transcripts.model import (
    EVERY,
    Access,
    Filters,
    Note,
    Page,
    QuizAnswer,
    QuizStats,
    StatsInputs,
    Transcript,
    TranscriptWrite,
)

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_S: Final = 5.0
"""How long SQLite waits for another writer's lock; `?timeout=` in the URL overrides it."""
POSTGRES_CONNECT_TIMEOUT_S: Final = 5
"""How long to wait for the server; `?connect_timeout=` in the URL overrides it."""
BULK_LIMIT_S: Final = 300.0
"""The time limit for statistics, exports and purges on PostgreSQL: long, but not for ever."""
_MIGRATION_LOCK: Final = 0x1AF054A2E
"""PostgreSQL advisory lock key: replicas starting together migrate one after the other."""
_WRITE: Final = "infoshare_write"
"""Execution option marking write transactions (SQLite takes the write lock up front)."""
_alembic_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)
"""Alembic's `context` and `op` are module globals: one migration at a time per event loop."""
"""No filters: every transcript."""
_DRIVERS: Final = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}

# --------------------------------------------------------------------------------------------
# Opening: URL, engine, migrations


def async_url(url: str) -> URL:
    """The URL a user writes (`sqlite:///path`, `postgresql://...`) for our async drivers."""
    try:
        parsed = make_url(url)
    except sa_exc.ArgumentError:
        raise ConfigError(
            "storage.url is not a database URL: write sqlite:///path/to/file.db "
            "or postgresql://user@host/dbname"
        ) from None
    backend = parsed.drivername.partition("+")[0]
    if backend == "postgres":
        backend = "postgresql"
    if backend not in _DRIVERS:
        raise ConfigError(
            f"storage.url: '{backend}' databases are not supported; use sqlite or postgresql"
        )
    return parsed.set(drivername=_DRIVERS[backend])


def migration_config() -> AlembicConfig:
    """Alembic's configuration without an ini file: the migrations ship inside this package."""
    config = AlembicConfig()
    config.set_main_option("script_location", "bot.storage:migrations")
    config.set_main_option("file_template", "%%(rev)s")
    return config


async def open_store(url: str) -> SqlStore:
    """Connect, create the SQLite file (and its folder) if needed, and migrate to the head.

    Raises `ConfigError` for a URL of the wrong kind or an SQLite file that is damaged or not
    ours (`bot.storage.files`), and `StorageUnavailable` if the database cannot be reached or
    written.
    """
    target = async_url(url)
    if target.get_backend_name() == "sqlite":
        target = _prepare_sqlite_file(target)
    limit_s = _time_limit(target)
    engine = _engine(target)
    try:
        async with _unavailable_on_driver_errors("open the database"):
            await _migrate(engine)
    except BaseException:
        await engine.dispose()
        raise
    log.info("storage: opened %s", target.render_as_string(hide_password=True))
    return SqlStore(engine, limit_s)


def check_at_rest(url: str) -> None:
    """Refuse a damaged or foreign SQLite file before anything else starts (`ConfigError`)."""
    target = async_url(url)
    plain_file = target.query.get("uri") not in ("true", "1")
    if target.get_backend_name() == "sqlite" and not _is_memory(target) and plain_file:
        check_sqlite_file(Path(str(target.database)).expanduser())


def _time_limit(url: URL) -> float | None:
    """How long a PostgreSQL operation may take before the database counts as unavailable.

    A connection can go silent (network partition, frozen host): wait no longer for an answer
    than for a new connection. SQLite needs none (its busy timeout bounds the lock wait), nor
    does `connect_timeout=0`, which libpq reads as "wait for ever".
    """
    if url.get_backend_name() != "postgresql":
        return None
    given = url.query.get("connect_timeout", POSTGRES_CONNECT_TIMEOUT_S)
    try:
        seconds = float(str(given))
    except ValueError:
        raise ConfigError(
            f"storage.url: connect_timeout={given} is not a number of seconds"
        ) from None
    return seconds if seconds > 0 else None


def _is_memory(url: URL) -> bool:
    return url.database in (None, "", ":memory:")


def _prepare_sqlite_file(url: URL) -> URL:
    """Expand `~` and create the database's folder; `uri=true` URLs are left as written."""
    if _is_memory(url) or url.query.get("uri") in ("true", "1"):
        return url
    assert url.database is not None  # _is_memory is False
    path = Path(url.database).expanduser()
    check_sqlite_file(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageUnavailable(
            f"cannot create the folder for the database {path}: {exc.strerror or exc}"
        ) from exc
    return url.set(database=str(path))


def _engine(url: URL) -> AsyncEngine:
    options: dict[str, Any] = {"hide_parameters": True}
    if url.get_backend_name() == "sqlite":
        # A local file has no connection to lose, so no ping; reads run in autocommit (no BEGIN),
        # so there is nothing to roll back when a connection goes back to the pool.
        options["pool_reset_on_return"] = None
        options["connect_args"] = (
            {} if "timeout" in url.query else {"timeout": SQLITE_BUSY_TIMEOUT_S}
        )
        if _is_memory(url):
            # One connection IS the database; queue for it instead of sharing it mid-transaction.
            options.update(poolclass=AsyncAdaptedQueuePool, pool_size=1, max_overflow=0)
        engine = create_async_engine(url, **options)
        event.listen(engine.sync_engine, "connect", _sqlite_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    if "connect_timeout" not in url.query:
        options["connect_args"] = {"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S}
    # A server can restart under us: check each pooled connection before use, so the bot
    # recovers by itself when the database comes back.
    return create_async_engine(url, pool_pre_ping=True, **options)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    """Durable commits (WAL + synchronous=FULL), deleted content overwritten with zeros (not
    every SQLite build does it by default: /forget must not leave codes in free space), and
    SQLAlchemy, not sqlite3, emits BEGIN."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA secure_delete=ON")
    finally:
        cursor.close()


def _sqlite_begin(connection: sa.Connection) -> None:
    """Writers take the lock at BEGIN, so waiting for it obeys the busy timeout.

    A read is one SELECT, which SQLite runs atomically on its own; no BEGIN saves a round trip.
    """
    if connection.get_execution_options().get(_WRITE, False):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _writer(engine: AsyncEngine) -> AsyncEngine:
    return engine.execution_options(**{_WRITE: True})


async def _migrate(engine: AsyncEngine) -> None:
    """Upgrade to the head, one process at a time (database lock) and one task at a time."""
    lock = _alembic_locks.setdefault(asyncio.get_running_loop(), asyncio.Lock())
    async with lock, _writer(engine).begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_MIGRATION_LOCK)))
        await conn.run_sync(_upgrade_to_head)


def _upgrade_to_head(connection: sa.Connection) -> None:
    config = migration_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


@asynccontextmanager
async def _unavailable_on_driver_errors(action: str) -> AsyncIterator[None]:
    """Turn "the database cannot be used right now" driver errors into `StorageUnavailable`.

    Other database errors are bugs and pass through unchanged.
    """
    try:
        yield
    except (sa_exc.OperationalError, sa_exc.InterfaceError) as exc:
        raise StorageUnavailable(f"cannot {action}: {_reason(exc)}") from exc
    except sa_exc.DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        raise StorageUnavailable(f"cannot {action}: {_reason(exc)}") from exc
    except (sa_exc.TimeoutError, OSError) as exc:
        raise StorageUnavailable(f"cannot {action}: {exc}") from exc


def _reason(exc: sa_exc.DBAPIError) -> str:
    """The driver's own first line: never the SQL or its parameters (they hold answers)."""
    lines = str(exc.orig).strip().splitlines()
    return lines[0] if lines else type(exc.orig).__name__


# --------------------------------------------------------------------------------------------
# The store


class SqlStore:
    """`ConversationStore` and `TranscriptStore` over one engine; safe to share between tasks.

    Each method is one connection (reads) or one transaction (writes); the transcript
    statements are in `bot.storage.transcripts`.
    """

    def __init__(self, engine: AsyncEngine, limit_s: float | None = None) -> None:
        self._engine = engine
        self._limit_s = limit_s
        self._bulk_limit_s = None if limit_s is None else max(limit_s, BULK_LIMIT_S)
        self._write = _writer(engine)
        # Built once, values bound at execution: building and cache-keying a statement per save
        # costs as much as running it. RETURNING, not rowcount: psycopg reports -1 rows for a
        # compiled INSERT .. ON CONFLICT.
        c = conversations.c
        self._insert_new: Any = (
            insert_for(engine.dialect.name)(conversations)
            .on_conflict_do_nothing(index_elements=[c.chat_id])
            .returning(c.chat_id)
        )
        self._update_from: Any = (
            sa.update(conversations)
            .where(c.chat_id == sa.bindparam("loaded_chat_id"))
            .where(c.version == sa.bindparam("loaded_version"))
            .returning(c.chat_id)
        )
        self._transcripts = transcripts.Writer(engine.dialect.name)

    @asynccontextmanager
    async def _reading(self, action: str, *, bulk: bool = False) -> AsyncIterator[AsyncConnection]:
        """One connection. `bulk` work (statistics, exports, purges) gets a longer time limit."""
        async with (
            _unavailable_on_driver_errors(action),
            asyncio.timeout(self._bulk_limit_s if bulk else self._limit_s),
            self._engine.connect() as conn,
        ):
            yield conn

    @asynccontextmanager
    async def _writing(self, action: str, *, bulk: bool = False) -> AsyncIterator[AsyncConnection]:
        """One transaction, committed on leaving the block (rolled back on an exception)."""
        async with (
            _unavailable_on_driver_errors(action),
            asyncio.timeout(self._bulk_limit_s if bulk else self._limit_s),
            self._write.begin() as conn,
        ):
            yield conn

    # ---- conversations ---------------------------------------------------------------------

    async def load(self, chat_id: int) -> StoredConversation | None:
        query = sa.select(conversations).where(conversations.c.chat_id == chat_id)
        async with self._reading("load the conversation") as conn:
            row = (await conn.execute(query)).one_or_none()
        return None if row is None else _from_row(row)

    async def save(
        self,
        conv: StoredConversation,
        *,
        expected_version: int | None,
        transcript: TranscriptWrite | None = None,
    ) -> StoredConversation:
        stored = replace(conv, version=(expected_version or 0) + 1)
        values = _to_row(stored)
        if expected_version is None:
            statement = self._insert_new
        else:
            statement = self._update_from
            values |= {"loaded_chat_id": conv.chat_id, "loaded_version": expected_version}
        async with self._writing("save the conversation") as conn:
            written = (await conn.execute(statement, values)).first()
            if written is not None and transcript is not None:
                await self._transcripts.write(conn, transcript, last_step=conv.step)
        if written is None:
            expected = "no row" if expected_version is None else f"version {expected_version}"
            raise StaleWrite(f"another update of this chat was saved first (expected {expected})")
        return stored

    async def shown(
        self,
        stored: StoredConversation,
        asked: int | None = None,
        asked_at: datetime | None = None,
    ) -> None:
        c = conversations.c
        values: dict[str, Any] = {"owed_at": None, "owed_mark": None}
        if asked is not None:
            values |= {"asked_message": asked, "asked_at": asked_at}
        statement = (
            sa.update(conversations)
            .where(c.chat_id == stored.chat_id)
            .where(c.conversation_id == stored.conversation_id)
            .where(c.turn == stored.turn)
            .values(values)
        )
        async with self._writing("note the reply shown") as conn:
            await conn.execute(statement)

    async def claim_owed(
        self, now: datetime, lease: timedelta, limit: int
    ) -> list[StoredConversation]:
        c = conversations.c
        due = sa.select(conversations).where(c.owed_at <= now).order_by(c.owed_at).limit(limit)
        async with self._reading("look for owed replies") as conn:
            rows = (await conn.execute(due)).all()
        if not rows:
            return []
        claimed: list[StoredConversation] = []
        async with self._writing("claim owed replies") as conn:
            for row in rows:
                taken = await conn.execute(
                    sa.update(conversations)
                    .where(c.chat_id == row.chat_id)
                    .where(c.owed_at == row.owed_at)  # unless a move or another sender came first
                    .values(owed_at=now + lease)
                    .returning(c.chat_id)
                )
                if taken.first() is not None:
                    claimed.append(replace(_from_row(row), owed_at=now + lease))
        return claimed

    async def delete(self, chat_id: int) -> None:
        statement = sa.delete(conversations).where(conversations.c.chat_id == chat_id)
        async with self._writing("delete the conversation") as conn:
            await conn.execute(statement)

    async def purge(self, before: datetime) -> int:
        statement = sa.delete(conversations).where(conversations.c.updated_at < before)
        async with self._writing("delete old conversations", bulk=True) as conn:
            return (await conn.execute(statement)).rowcount

    async def ping(self) -> None:
        async with self._reading("reach the database") as conn:
            await conn.execute(sa.select(1))

    async def close(self) -> None:
        await self._engine.dispose()

    # ---- transcripts -----------------------------------------------------------------------

    async def record(self, write: TranscriptWrite) -> None:
        """Append steps without touching the conversation; `last_step` is the last one's step."""
        if not write.steps:
            raise ValueError("record() needs at least one step")
        async with self._writing("save the transcript") as conn:
            await self._transcripts.write(conn, write, last_step=write.steps[-1].step)

    async def list_transcripts(self, filters: Filters, *, offset: int, limit: int) -> Page:
        async with self._reading("list transcripts") as conn:
            return await transcripts.page(conn, filters, offset, limit)

    async def get_transcript(self, transcript_id: int) -> Transcript | None:
        async with self._reading("read the transcript") as conn:
            return await transcripts.one(conn, transcript_id)

    async def keeps_conversation(self, conversation_id: str) -> bool:
        async with self._reading("look up a conversation") as conn:
            return await transcripts.kept(conn, conversation_id)

    async def iter_transcripts(
        self, filters: Filters, *, batch: int = 500
    ) -> AsyncIterator[Transcript]:
        """Oldest first; no connection is held while the caller works on a batch."""
        after: transcripts.Cursor | None = None
        while True:
            async with self._reading("read transcripts", bulk=True) as conn:
                found = await transcripts.batch(conn, filters, after, batch)
            for transcript in found:
                yield transcript
            if len(found) < batch:
                return
            after = (found[-1].started_at, found[-1].id)

    async def count_transcripts(self, filters: Filters) -> int:
        async with self._reading("count transcripts", bulk=True) as conn:
            return await transcripts.count(conn, filters)

    async def stats_inputs(self, filters: Filters) -> StatsInputs:
        async with self._reading("compute transcript statistics", bulk=True) as conn:
            return await transcripts.stats(conn, filters)

    async def set_tag(self, transcript_id: int, tag: str, on: bool) -> bool:
        async with self._writing("tag the transcript") as conn:
            return await transcripts.set_tag(conn, transcript_id, tag, on)

    async def add_note(self, transcript_id: int, note: Note) -> bool:
        async with self._writing("add the note") as conn:
            return await transcripts.add_note(conn, transcript_id, note)

    async def forget_practitioner(self, practitioner: str, *, at: datetime) -> int:
        async with self._writing("forget the practitioner") as conn:
            gone = await transcripts.forget(conn, practitioner, at)
        await self._empty_the_wal()
        return gone

    async def _empty_the_wal(self) -> None:
        """SQLite: copy the write-ahead log into the database and truncate it, so the pages from
        before a /forget (which held the code) do not linger in the -wal file. Deleted content
        in the database file itself is zeroed (secure_delete). A reader still on old pages (an
        export) keeps the log: SQLite then answers "busy" at once (no wait, other chats' writes
        go on) and the log empties at a later checkpoint, which is said in the log."""
        if self._engine.dialect.name != "sqlite":
            return
        try:
            async with self._reading("empty the write-ahead log") as conn:
                waited = (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar_one()
                await conn.exec_driver_sql("PRAGMA busy_timeout=0")
                try:
                    result = await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                    busy = result.first()
                finally:
                    await conn.exec_driver_sql(f"PRAGMA busy_timeout={int(waited)}")
        except StorageUnavailable as exc:
            log.warning("%s", exc)
            return
        if busy is not None and busy[0]:
            log.warning("the write-ahead log is still in use; it is emptied at a later checkpoint")

    async def purge_transcripts(self, before: datetime, filters: Filters = EVERY) -> int:
        async with self._writing("delete old transcripts", bulk=True) as conn:
            return await transcripts.purge(conn, before, filters)

    async def log_access(self, access: Access) -> None:
        async with self._writing("write the access log") as conn:
            await transcripts.log_access(conn, access)

    async def accesses(
        self, *, since: datetime | None = None, until: datetime | None = None, limit: int = 1000
    ) -> list[Access]:
        if limit < 1:
            raise UsageError("The access log limit must be 1 or more.")
        async with self._reading("read the access log") as conn:
            return await transcripts.accesses(conn, since, until, limit)

    async def record_quiz_answer(self, answer: QuizAnswer) -> None:
        async with self._writing("save the quiz answer") as conn:
            await transcripts.record_quiz_answer(conn, answer)

    async def quiz_stats(
        self, *, since: datetime | None = None, until: datetime | None = None
    ) -> QuizStats:
        async with self._reading("compute quiz statistics") as conn:
            return await transcripts.quiz_stats(conn, since, until)

    async def purge_quiz_answers(self, before: datetime) -> int:
        async with self._writing("delete old quiz answers", bulk=True) as conn:
            return await transcripts.purge_quiz_answers(conn, before)


def _to_row(conv: StoredConversation) -> dict[str, Any]:
    return {
        "chat_id": conv.chat_id,
        "dialogue": conv.dialogue,
        "step": conv.step,
        "history": [list(pair) for pair in conv.history],
        "conversation_id": conv.conversation_id,
        "turn": conv.turn,
        "content_version": conv.content_version,
        "started_at": conv.started_at,
        "updated_at": conv.updated_at,
        "version": conv.version,
        "last_record": conv.last_record,
        "applied": list(conv.applied),
        "asked_message": conv.asked_message,
        "asked_at": conv.asked_at,
        "owed_at": conv.owed_at,
        "owed_mark": None if conv.owed_mark is None else _mark_to_json(conv.owed_mark),
    }


def _mark_to_json(mark: Mark) -> dict[str, Any]:
    return {
        "message": mark.message,
        "note": mark.note,
        "step": mark.step,
        "history": [list(pair) for pair in mark.history],
    }


def _mark_from_json(raw: dict[str, Any] | None) -> Mark | None:
    if raw is None:
        return None
    history = tuple((step, answer) for step, answer in raw["history"])
    return Mark(raw["message"], raw["note"], raw["step"], history)


def _from_row(row: sa.Row[Any]) -> StoredConversation:
    return StoredConversation(
        chat_id=row.chat_id,
        dialogue=row.dialogue,
        step=row.step,
        history=tuple((step, answer) for step, answer in row.history),
        conversation_id=row.conversation_id,
        turn=row.turn,
        content_version=row.content_version,
        started_at=row.started_at,
        updated_at=row.updated_at,
        version=row.version,
        last_record=row.last_record,
        applied=tuple(row.applied),
        asked_message=row.asked_message,
        asked_at=row.asked_at,
        owed_at=row.owed_at,
        owed_mark=_mark_from_json(row.owed_mark),
    )
