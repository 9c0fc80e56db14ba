"""Storage fixtures, as a pytest plugin: `pytest_plugins = ["tests.support.storage"]`.

`store_url` runs a test once per backend, each time on a database nobody else sees: a file in
`tmp_path` for SQLite, a fresh schema (dropped afterwards) for PostgreSQL. PostgreSQL runs only
when INFOSHARE_TEST_POSTGRES_URL is set, e.g. postgresql://postgres@127.0.0.1:5432/test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

from bot.storage import SqlStore, StoredConversation, open_store
from bot.transcripts.model import Entry, TranscriptWrite
from tests.support.offline import KEYS

POSTGRES_ENV = "INFOSHARE_TEST_POSTGRES_URL"
__all__ = ["KEYS"]  # the keys every store a test opens uses (tests.support.offline's)
SESSION_TIME_ZONE = "Pacific/Chatham"
"""A session zone far from UTC (+12:45/+13:45), so a missed conversion cannot pass unnoticed."""

postgres_only = pytest.mark.skipif(
    not os.environ.get(POSTGRES_ENV), reason=f"set {POSTGRES_ENV} to run PostgreSQL tests"
)

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=[pytest.mark.postgres, postgres_only]),
]


def postgres_schema_url(base: str, schema: str) -> str:
    """`base` with every session confined to `schema` (tables and alembic_version alike)."""
    options = f"-csearch_path={schema} -ctimezone={SESSION_TIME_ZONE}"
    url = make_url(base).update_query_dict({"options": options})
    return url.render_as_string(hide_password=False)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL for a fresh, empty PostgreSQL schema of its own, dropped after the test."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"set {POSTGRES_ENV} to run PostgreSQL tests")
    schema = f"test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield postgres_schema_url(base, schema)
    finally:
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    """Where the SQLite database goes: a folder that does not exist yet (open_store makes it)."""
    return tmp_path / "data" / "infoshare.db"


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, sqlite_path: Path) -> str:
    """A URL for an empty database, as a user would write it; once per backend."""
    if request.param == "sqlite":
        return f"sqlite:///{sqlite_path}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[SqlStore]:
    """An open, migrated store on `store_url`."""
    opened = await open_store(store_url, KEYS)
    yield opened
    await opened.close()


@pytest.fixture
async def reopen(store_url: str) -> AsyncIterator[Callable[[], Awaitable[SqlStore]]]:
    """Open more stores on the same database (another replica, a restart); closed afterwards."""
    opened: list[SqlStore] = []

    async def open_another() -> SqlStore:
        another = await open_store(store_url, KEYS)
        opened.append(another)
        return another

    yield open_another
    for another in opened:
        await another.close()


T0 = datetime(2026, 3, 29, 0, 59, 59, 123456, tzinfo=UTC)  # one second before BST begins


def conversation(chat_id: int = 42, **changes: Any) -> StoredConversation:
    fields: dict[str, Any] = {
        "chat_id": chat_id,
        "dialogue": "advice",
        "step": "immediate_danger",
        "history": (),
        "conversation_id": "c0nv-1d_",
        "turn": 0,
        "content_version": "2026-11-21",
        "started_at": T0,
        "updated_at": T0,
        "version": 0,
        "applied": (7_000_001, 7_000_002),  # round-trips with the rest (a redelivery guard)
    }
    return StoredConversation(**(fields | changes))


def transcript_write(
    conversation_id: str,
    outcome: str | None,
    *,
    at: datetime,
    started_at: datetime | None = None,
    practitioner: str = "p-alice",
    answer: str = "no",
    alert_at: datetime | None = None,
) -> TranscriptWrite:
    """A one-step write to a transcript (started `at` unless `started_at` says otherwise)."""
    return TranscriptWrite(
        conversation_id=conversation_id,
        practitioner=practitioner,
        dialogue="advice",
        content_version="2026-11-21",
        started_at=at if started_at is None else started_at,
        at=at,
        outcome=outcome,
        rules=(),
        steps=(Entry("immediate_danger", answer, at, False),),
        alert_at=alert_at,
    )
