"""Chat ids at rest (`bot.storage.keys`): the database alone names no chat.

The issue's test: open the database with nothing else (no secret, no config) and find no
Telegram id in it, and nothing to join a transcript to one.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import make_url

from bot.errors import ConfigError, StorageError
from bot.storage import ChatKeys, Mark, SqlStore, open_store
from bot.storage.sql import driver_url, migration_config
from bot.transcripts.model import Entry, TranscriptWrite
from bot.transcripts.pseudonym import Pseudonyms
from tests.support.storage import KEYS, T0, conversation

CHATS = (7_395_024_613, 5_550_001_234, 6_123_456_789)
"""Private chats: a chat id is the practitioner's Telegram user id. Long enough that finding
one in a database cannot be chance."""
PSEUDONYMS = Pseudonyms(b"test-only-pseudonym-key")


# ---- the keys alone -------------------------------------------------------------------------


def test_a_chat_always_gets_the_same_key_and_another_secret_another() -> None:
    other = ChatKeys(b"another deployment's secret")
    assert KEYS.key(CHATS[0]) == KEYS.key(CHATS[0])
    assert len({KEYS.key(chat) for chat in CHATS}) == len(CHATS)
    assert KEYS.key(CHATS[0]) != other.key(CHATS[0])
    assert str(CHATS[0]) not in KEYS.key(CHATS[0])


def test_a_sealed_id_opens_only_with_its_secret_and_unchanged() -> None:
    sealed = KEYS.seal(CHATS[0])
    assert KEYS.unseal(sealed) == CHATS[0]
    assert KEYS.seal(CHATS[0]) != sealed, "a new nonce each time: equal ids do not look equal"
    assert str(CHATS[0]) not in sealed
    with pytest.raises(StorageError, match="cannot be opened"):
        ChatKeys(b"another deployment's secret").unseal(sealed)
    flipped = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
    for damaged in (flipped, sealed[:10], "not base64 at all!", ""):
        with pytest.raises(StorageError):
            KEYS.unseal(damaged)


# ---- the database alone ---------------------------------------------------------------------


async def fill(store: SqlStore) -> None:
    """Three chats: one owed a reply, one shown, one with a mark owed; each with a transcript."""
    for n, chat_id in enumerate(CHATS):
        conv = conversation(
            chat_id=chat_id,
            conversation_id=f"conv-{n}",
            owed_at=T0 + timedelta(seconds=2),
            owed_mark=Mark(900 + n, "Your answer: Yes", "immediate_danger", ()),
            asked_message=800 + n,
            asked_at=T0,
        )
        write = TranscriptWrite(
            conversation_id=conv.conversation_id,
            practitioner=PSEUDONYMS.of(chat_id),
            dialogue=conv.dialogue,
            content_version=conv.content_version,
            started_at=T0,
            at=T0,
            outcome=None,
            rules=(),
            steps=(Entry("immediate_danger", "no", T0, redacted=False),),
        )
        saved = await store.save(conv, expected_version=None, transcript=write)
        if n == 1:
            await store.shown(saved, asked=801, asked_at=T0)


def everything(url: str) -> dict[str, list[str]]:
    """Every value of every table, read with a plain connection: no store, no secret."""
    engine = sa.create_engine(driver_url(url))
    try:
        with engine.connect() as conn:
            return {
                name: [
                    str(v) for row in conn.execute(sa.text(f'SELECT * FROM "{name}"')) for v in row
                ]
                for name in sa.inspect(conn).get_table_names()
            }
    finally:
        engine.dispose()


async def test_the_database_alone_holds_no_telegram_id(store: SqlStore, store_url: str) -> None:
    await fill(store)
    tables = everything(store_url)
    found = [
        (table, value)
        for table, values in tables.items()
        for value in values
        for chat in CHATS
        if str(chat) in value
    ]
    assert found == []
    engine = sa.create_engine(driver_url(store_url))
    try:
        with engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("conversations")}
    finally:
        engine.dispose()
    assert "chat_id" not in columns
    # and the only thing that could be joined to a transcript, the conversation id, sits
    # beside a key that cannot be turned back into a chat without the secret
    assert all(KEYS.key(chat) in tables["conversations"] for chat in CHATS)


def encodings(chat: int) -> list[bytes]:
    """A chat id as text, and as SQLite writes an integer into a page (big-endian, 6 or 8
    bytes for ids this long)."""
    return [str(chat).encode(), chat.to_bytes(6, "big"), chat.to_bytes(8, "big")]


def found_in_files(folder: Path) -> list[str]:
    """Which database files (and their logs) hold any chat id of CHATS, in any encoding."""
    return [
        f"{file.name}: {chat}"
        for file in folder.iterdir()
        if file.name.startswith("infoshare.db")
        for chat in CHATS
        if any(code in file.read_bytes() for code in encodings(chat))
    ]


async def test_the_file_itself_holds_no_telegram_id(tmp_path: Path) -> None:
    """Byte for byte, the SQLite database and its write-ahead log, as a lost laptop has them."""
    path = tmp_path / "infoshare.db"
    store = await open_store(f"sqlite:///{path}", KEYS)
    try:
        await fill(store)
        assert path.exists()
        assert found_in_files(tmp_path) == []
    finally:
        await store.close()


def seals(url: str) -> list[str | None]:
    engine = sa.create_engine(driver_url(url))
    try:
        with engine.connect() as conn:
            query = sa.text("SELECT chat_sealed FROM conversations ORDER BY conversation_id")
            return list(conn.execute(query).scalars())
    finally:
        engine.dispose()


async def test_a_chat_id_is_kept_sealed_only_while_a_reply_is_owed(
    store: SqlStore, store_url: str
) -> None:
    await fill(store)
    owed, shown, marked = seals(store_url)  # conv-0, conv-1, conv-2
    assert owed is not None and marked is not None and shown is None
    assert {KEYS.unseal(owed), KEYS.unseal(marked)} == {CHATS[0], CHATS[2]}
    due = await store.claim_owed(T0 + timedelta(seconds=5), timedelta(seconds=3), 10)
    assert sorted(c.chat_id for c in due) == sorted([CHATS[0], CHATS[2]])
    for conv in due:
        await store.shown(conv)
    assert seals(store_url) == [None, None, None], "shown: no chat id is kept"
    assert await store.claim_owed(T0 + timedelta(minutes=5), timedelta(seconds=3), 10) == []
    loaded = await store.load(CHATS[0])
    assert loaded is not None and loaded.chat_id == CHATS[0]


async def test_an_owed_reply_sealed_with_another_secret_is_dropped(
    store_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Restored from another deployment, or the secret changed: not sent, not retried."""
    first = await open_store(store_url, ChatKeys(b"the secret before"))
    try:
        await fill(first)
    finally:
        await first.close()
    store = await open_store(store_url, KEYS)
    try:
        with caplog.at_level(logging.WARNING, logger="bot.storage.sql"):
            due = T0 + timedelta(seconds=5)
            assert await store.claim_owed(due, timedelta(seconds=3), 10) == []
        assert caplog.text.count("owed reply dropped") == 2
        assert await store.claim_owed(due + timedelta(minutes=1), timedelta(seconds=3), 10) == []
        assert caplog.text.count("owed reply dropped") == 2, "dropped once, not retried"
    finally:
        await store.close()
    assert seals(store_url) == [None, None, None], "a dropped debt keeps no sealed id either"


async def test_a_database_from_before_is_rekeyed_and_its_owed_replies_still_go(
    store_url: str,
) -> None:
    """0005 kept plain chat ids: opening it with the bot's keys rekeys every row."""
    store = await open_store(store_url, KEYS)
    await store.close()
    engine = sa.create_engine(driver_url(store_url))
    try:
        with engine.begin() as conn:
            to(conn, "0005_owed_replies")
            conn.execute(
                sa.text(
                    "INSERT INTO conversations (chat_id, dialogue, step, history, "
                    "conversation_id, turn, content_version, started_at, updated_at, version, "
                    "applied, owed_at) VALUES (:chat, 'advice', 'immediate_danger', '[]', :conv, "
                    "1, 'v', :at, :at, 1, '[]', :owed)"
                ),
                [
                    {"chat": CHATS[0], "conv": "owed", "at": T0, "owed": T0},
                    {"chat": CHATS[1], "conv": "quiet", "at": T0, "owed": None},
                ],
            )
    finally:
        engine.dispose()
    if store_url.startswith("sqlite"):  # the check that finds them: the rows are there
        assert found_in_files(Path(make_url(store_url).database or "").parent) != []
    store = await open_store(store_url, KEYS)
    try:
        if store_url.startswith("sqlite"):  # not even before the next checkpoint
            assert found_in_files(Path(make_url(store_url).database or "").parent) == []
        owed_seal, quiet_seal = seals(store_url)  # in order of conversation id
        assert owed_seal is not None and KEYS.unseal(owed_seal) == CHATS[0]
        assert quiet_seal is None
        quiet = await store.load(CHATS[1])
        assert quiet is not None and quiet.conversation_id == "quiet"
        owed = await store.claim_owed(T0 + timedelta(seconds=1), timedelta(seconds=3), 10)
        assert [(c.chat_id, c.conversation_id) for c in owed] == [(CHATS[0], "owed")]
    finally:
        await store.close()
    assert not any(
        str(chat) in value
        for values in everything(store_url).values()
        for value in values
        for chat in CHATS
    )
    if store_url.startswith("sqlite"):  # nor in the file: the old rows' pages were zeroed
        assert found_in_files(Path(make_url(store_url).database or "").parent) == []


def to(conn: sa.Connection, revision: str) -> None:
    """Downgrade the database on `conn` to `revision`, by hand (without the bot's keys)."""
    config = migration_config()
    config.attributes["connection"] = conn
    command.downgrade(config, revision)


async def test_rekeying_rows_needs_the_secret(store_url: str) -> None:
    """A migration run without the keys (by hand, or a command without the bot's secret)
    refuses rather than lose the rows, both ways."""
    store = await open_store(store_url, KEYS)
    await store.save(conversation(chat_id=CHATS[0]), expected_version=None)
    await store.close()
    engine = sa.create_engine(driver_url(store_url))
    try:
        with engine.begin() as conn, pytest.raises(ConfigError, match="needs the bot's secret"):
            to(conn, "0005_owed_replies")
    finally:
        engine.dispose()
    store = await open_store(store_url, KEYS)
    try:
        assert await store.load(CHATS[0]) is not None, "nothing was lost"
    finally:
        await store.close()


async def test_a_row_owing_nothing_keeps_no_sealed_id(store: SqlStore, store_url: str) -> None:
    await store.save(conversation(chat_id=CHATS[0], owed_at=None), expected_version=None)
    assert seals(store_url) == [None]


async def test_a_downgrade_keeps_the_chats_it_can_still_name(store_url: str) -> None:
    """Below 0006 a row needs its chat id: only an owed row's sealed id can give it back."""
    store = await open_store(store_url, KEYS)
    try:
        await fill(store)  # conv-0 and conv-2 owe a reply, conv-1 was shown
    finally:
        await store.close()
    engine = sa.create_engine(driver_url(store_url))
    try:
        with engine.begin() as conn:
            config = migration_config()
            config.attributes["connection"] = conn
            config.attributes["chat_keys"] = KEYS
            command.downgrade(config, "0005_owed_replies")
        with engine.connect() as conn:
            query = sa.text("SELECT chat_id, conversation_id FROM conversations ORDER BY 2")
            kept = [tuple(row) for row in conn.execute(query)]
    finally:
        engine.dispose()
    assert kept == [(CHATS[0], "conv-0"), (CHATS[2], "conv-2")]
