"""An SQLite file at rest: damaged, truncated or foreign files are refused and never touched."""

from __future__ import annotations

import asyncio
import hashlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from bot.cli import main
from bot.errors import ConfigError
from bot.storage import check_at_rest, open_store
from tests.support.storage import KEYS

ROOT = Path(__file__).resolve().parents[2]


async def ours(path: Path) -> None:
    """A database the bot made, with enough rows to span many pages, checkpointed."""
    store = await open_store(f"sqlite:///{path}", KEYS)
    await store.close()
    with closing(sqlite3.connect(path)) as db, db:
        db.executemany(
            "INSERT INTO access_log (at, who, channel, action, detail, allowed) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [("2026-12-06T00:00:00+00:00", "cli:x", "cli", "list", "x" * 200, 1)] * 3000,
        )
    with closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def garbage(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 40)


def foreign(path: Path) -> None:
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("CREATE TABLE patients (id INTEGER)")


async def truncated(path: Path) -> None:
    await ours(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file in the folder and its content: a check must change none and add none (but
    SQLite's own -wal and -shm companions, which reading a file in WAL mode may need)."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.iterdir()
        if not p.name.endswith(("-wal", "-shm"))
    }


BROKEN: dict[str, tuple[Callable[[Path], object], str]] = {
    "garbage": (garbage, "is not an SQLite database"),
    "foreign": (foreign, "is an SQLite database of another program"),
    "truncated": (truncated, "is damaged"),
}


async def make(kind: str, path: Path) -> None:
    result = BROKEN[kind][0](path)
    if hasattr(result, "__await__"):
        await result  # type: ignore[misc]


@pytest.mark.parametrize("kind", sorted(BROKEN))
async def test_a_broken_file_is_refused_by_name_and_left_alone(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "bot.db"
    await make(kind, path)
    before = fingerprint(tmp_path)
    url = f"sqlite:///{path}"
    for attempt in (lambda: check_at_rest(url), lambda: open_store(url, KEYS)):
        with pytest.raises(ConfigError) as refused:
            result = attempt()
            if result is not None:
                await result
        assert f"{path} {BROKEN[kind][1]}" in str(refused.value)
        assert "nothing in it was changed" in str(refused.value)
    assert fingerprint(tmp_path) == before


async def test_a_missing_empty_or_healthy_file_is_accepted(tmp_path: Path) -> None:
    check_at_rest(f"sqlite:///{tmp_path / 'missing.db'}")
    (tmp_path / "empty.db").write_bytes(b"")
    check_at_rest(f"sqlite:///{tmp_path / 'empty.db'}")
    await ours(tmp_path / "ours.db")
    before = fingerprint(tmp_path)
    check_at_rest(f"sqlite:///{tmp_path / 'ours.db'}")
    assert fingerprint(tmp_path) == before
    store = await open_store(f"sqlite:///{tmp_path / 'ours.db'}", KEYS)
    await store.close()


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_every_command_on_a_broken_file_says_one_sentence(
    tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Synchronous, as the command line is: each command runs its own event loop."""
    path = tmp_path / "data" / "bot.db"
    path.parent.mkdir()
    asyncio.run(make(kind, path))
    config = tmp_path / "config.yaml"
    config.write_text(
        f"storage:\n  url: sqlite:///{path}\ntelegram:\n  base_url: http://127.0.0.1:9\n",
        encoding="utf-8",
    )
    before = fingerprint(path.parent)
    for command in (["transcripts", "list"], ["transcripts", "export"], ["audit"]):
        assert main(["--config", str(config), *command]) == 2
        out, err = capsys.readouterr()
        assert out == "" and err.count("\n") == 1, err
        assert err.startswith(f"infoshare-bot: storage.url: {path} {BROKEN[kind][1]}"), err
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": "123456789:" + "A" * 35, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--config", str(config), "run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 2 and run.stdout == "", run
    assert run.stderr.startswith(f"infoshare-bot: storage.url: {path}"), run.stderr
    assert "Traceback" not in run.stderr
    assert fingerprint(path.parent) == before, "not even a key or a journal beside it"


async def test_a_relative_path_is_checked_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The example config's `sqlite:///infoshare.db` is relative to where the bot starts."""
    monkeypatch.chdir(tmp_path)
    await ours(tmp_path / "infoshare.db")
    check_at_rest("sqlite:///infoshare.db")
    foreign(tmp_path / "other.db")
    with pytest.raises(ConfigError, match=r"other\.db is an SQLite database of another program"):
        check_at_rest("sqlite:///other.db")


async def test_a_database_readable_by_everyone_is_made_owner_only(tmp_path: Path) -> None:
    """An older bot (or a lax umask) left the database and its log readable by every user."""
    path = tmp_path / "infoshare.db"
    await ours(path)
    wal = path.with_name(path.name + "-wal")
    wal.write_bytes(b"")
    for file in (path, wal):
        file.chmod(0o644)
    store = await open_store(f"sqlite:///{path}", KEYS)
    try:
        assert {f.name: f.stat().st_mode & 0o777 for f in (path, wal)} == {
            "infoshare.db": 0o600,
            "infoshare.db-wal": 0o600,
        }
    finally:
        await store.close()
