"""How the store's work reaches the database: one small interface, one way per backend.

Every store operation is one plain function of a SQLAlchemy `Connection`, run whole: a read on
one connection, a write in one transaction, committed before the awaiting caller goes on.

- SQLite (`Threaded`): the standard sqlite3 driver in the store's own threads, one hop to a
  thread per operation. An async driver (aiosqlite) hops to its thread and back for every driver
  call, about nine times an update, which was most of an update's time (BENCHMARKS.md, issue 18).
  SQLite bounds its own waits (the busy timeout); a time limit is not needed.
- PostgreSQL (`Greenlet`): psycopg's asyncio driver, the function run by SQLAlchemy's
  `run_sync` on the event loop, so a connection that goes silent is still cancelled at the time
  limit.

A write may be `durable=False` (the note that a reply was shown): committed, and safe from a
crash of the bot, but not flushed to the disk before returning. A power cut may lose it; then
the reply is shown again, never lost.

Driver errors that mean "the database cannot be used right now" become `StorageUnavailable`;
other database errors are bugs and pass through unchanged.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Final, Protocol, TypeVar

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.errors import StorageUnavailable

T = TypeVar("T")
Work = Callable[[sa.Connection], T]
"""One operation's statements, given an open connection (inside the transaction, for a write)."""

WRITE: Final = "infoshare_write"
"""Execution option marking write transactions (SQLite takes the write lock up front)."""
SQLITE_THREADS: Final = 4
"""Threads for a file database: saves go on while an export or statistics read."""


class Runner(Protocol):
    """Runs one operation's work on the database; see the module docstring."""

    @property
    def dialect(self) -> str:
        """ "sqlite" or "postgresql"."""

    async def read(self, action: str, work: Work[T], *, bulk: bool = False) -> T:
        """`work` on one connection; `bulk` (statistics, exports) gets a longer time limit.
        `action` completes "cannot ..." in the error a practitioner's outage is logged with."""

    async def write(
        self, action: str, work: Work[T], *, bulk: bool = False, durable: bool = True
    ) -> T:
        """`work` in one transaction, committed on return (rolled back if it raises)."""

    async def close(self) -> None:
        """Release threads and connections; the runner must not be used afterwards."""


@asynccontextmanager
async def unavailable_on_driver_errors(action: str) -> AsyncIterator[None]:
    """Turn "the database cannot be used right now" driver errors into `StorageUnavailable`."""
    try:
        yield
    except (sa_exc.OperationalError, sa_exc.InterfaceError) as exc:
        raise StorageUnavailable(f"cannot {action}: {_reason(exc)}") from exc
    except sa_exc.DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        raise StorageUnavailable(f"cannot {action}: {_reason(exc)}") from exc
    except (sa_exc.TimeoutError, OSError) as exc:  # asyncio.timeout's TimeoutError says nothing
        raise StorageUnavailable(f"cannot {action}: {str(exc) or 'no answer in time'}") from exc


def _reason(exc: sa_exc.DBAPIError) -> str:
    """The driver's own first line: never the SQL or its parameters (they hold answers)."""
    lines = str(exc.orig).strip().splitlines()
    return lines[0] if lines else type(exc.orig).__name__


class Threaded:
    """SQLite: each operation runs whole in one of the store's threads."""

    dialect = "sqlite"

    def __init__(self, engine: sa.Engine, threads: int) -> None:
        self._engine = engine
        self._write = engine.execution_options(**{WRITE: True})
        self._threads = ThreadPoolExecutor(threads, thread_name_prefix="infoshare-sqlite")

    async def read(self, action: str, work: Work[T], *, bulk: bool = False) -> T:
        return await self._run(action, functools.partial(self._reading, work))

    async def write(
        self, action: str, work: Work[T], *, bulk: bool = False, durable: bool = True
    ) -> T:
        return await self._run(action, functools.partial(self._writing, work, durable))

    async def close(self) -> None:
        await asyncio.to_thread(self._threads.shutdown)
        self._engine.dispose()

    async def _run(self, action: str, call: Callable[[], T]) -> T:
        async with unavailable_on_driver_errors(action):
            return await asyncio.get_running_loop().run_in_executor(self._threads, call)

    def _reading(self, work: Work[T]) -> T:
        with self._engine.connect() as conn:
            return work(conn)

    def _writing(self, work: Work[T], durable: bool) -> T:
        with self._write.connect() as conn:
            if durable:
                with conn.begin():
                    return work(conn)
            driver = conn.connection.driver_connection
            assert driver is not None  # a checked-out connection
            # WAL + synchronous=NORMAL: the commit is in the log (safe from a crash of the bot)
            # but not flushed to disk; a later durable commit flushes it with its own.
            driver.execute("PRAGMA synchronous=NORMAL")
            try:
                with conn.begin():
                    return work(conn)
            finally:
                driver.execute("PRAGMA synchronous=FULL")


class Greenlet:
    """PostgreSQL: each operation runs whole through `run_sync` on the event loop."""

    dialect = "postgresql"

    def __init__(self, engine: AsyncEngine, limit_s: float | None, bulk_limit_s: float | None):
        self._engine = engine
        self._limit_s = limit_s
        self._bulk_limit_s = bulk_limit_s

    async def read(self, action: str, work: Work[T], *, bulk: bool = False) -> T:
        async with (
            unavailable_on_driver_errors(action),
            asyncio.timeout(self._bulk_limit_s if bulk else self._limit_s),
            self._engine.connect() as conn,
        ):
            return await conn.run_sync(work)

    async def write(
        self, action: str, work: Work[T], *, bulk: bool = False, durable: bool = True
    ) -> T:
        if not durable:
            work = functools.partial(_not_flushed, work)
        async with (
            unavailable_on_driver_errors(action),
            asyncio.timeout(self._bulk_limit_s if bulk else self._limit_s),
            self._engine.begin() as conn,
        ):
            return await conn.run_sync(work)

    async def close(self) -> None:
        await self._engine.dispose()


def _not_flushed(work: Work[T], conn: sa.Connection) -> T:
    """PostgreSQL: this transaction's commit does not wait for its log to reach the disk."""
    conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
    return work(conn)
