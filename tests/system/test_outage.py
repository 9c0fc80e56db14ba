"""The database goes away mid-conversation and comes back (issue: storage outages).

"Database unavailable for a while (PostgreSQL stopped and started): the bot tells the
practitioner it cannot save right now and to try again shortly, does not pretend to have
accepted the answer, and recovers by itself when the database returns. SQLite file locked or
disk full: the same."

The real Application runs over the in-process World (tests.support.offline) on a real database; only
the database's availability changes, never the bot. PostgreSQL is reached through a TCP proxy
(tests.support.tcpproxy) that is cut, hung or silenced, so the shared server keeps running for other
tests. SQLite is locked by a second connection holding an exclusive transaction, or its disk is
filled for real: a small tmpfs mounted for the test (root only; skipped otherwise). For each,
the answer given during the outage gets exactly words.UNAVAILABLE, the stored conversation and its
transcript do not move, nothing is logged at ERROR, and once the database is back the same
question, still on screen with its buttons, takes the answer without any restart.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import shutil
import sqlite3
import subprocess
from collections.abc import AsyncIterator, Awaitable, Iterator
from pathlib import Path
from typing import Any, Final, Literal, TypeVar

import pytest
from sqlalchemy.engine import make_url

from bot import words
from bot.config import Config, Storage
from bot.errors import StorageUnavailable
from bot.storage import StoredConversation
from bot.transcripts.model import FREE_TEXT, Filters
from states import Library
from tests.support.e2e import question_text
from tests.support.offline import Harness, Practitioner
from tests.support.storage import postgres_only
from tests.support.tcpproxy import TcpProxy

T = TypeVar("T")
How = Literal["press", "type"]

LIMIT_S: Final = 15.0
"""No single update may take longer than this, outage or not: every wait here is bounded."""
CONNECT_TIMEOUT_S: Final = 2
"""`?connect_timeout=` for PostgreSQL behind a hung proxy (the bot's default is 5 s)."""
BUSY_TIMEOUT_S: Final = 0.5
"""`?timeout=` for SQLite: how long a writer waits for the lock (the bot's default is 5 s)."""
DISK_SIZE: Final = "4m"
"""The tmpfs the disk-full tests fill: room for the migrated database, little more."""
FIRST, NEXT = "immediate_danger", "about_whom"
"""The first question, and where answering "No" to it leads."""


# ---- fixtures and helpers ------------------------------------------------------------------


@pytest.fixture
def config(config: Config, storage_url: str) -> Config:
    """The harness's config on the database each class below provides."""
    return config.model_copy(update={"storage": Storage(url=storage_url)})


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="bot")
    return caplog


async def within(action: Awaitable[T], seconds: float = LIMIT_S) -> T:
    """`action`, or a failure if it has not finished after `seconds`."""
    try:
        return await asyncio.wait_for(action, seconds)
    except TimeoutError:
        pytest.fail(f"no answer within {seconds} s: the update hangs")


async def stored(harness: Harness, user: Practitioner) -> StoredConversation:
    found = await within(harness.services.store.load(user.id))
    assert found is not None
    return found


async def steps(harness: Harness) -> list[tuple[str, str]]:
    """Every answer in every transcript (one practitioner, one decision here), in order."""
    store = harness.services.store

    async def collect() -> list[tuple[str, str]]:
        return [
            (step.step, step.answer)
            async for transcript in store.iter_transcripts(Filters())
            for step in transcript.steps
            if step.answer != FREE_TEXT
        ]

    return await within(collect())


async def started(harness: Harness, library: Library) -> tuple[Practitioner, int]:
    """A practitioner at the first question; the id of the message that asks it."""
    user = harness.user()
    replies = await within(user.send("/advice"))
    assert question_text(library, FIRST) in replies[-1]["text"]
    return user, replies[-1]["message_id"]


async def answer_no(user: Practitioner, how: How, question: int) -> list[Any]:
    """Answer "No" to the question in message `question`: its button, or typed."""
    if how == "press":
        return await within(user.press("No", message_id=question))
    return await within(user.send("no"))


def refused(
    harness: Harness, user: Practitioner, replies: list[Any], question: int, how: How, calls: int
) -> None:
    """The practitioner was told the answer was not saved, and nothing says it was taken."""
    assert [m["text"] for m in replies] == [words.UNAVAILABLE]
    shown = user.message(question)
    assert "reply_markup" in shown, "the question keeps its buttons, to answer again"
    assert "Your answer" not in shown["text"], "the question is not marked as answered"
    if how == "press":
        answered = [c for c in harness.bot_calls(calls) if c["method"] == "answerCallbackQuery"]
        assert len(answered) == 1 and answered[0]["ok"], "the button's spinner stops"
        assert not answered[0]["params"].get("text"), "no toast that could read as accepted"


async def unmoved(harness: Harness, user: Practitioner, before: StoredConversation) -> None:
    """The stored conversation is exactly as before the outage; no step was recorded."""
    assert await stored(harness, user) == before
    assert await steps(harness) == []


async def accepted_after(
    harness: Harness,
    library: Library,
    user: Practitioner,
    before: StoredConversation,
    how: How,
    question: int,
) -> None:
    """The same answer, once the database is back: taken once, and the decision moves on."""
    replies = await answer_no(user, how, question)
    assert words.UNAVAILABLE not in [m["text"] for m in replies]
    assert question_text(library, NEXT) in replies[-1]["text"]
    if how == "press":
        assert "Your answer: No" in user.message(question)["text"]
    now = await stored(harness, user)
    assert (now.step, now.history) == (NEXT, ((FIRST, "no"),))
    assert (now.conversation_id, now.turn) == (before.conversation_id, before.turn + 1)
    assert await steps(harness) == [(FIRST, "no")]
    await within(user.press("A child or young person"))  # and on from there
    assert (await stored(harness, user)).step == "age_band"


def quiet(logs: pytest.LogCaptureFixture, *, unsaved: int) -> None:
    """Nothing at ERROR from anyone; `unsaved` WARNINGs that an update was not saved."""
    assert [r.getMessage() for r in logs.records if r.levelno >= logging.ERROR] == []
    assert not [r for r in logs.records if r.name.startswith("bot") and r.exc_info]
    warned = [r for r in logs.records if "not saved: StorageUnavailable" in r.getMessage()]
    assert [r.levelno for r in warned] == [logging.WARNING] * unsaved


HOWS = [pytest.param("press", id="pressed"), pytest.param("type", id="typed")]


# ---- PostgreSQL: the server stops and starts -----------------------------------------------


@postgres_only
@pytest.mark.postgres
class TestPostgresOutage:
    @pytest.fixture
    async def proxy(self, postgres_url: str) -> AsyncIterator[TcpProxy]:
        url = make_url(postgres_url)
        async with TcpProxy(url.host or "127.0.0.1", url.port or 5432) as proxy:
            yield proxy

    @pytest.fixture
    def storage_url(self, postgres_url: str, proxy: TcpProxy) -> str:
        """The test's own schema, through the proxy, with a short connect timeout."""
        url = make_url(postgres_url).set(host="127.0.0.1", port=proxy.port)
        url = url.update_query_dict({"connect_timeout": str(CONNECT_TIMEOUT_S)})
        return url.render_as_string(hide_password=False)

    @pytest.mark.parametrize("how", HOWS)
    async def test_stopped_while_the_question_is_on_screen(
        self,
        harness: Harness,
        library: Library,
        logs: pytest.LogCaptureFixture,
        proxy: TcpProxy,
        how: How,
    ) -> None:
        user, question = await started(harness, library)
        before = await stored(harness, user)
        await proxy.cut()
        calls = len(harness.world.calls)
        replies = await answer_no(user, how, question)

        refused(harness, user, replies, question, how, calls)
        quiet(logs, unsaved=1)
        await proxy.restore()  # nothing else: the bot is not restarted or told
        await unmoved(harness, user, before)
        await accepted_after(harness, library, user, before, how, question)
        quiet(logs, unsaved=1)

    @pytest.mark.parametrize("how", HOWS)
    async def test_stopped_in_the_middle_of_saving_the_answer(
        self,
        harness: Harness,
        library: Library,
        logs: pytest.LogCaptureFixture,
        proxy: TcpProxy,
        how: How,
    ) -> None:
        """The answer was read and its transaction begun when the server went: rolled back."""
        user, question = await started(harness, library)
        before = await stored(harness, user)
        proxy.trip(b"UPDATE conversations")
        calls = len(harness.world.calls)
        replies = await answer_no(user, how, question)

        assert proxy.mode == "cut", "the server went away while the answer was being saved"
        refused(harness, user, replies, question, how, calls)
        quiet(logs, unsaved=1)
        await proxy.restore()
        await unmoved(harness, user, before)
        await accepted_after(harness, library, user, before, how, question)
        quiet(logs, unsaved=1)

    async def test_answers_while_it_stays_down_then_it_returns(
        self, harness: Harness, library: Library, logs: pytest.LogCaptureFixture, proxy: TcpProxy
    ) -> None:
        """Trying again too soon is refused the same way, as often as it takes."""
        user, question = await started(harness, library)
        before = await stored(harness, user)
        await proxy.cut()
        for how in ("press", "type", "press"):
            calls = len(harness.world.calls)
            replies = await answer_no(user, how, question)
            refused(harness, user, replies, question, how, calls)
        quiet(logs, unsaved=3)
        await proxy.restore()
        await unmoved(harness, user, before)
        await accepted_after(harness, library, user, before, "press", question)

    async def test_restarted_while_nobody_was_answering_goes_unnoticed(
        self, harness: Harness, library: Library, logs: pytest.LogCaptureFixture, proxy: TcpProxy
    ) -> None:
        """The pooled connections died with the server; the next answer gets a new one."""
        user, question = await started(harness, library)
        before = await stored(harness, user)
        await proxy.cut()
        await proxy.restore()
        await accepted_after(harness, library, user, before, "press", question)
        quiet(logs, unsaved=0)

    @pytest.mark.parametrize("how", HOWS)
    async def test_a_server_that_accepts_but_never_answers_times_out(
        self,
        harness: Harness,
        library: Library,
        logs: pytest.LogCaptureFixture,
        proxy: TcpProxy,
        how: How,
    ) -> None:
        """Connections are taken and never answered: the connect timeout (from the URL) ends
        the wait, and the practitioner hears the same as for a stopped server."""
        user, question = await started(harness, library)
        before = await stored(harness, user)
        await proxy.hang()
        accepted = proxy.accepted
        calls = len(harness.world.calls)
        loop = asyncio.get_running_loop()
        began = loop.time()
        replies = await answer_no(user, how, question)
        waited = loop.time() - began

        assert proxy.accepted > accepted, "the bot did try the hung server"
        assert CONNECT_TIMEOUT_S * 0.9 <= waited < LIMIT_S
        refused(harness, user, replies, question, how, calls)
        quiet(logs, unsaved=1)
        await proxy.restore()
        await unmoved(harness, user, before)
        await accepted_after(harness, library, user, before, how, question)

    async def test_a_connection_that_goes_silent_times_out(
        self, harness: Harness, library: Library, logs: pytest.LogCaptureFixture, proxy: TcpProxy
    ) -> None:
        """Open connections stay open but nothing gets through, as when the network between
        bot and server fails: the pool's ping waits on a socket that never answers. The update
        must still end in words.UNAVAILABLE within LIMIT_S. (The server's statement_timeout cannot
        help, the statement never reaches it; nor can TCP keepalives, the proxy's end answers
        them.) If it hangs, the proxy is restored, which closes the silent connections and so
        ends the update, and the test fails."""
        user, question = await started(harness, library)
        before = await stored(harness, user)
        await proxy.blackhole()
        calls = len(harness.world.calls)
        pending = asyncio.ensure_future(user.press("No", message_id=question))
        done, _ = await asyncio.wait({pending}, timeout=LIMIT_S)
        await proxy.restore()
        replies = await within(pending, 5.0)
        assert done, f"no answer within {LIMIT_S} s: the update hung until the network came back"
        refused(harness, user, replies, question, "press", calls)
        quiet(logs, unsaved=1)
        await unmoved(harness, user, before)
        await accepted_after(harness, library, user, before, "press", question)


# ---- SQLite: another process holds the write lock ------------------------------------------


class TestSqliteLocked:
    @pytest.fixture
    def storage_url(self, sqlite_path: Path) -> str:
        return f"sqlite:///{sqlite_path}?timeout={BUSY_TIMEOUT_S}"

    @pytest.fixture
    def other_writer(self, harness: Harness, sqlite_path: Path) -> Iterator[sqlite3.Connection]:
        """A second connection to the bot's file (another process, a backup tool...)."""
        connection = sqlite3.connect(sqlite_path, isolation_level=None, timeout=BUSY_TIMEOUT_S)
        yield connection
        connection.close()

    @pytest.mark.parametrize("how", HOWS)
    async def test_locked_file(
        self,
        harness: Harness,
        library: Library,
        logs: pytest.LogCaptureFixture,
        other_writer: sqlite3.Connection,
        sqlite_path: Path,
        how: How,
    ) -> None:
        user, question = await started(harness, library)
        before = await stored(harness, user)
        other_writer.execute("BEGIN EXCLUSIVE")
        calls = len(harness.world.calls)
        loop = asyncio.get_running_loop()
        began = loop.time()
        replies = await answer_no(user, how, question)
        waited = loop.time() - began

        assert BUSY_TIMEOUT_S * 0.9 <= waited < LIMIT_S, "it waited for the lock, then gave up"
        refused(harness, user, replies, question, how, calls)
        quiet(logs, unsaved=1)
        await unmoved(harness, user, before)  # WAL: reading goes on under the lock
        with pytest.raises(StorageUnavailable, match="database is locked"):
            await harness.services.store.save(before, expected_version=before.version)
        other_writer.execute("ROLLBACK")
        await unmoved(harness, user, before)
        await accepted_after(harness, library, user, before, how, question)
        quiet(logs, unsaved=1)


# ---- SQLite: the disk is full --------------------------------------------------------------


def fill(disk: Path) -> Path:
    """Write a file until the disk refuses one more byte; delete it to free the space."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 16, 1 << 12, 1):
            block = b"\0" * size
            while True:
                try:
                    os.write(fd, block)
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    break
    finally:
        os.close(fd)
    assert os.statvfs(disk).f_bavail == 0
    return filler


class TestSqliteDiskFull:
    @pytest.fixture
    def disk(self, tmp_path: Path) -> Iterator[Path]:
        """A tmpfs of DISK_SIZE of its own, so filling it harms nothing else."""
        mount_point = tmp_path / "disk"
        mount_point.mkdir()
        if os.geteuid() != 0 or shutil.which("mount") is None:
            pytest.skip("filling a disk for real needs root, to mount a small tmpfs")
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={DISK_SIZE},mode=0700", "tmpfs", mount_point],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        if mounted.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
        try:
            yield mount_point
        finally:
            subprocess.run(["umount", "--lazy", mount_point], timeout=10, check=True)

    @pytest.fixture
    def database(self, disk: Path) -> Path:
        return disk / "infoshare.db"

    @pytest.fixture
    def storage_url(self, database: Path) -> str:
        return f"sqlite:///{database}"

    @pytest.mark.parametrize("how", HOWS)
    async def test_full_disk(
        self,
        harness: Harness,
        library: Library,
        logs: pytest.LogCaptureFixture,
        disk: Path,
        database: Path,
        how: How,
    ) -> None:
        user, question = await started(harness, library)
        before = await stored(harness, user)
        # Everything written so far goes into the database file and the log is emptied, so
        # the next commit must grow the log: on a full disk it cannot.
        with sqlite3.connect(database, isolation_level=None) as other:
            busy, _, _ = other.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        other.close()
        assert busy == 0 and os.path.getsize(f"{database}-wal") == 0
        filler = fill(disk)
        calls = len(harness.world.calls)
        replies = await answer_no(user, how, question)

        refused(harness, user, replies, question, how, calls)
        quiet(logs, unsaved=1)
        await unmoved(harness, user, before)
        with pytest.raises(StorageUnavailable, match="database or disk is full"):
            await harness.services.store.save(before, expected_version=before.version)
        filler.unlink()  # space again: nothing restarted
        await unmoved(harness, user, before)
        await accepted_after(harness, library, user, before, how, question)
        quiet(logs, unsaved=1)
