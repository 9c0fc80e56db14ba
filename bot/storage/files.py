"""An SQLite file at rest, checked before the bot writes to it.

A damaged, truncated or foreign file must stop the bot with one sentence naming it, and must not
be "repaired" or migrated by accident: the check reads it, and never writes to it. Its mode is
another matter: the database and its journal are kept readable by their owner only.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Final

from bot.errors import ConfigError

HEADER: Final = b"SQLite format 3\x00"
COMPANIONS: Final = ("", "-wal", "-shm", "-journal")
"""The database file and the files SQLite keeps beside it."""
OURS: Final = "alembic_version"
"""The table every database the bot made has (its migrations keep their place there)."""


def check_sqlite_file(path: Path) -> None:
    """Return if `path` is missing, empty or one of our databases; else raise `ConfigError`."""
    try:
        if not path.exists() or path.stat().st_size == 0:
            return
        with path.open("rb") as file:
            header = file.read(len(HEADER))
    except OSError as exc:
        raise ConfigError(f"storage.url: cannot read {path}: {exc.strerror or exc}") from None
    if header != HEADER:
        _refuse(path, "is not an SQLite database (damaged, or another kind of file)")
    # First without locks or companion files (nothing beside it is created), which a running
    # bot writing at that moment could tear; so damage is confirmed with a locking read.
    damage, tables = _inspect(path, immutable=True)
    if damage is not None:
        damage, tables = _inspect(path, immutable=False)
    if damage is not None:
        _refuse(path, f"is damaged ({damage})")
    if tables and OURS not in tables:
        _refuse(path, "is an SQLite database of another program")


def owner_only(path: Path) -> None:
    """Take group and other permissions off the database and its journal, if they have any:
    files an older bot (or another umask) created readable by every user of the machine."""
    for name in COMPANIONS:
        companion = path.with_name(path.name + name)
        try:
            mode = companion.stat().st_mode
            if mode & 0o077:
                companion.chmod(mode & 0o700)
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise ConfigError(
                f"storage.url: cannot make {companion} private: {exc.strerror or exc}"
            ) from None


def _inspect(path: Path, *, immutable: bool) -> tuple[str | None, set[str]]:
    """What SQLite's quick check finds wrong (None: nothing), and the tables, read-only."""
    options = "mode=ro&immutable=1" if immutable else "mode=ro"
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?{options}", uri=True)
        try:
            found = connection.execute("PRAGMA quick_check").fetchone()
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        return str(exc), set()
    if found is None or found[0] != "ok":
        return (found[0] if found else "no answer to a check"), tables
    return None, tables


def _refuse(path: Path, problem: str) -> None:
    raise ConfigError(
        f"storage.url: {path} {problem}; nothing in it was changed. Restore the bot's database "
        "from a backup, or point storage.url at a new file."
    )
