"""The store on SQLAlchemy Core, for SQLite (sqlite3) and PostgreSQL (psycopg 3).

The statements are (nearly: see `bot.storage.transcripts`) the same on both databases; the
differences are at connection time: the URL a user writes is mapped to its driver, SQLite gets
WAL, synchronous=FULL, secure_delete and a busy timeout, PostgreSQL a connect timeout, and each
gets the way of running work that suits it (`bot.storage.engines`). `open_store` brings the
schema to the newest migration before returning, so an upgrade of the bot upgrades its database
by itself.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import weakref
from collections.abc import AsyncIterator, Collection, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import StaticPool

from bot.alerts import Alert, ContactRequest, FeedbackSums, Handled, Identity, RequestState
from bot.errors import ConfigError, StorageError, UsageError
from bot.storage import alerts, desk, organisations, transcripts
from bot.storage.base import LinkState, Mark, StaleWrite, StorageUnavailable, StoredConversation
from bot.storage.engines import SQLITE_THREADS, WRITE, Greenlet, Runner, Threaded
from bot.storage.files import check_sqlite_file, owner_only
from bot.storage.keys import ChatKeys
from bot.storage.tables import conversations, insert_for
from bot.transcripts.model import (
    EVERY,
    Access,
    Filters,
    Note,
    Page,
    PractitionerSums,
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
_alembic_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)
"""Alembic's `context` and `op` are module globals: one migration at a time per event loop."""
_DRIVERS: Final = {"sqlite": "sqlite+pysqlite", "postgresql": "postgresql+psycopg"}

# --------------------------------------------------------------------------------------------
# Opening: URL, engine, migrations


def driver_url(url: str) -> URL:
    """The URL a user writes (`sqlite:///path`, `postgresql://...`) for our drivers."""
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


async def open_store(url: str, keys: ChatKeys | None) -> SqlStore:
    """Connect, create the SQLite file (and its folder) if needed, and migrate to the head.

    `keys` (from the bot's secret) key and seal chat ids at rest (`bot.storage.keys`); a
    migration that rekeys stored conversations uses them too. A store without them (a command
    that has not got the bot's secret) serves transcripts only.

    Raises `ConfigError` for a URL of the wrong kind or an SQLite file that is damaged or not
    ours (`bot.storage.files`), and `StorageUnavailable` if the database cannot be reached or
    written.
    """
    target = driver_url(url)
    if target.get_backend_name() == "sqlite":
        runner: Runner = _sqlite(_prepare_sqlite_file(target))
    else:
        runner = _postgresql(target)
    try:
        lock = _alembic_locks.setdefault(asyncio.get_running_loop(), asyncio.Lock())
        async with lock:
            # bulk: replicas queue for the migration lock, and a rekey takes a while
            upgraded = await runner.write(
                "open the database", functools.partial(_migrate, keys=keys), bulk=True
            )
    except BaseException:
        await runner.close()
        raise
    log.info("storage: opened %s", target.render_as_string(hide_password=True))
    store = SqlStore(runner, keys)
    if upgraded:
        await store._empty_the_wal()  # a rekey's zeroed pages into the file, now
    return store


def check_at_rest(url: str) -> None:
    """Refuse a damaged or foreign SQLite file before anything else starts (`ConfigError`)."""
    target = driver_url(url)
    plain_file = target.query.get("uri") not in ("true", "1")
    if target.get_backend_name() == "sqlite" and not _is_memory(target) and plain_file:
        check_sqlite_file(Path(str(target.database)).expanduser())


def _time_limit(url: URL) -> float | None:
    """How long a PostgreSQL operation may take before the database counts as unavailable.

    A connection can go silent (network partition, frozen host): wait no longer for an answer
    than for a new connection. `connect_timeout=0`, which libpq reads as "wait for ever", needs
    none.
    """
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
    owner_only(path)
    return url.set(database=str(path))


def _sqlite(url: URL) -> Threaded:
    # A local file has no connection to lose, so no ping; reads run in autocommit (no BEGIN),
    # so there is nothing to roll back when a connection goes back to the pool.
    options: dict[str, Any] = {"hide_parameters": True, "pool_reset_on_return": None}
    connect_args: dict[str, Any] = {"check_same_thread": False}
    if "timeout" not in url.query:
        connect_args["timeout"] = SQLITE_BUSY_TIMEOUT_S
    threads = SQLITE_THREADS
    if _is_memory(url):
        # One connection IS the database, used by one thread at a time.
        options["poolclass"], threads = StaticPool, 1
    engine = sa.create_engine(url, connect_args=connect_args, **options)
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return Threaded(engine, threads)


def _postgresql(url: URL) -> Greenlet:
    options: dict[str, Any] = {"hide_parameters": True}
    if "connect_timeout" not in url.query:
        options["connect_args"] = {"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S}
    limit_s = _time_limit(url)
    # A server can restart under us: check each pooled connection before use, so the bot
    # recovers by itself when the database comes back.
    engine = create_async_engine(url, pool_pre_ping=True, **options)
    return Greenlet(engine, limit_s, None if limit_s is None else max(limit_s, BULK_LIMIT_S))


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
    if connection.get_execution_options().get(WRITE, False):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _migrate(connection: sa.Connection, keys: ChatKeys | None) -> bool:
    """Upgrade to the head, one process at a time (PostgreSQL: an advisory lock); True if the
    schema changed."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_MIGRATION_LOCK)))
    before = MigrationContext.configure(connection).get_current_revision()
    config = migration_config()
    config.attributes["connection"] = connection
    config.attributes["chat_keys"] = keys
    command.upgrade(config, "head")
    return MigrationContext.configure(connection).get_current_revision() != before


# --------------------------------------------------------------------------------------------
# The store


class SqlStore:
    """`ConversationStore` and `TranscriptStore` on one runner; safe to share between tasks.

    Each method is one read or one transaction, run whole (`bot.storage.engines`); the
    transcript statements are in `bot.storage.transcripts`.
    """

    def __init__(self, runner: Runner, keys: ChatKeys | None) -> None:
        self._runner = runner
        self._chat_keys = keys
        # Built once, values bound at execution: building and cache-keying a statement per save
        # costs as much as running it. RETURNING, not rowcount: psycopg reports -1 rows for a
        # compiled INSERT .. ON CONFLICT.
        c = conversations.c
        self._load: Any = sa.select(conversations).where(c.chat_key == sa.bindparam("chat_key"))
        self._insert_new: Any = (
            insert_for(runner.dialect)(conversations)
            .on_conflict_do_nothing(index_elements=[c.chat_key])
            .returning(c.chat_key)
        )
        self._update_from: Any = (
            sa.update(conversations)
            .where(c.chat_key == sa.bindparam("loaded_chat_key"))
            .where(c.version == sa.bindparam("loaded_version"))
            .returning(c.chat_key)
        )
        self._shown: Any = (
            sa.update(conversations)
            .where(c.chat_key == sa.bindparam("shown_chat_key"))
            .where(c.conversation_id == sa.bindparam("shown_conversation_id"))
            .where(c.turn == sa.bindparam("shown_turn"))
        )
        self._transcripts = transcripts.Writer(runner.dialect)

    @property
    def _keys(self) -> ChatKeys:
        if self._chat_keys is None:
            raise StorageError(
                "conversations need the bot's secret; this store has only transcripts"
            )
        return self._chat_keys

    # ---- conversations ---------------------------------------------------------------------

    async def load(self, chat_id: int) -> StoredConversation | None:
        def work(conn: sa.Connection) -> StoredConversation | None:
            row = conn.execute(self._load, {"chat_key": key}).one_or_none()
            return None if row is None else _from_row(row, chat_id)

        key = self._keys.key(chat_id)

        return await self._runner.read("load the conversation", work)

    async def save(
        self,
        conv: StoredConversation,
        *,
        expected_version: int | None,
        transcript: TranscriptWrite | None = None,
    ) -> StoredConversation:
        stored = replace(conv, version=(expected_version or 0) + 1)
        values = _to_row(stored, self._keys)
        if expected_version is None:
            statement = self._insert_new
        else:
            statement = self._update_from
            values |= {"loaded_chat_key": values["chat_key"], "loaded_version": expected_version}

        def work(conn: sa.Connection) -> bool:
            written = conn.execute(statement, values).first() is not None
            if written and transcript is not None:
                number = self._transcripts.write(conn, transcript, last_step=conv.step)
                if transcript.outcome is not None and transcript.alert_at is not None:
                    alerts.raise_urgent(conn, number, transcript, transcript.alert_at)
            return written

        if not await self._runner.write("save the conversation", work):
            expected = "no row" if expected_version is None else f"version {expected_version}"
            raise StaleWrite(f"another update of this chat was saved first (expected {expected})")
        return stored

    async def shown(
        self,
        stored: StoredConversation,
        asked: int | None = None,
        asked_at: datetime | None = None,
    ) -> None:
        values: dict[str, Any] = {
            "shown_chat_key": self._keys.key(stored.chat_id),
            "shown_conversation_id": stored.conversation_id,
            "shown_turn": stored.turn,
            "owed_at": None,
            "owed_mark": None,
            "chat_sealed": None,  # no reply owed: the chat id goes
        }
        if asked is not None:
            values |= {"asked_message": asked, "asked_at": asked_at}

        def work(conn: sa.Connection) -> None:
            conn.execute(self._shown, values)

        # Not flushed to disk: if a power cut loses it, the outbox shows the reply again.
        await self._runner.write("note the reply shown", work, durable=False)

    async def claim_owed(
        self, now: datetime, lease: timedelta, limit: int
    ) -> list[StoredConversation]:
        c = conversations.c
        looking = sa.select(conversations).where(c.owed_at <= now).order_by(c.owed_at).limit(limit)
        rows = await self._runner.read(
            "look for owed replies", lambda conn: conn.execute(looking).all()
        )
        if not rows:
            return []
        until = now + lease
        # a debt no sender can pay (its chat id cannot be opened) is dropped, not retried
        dropped = {"owed_at": None, "owed_mark": None, "chat_sealed": None}

        def work(conn: sa.Connection) -> list[StoredConversation]:
            claimed: list[StoredConversation] = []
            for row in rows:
                chat_id = self._chat_of(row)
                taken = conn.execute(
                    sa.update(conversations)
                    .where(c.chat_key == row.chat_key)
                    .where(c.owed_at == row.owed_at)  # unless a move or another sender came first
                    .values(dropped if chat_id is None else {"owed_at": until})
                    .returning(c.chat_key)
                ).first()
                if taken is not None and chat_id is not None:
                    claimed.append(replace(_from_row(row, chat_id), owed_at=until))
            return claimed

        return await self._runner.write("claim owed replies", work)

    def _chat_of(self, row: sa.Row[Any]) -> int | None:
        """The chat an owed reply goes to, from its seal; None (logged) if there is none to open."""
        if row.chat_sealed is None:
            log.warning("owed reply dropped: it has no sealed chat id")
            return None
        try:
            return self._keys.unseal(row.chat_sealed)
        except StorageError as exc:
            log.warning("owed reply dropped: %s", exc)
            return None

    async def delete(self, chat_id: int) -> None:
        key = self._keys.key(chat_id)
        statement = sa.delete(conversations).where(conversations.c.chat_key == key)
        await self._runner.write("delete the conversation", _executes(statement))

    async def purge(self, before: datetime) -> int:
        statement = sa.delete(conversations).where(conversations.c.updated_at < before)
        return await self._runner.write(
            "delete old conversations", lambda conn: conn.execute(statement).rowcount, bulk=True
        )

    async def ping(self) -> None:
        await self._runner.read("reach the database", _executes(sa.select(1)))

    async def close(self) -> None:
        await self._runner.close()

    # ---- transcripts -----------------------------------------------------------------------

    async def record(self, write: TranscriptWrite) -> None:
        """Append steps without touching the conversation; `last_step` is the last one's step."""
        if not write.steps:
            raise ValueError("record() needs at least one step")
        await self._runner.write(
            "save the transcript",
            lambda conn: self._transcripts.write(conn, write, last_step=write.steps[-1].step),
        )

    async def list_transcripts(self, filters: Filters, *, offset: int, limit: int) -> Page:
        return await self._runner.read(
            "list transcripts", lambda conn: transcripts.page(conn, filters, offset, limit)
        )

    async def get_transcript(self, transcript_id: int) -> Transcript | None:
        return await self._runner.read(
            "read the transcript", lambda conn: transcripts.one(conn, transcript_id)
        )

    async def keeps_conversation(self, conversation_id: str) -> bool:
        return await self._runner.read(
            "look up a conversation", lambda conn: transcripts.kept(conn, conversation_id)
        )

    async def iter_transcripts(
        self, filters: Filters, *, batch: int = 500
    ) -> AsyncIterator[Transcript]:
        """Oldest first; no connection is held while the caller works on a batch."""
        after: transcripts.Cursor | None = None
        while True:
            found = await self._runner.read(
                "read transcripts",
                functools.partial(transcripts.batch, filters=filters, after=after, limit=batch),
                bulk=True,
            )
            for transcript in found:
                yield transcript
            if len(found) < batch:
                return
            after = (found[-1].started_at, found[-1].id)

    async def count_transcripts(self, filters: Filters) -> int:
        return await self._runner.read(
            "count transcripts", lambda conn: transcripts.count(conn, filters), bulk=True
        )

    async def stats_inputs(
        self, filters: Filters, *, abandoned_before: datetime | None = None
    ) -> StatsInputs:
        return await self._runner.read(
            "compute transcript statistics",
            lambda conn: transcripts.stats(conn, filters, abandoned_before),
            bulk=True,
        )

    async def practitioners(
        self, filters: Filters, urgent: Sequence[str]
    ) -> list[PractitionerSums]:
        return await self._runner.read(
            "add up practitioners",
            lambda conn: transcripts.practitioners(conn, filters, urgent),
            bulk=True,
        )

    async def set_tag(self, transcript_id: int, tag: str, on: bool) -> bool:
        return await self._runner.write(
            "tag the transcript", lambda conn: transcripts.set_tag(conn, transcript_id, tag, on)
        )

    async def add_note(self, transcript_id: int, note: Note) -> bool:
        return await self._runner.write(
            "add the note", lambda conn: transcripts.add_note(conn, transcript_id, note)
        )

    async def forget_practitioner(self, practitioner: str, *, at: datetime) -> int:
        gone = await self._runner.write(
            "forget the practitioner", lambda conn: transcripts.forget(conn, practitioner, at)
        )
        await self._empty_the_wal()
        return gone

    async def _empty_the_wal(self) -> None:
        """SQLite: copy the write-ahead log into the database and truncate it, so the pages from
        before a /forget (which held the code) do not linger in the -wal file. Deleted content
        in the database file itself is zeroed (secure_delete). A reader still on old pages (an
        export) keeps the log: SQLite then answers "busy" at once (no wait, other chats' writes
        go on) and the log empties at a later checkpoint, which is said in the log."""
        if self._runner.dialect != "sqlite":
            return
        try:
            busy = await self._runner.read("empty the write-ahead log", _checkpoint)
        except StorageUnavailable as exc:
            log.warning("%s", exc)
            return
        if busy:
            log.warning("the write-ahead log is still in use; it is emptied at a later checkpoint")

    async def purge_transcripts(self, before: datetime, filters: Filters = EVERY) -> int:
        return await self._runner.write(
            "delete old transcripts",
            lambda conn: transcripts.purge(conn, before, filters),
            bulk=True,
        )

    async def log_access(self, access: Access) -> None:
        await self._runner.write(
            "write the access log", lambda conn: transcripts.log_access(conn, access)
        )

    async def accesses(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 1000,
        who: Collection[str] | None = None,
        about: int | None = None,
    ) -> list[Access]:
        if limit < 1:
            raise UsageError("The access log limit must be 1 or more.")
        return await self._runner.read(
            "read the access log",
            lambda conn: transcripts.accesses(conn, since, until, limit, who, about),
        )

    async def record_quiz_answer(self, answer: QuizAnswer) -> None:
        await self._runner.write(
            "save the quiz answer", lambda conn: transcripts.record_quiz_answer(conn, answer)
        )

    async def quiz_stats(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        scope: frozenset[str] | None = None,
        organisation: str | None = None,
    ) -> QuizStats:
        return await self._runner.read(
            "compute quiz statistics",
            lambda conn: transcripts.quiz_stats(conn, since, until, scope, organisation),
        )

    async def purge_quiz_answers(self, before: datetime) -> int:
        return await self._runner.write(
            "delete old quiz answers",
            lambda conn: transcripts.purge_quiz_answers(conn, before),
            bulk=True,
        )

    # ---- alerts, requests to get in touch, feedback (`bot.storage.alerts`) -------------------

    async def claim_alerts(self, now: datetime, lease: timedelta, limit: int) -> list[Alert]:
        rows = await self._runner.read("look for alerts", lambda conn: alerts.due(conn, now, limit))
        if not rows:
            return []
        return await self._runner.write(
            "claim alerts", lambda conn: alerts.claim(conn, rows, now, lease)
        )

    async def alert_delivered(self, alert_id: int, lead: int) -> None:
        key = self._keys.key(lead)
        # Not flushed to disk (as `shown`): the note must follow the send within a millisecond,
        # the window in which a crash makes the lead told twice; a power cut can lose it, and
        # then the lead is told again, never not at all.
        await self._runner.write(
            "note an alert delivered",
            lambda conn: alerts.delivered(conn, alert_id, key),
            durable=False,
        )

    async def alert_settled(self, alert_id: int) -> None:
        await self._runner.write("settle an alert", lambda conn: alerts.settled(conn, alert_id))

    async def set_alerts(self, lead: int, on: bool) -> None:
        key = self._keys.key(lead)
        await self._runner.write("turn alerts on or off", lambda c: alerts.set_alerts(c, key, on))

    async def alerts_on(self, leads: Sequence[int]) -> dict[int, bool]:
        """Per lead: whether their alerts are on (they are unless turned off)."""
        off = await self._runner.read("read alert settings", alerts.silenced)
        return {lead: self._keys.key(lead) not in off for lead in leads}

    def lead_key(self, lead: int) -> str:
        """How `Alert.delivered` names a lead."""
        return self._keys.key(lead)

    async def request_contact(
        self, conversation_id: str, practitioner: str, identity: Identity, at: datetime
    ) -> ContactRequest | None:
        sealed = self._keys.seal_identity(identity)
        return await self._runner.write(
            "save the request",
            lambda conn: alerts.request(conn, conversation_id, practitioner, sealed, at),
        )

    async def withdraw_request(
        self, request_id: int, practitioner: str, at: datetime
    ) -> RequestState:
        return await self._runner.write(
            "withdraw the request",
            lambda conn: alerts.withdraw(conn, request_id, practitioner, at),
        )

    async def open_request(
        self, request_id: int, lead: str, at: datetime, scope: frozenset[str] | None = None
    ) -> ContactRequest:
        def work(conn: sa.Connection) -> ContactRequest:
            opened = alerts.open_request(conn, request_id, lead, at, scope)
            sealed = alerts.sealed_identity(conn, request_id) if opened.state == "opened" else None
            return opened if sealed is None else replace(opened, identity=self._identity(sealed))

        return await self._runner.write("open the request", work)

    async def open_requests(self, scope: frozenset[str] | None) -> list[ContactRequest]:
        return await self._runner.read(
            "list open requests", lambda conn: alerts.open_requests(conn, scope)
        )

    async def handle_request(
        self, request_id: int, lead: str, at: datetime, scope: frozenset[str] | None
    ) -> RequestState | Handled:
        return await self._runner.write(
            "mark the request handled",
            lambda conn: alerts.handle_request(conn, request_id, lead, at, scope),
        )

    def _identity(self, sealed: str) -> Identity | None:
        try:
            return self._keys.unseal_identity(sealed)
        except StorageError as exc:
            log.warning("a request's identity cannot be opened: %s", exc)
            return None

    async def give_feedback(
        self,
        conversation_id: str,
        practitioner: str,
        helped: str,
        at: datetime,
        prompt_message: int | None = None,
    ) -> bool:
        return await self._runner.write(
            "save the feedback",
            lambda conn: alerts.give_feedback(
                conn, conversation_id, practitioner, helped, at, prompt_message
            ),
        )

    async def feedback_comment(
        self, practitioner: str, prompt_message: int, text: str, at: datetime
    ) -> bool:
        return await self._runner.write(
            "save the comment",
            lambda conn: alerts.comment(conn, practitioner, prompt_message, text, at),
        )

    async def feedback_sums(self, filters: Filters) -> list[FeedbackSums]:
        return await self._runner.read(
            "add up feedback", lambda conn: alerts.feedback_sums(conn, filters), bulk=True
        )

    # ---- organisations (`bot.storage.organisations`) ------------------------------------------

    async def join_organisation(
        self, practitioner: str, organisation: str, at: datetime
    ) -> str | None:
        return await self._runner.write(
            "join the organisation",
            lambda conn: organisations.join(conn, practitioner, organisation, at),
        )

    async def organisation_of(self, practitioner: str) -> str | None:
        return await self._runner.read(
            "look up the organisation",
            lambda conn: organisations.organisation_of(conn, practitioner),
        )

    async def decision_organisation(self, conversation_id: str, practitioner: str) -> str | None:
        return await self._runner.read(
            "look up the decision's organisation",
            lambda conn: organisations.of_decision(conn, conversation_id, practitioner),
        )

    async def leave_organisation(self, practitioner: str) -> str | None:
        return await self._runner.write(
            "leave the organisation", lambda conn: organisations.leave(conn, practitioner)
        )

    async def members(self) -> dict[str, int]:
        return await self._runner.read("count members", organisations.members)

    async def invite_rounds(self) -> dict[str, int]:
        return await self._runner.read("read invitation rounds", organisations.rounds)

    async def rotate_invite(self, organisation: str) -> int:
        return await self._runner.write(
            "rotate the invitation", lambda conn: organisations.rotate(conn, organisation)
        )

    # ---- the web desk's sign-in links and sessions (`bot.storage.desk`) ----------------------

    async def desk_link(
        self, token_hash: str, lead: int, at: datetime, expires_at: datetime
    ) -> None:
        await self._runner.write(
            "save the sign-in link",
            lambda conn: desk.new_link(conn, token_hash, lead, at, expires_at),
        )

    async def use_desk_link(self, token_hash: str, at: datetime) -> tuple[LinkState, int | None]:
        return await self._runner.write(
            "use the sign-in link", lambda conn: desk.use_link(conn, token_hash, at)
        )

    async def desk_session(self, id_hash: str, lead: int, at: datetime) -> None:
        await self._runner.write(
            "start the desk session", lambda conn: desk.new_session(conn, id_hash, lead, at)
        )

    async def desk_session_lead(self, id_hash: str, at: datetime, idle: timedelta) -> int | None:
        # Not flushed to disk: a power cut that loses the touch only signs the lead out sooner.
        return await self._runner.write(
            "check the desk session",
            lambda conn: desk.session_lead(conn, id_hash, at, idle),
            durable=False,
        )

    async def end_desk_session(self, id_hash: str, at: datetime) -> None:
        await self._runner.write(
            "end the desk session", lambda conn: desk.end_session(conn, id_hash, at)
        )

    async def purge_desk(self, before: datetime) -> int:
        return await self._runner.write(
            "delete old sign-in links and sessions",
            lambda conn: desk.purge(conn, before),
            bulk=True,
        )


def _executes(statement: sa.Executable) -> Any:
    """Work that runs one statement and wants nothing back."""

    def work(conn: sa.Connection) -> None:
        conn.execute(statement)

    return work


def _checkpoint(conn: sa.Connection) -> bool:
    """Checkpoint without waiting for readers; True if one kept the log busy."""
    waited = conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one()
    conn.exec_driver_sql("PRAGMA busy_timeout=0")
    try:
        busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
    finally:
        conn.exec_driver_sql(f"PRAGMA busy_timeout={int(waited)}")
    return busy is not None and bool(busy[0])


def _to_row(conv: StoredConversation, keys: ChatKeys) -> dict[str, Any]:
    """The row as stored: the chat by its key, its id sealed only while a reply is owed."""
    return {
        "chat_key": keys.key(conv.chat_id),
        "chat_sealed": None if conv.owed_at is None else keys.seal(conv.chat_id),
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


def _from_row(row: sa.Row[Any], chat_id: int) -> StoredConversation:
    """The row as the front ends see it, for the chat it was found by (or unsealed from)."""
    return StoredConversation(
        chat_id=chat_id,
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
