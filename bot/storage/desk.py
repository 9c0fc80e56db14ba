"""The web desk's sign-in links and sessions on one open connection (what `SqlStore` runs). As
in `bot.storage.organisations`, the caller owns the transaction.

Rows are found by the SHA-256 digest of the token or session id (`bot.desk.links.digest`), never
by the secret itself. Using a link is one UPDATE that only an unused, unexpired link matches:
two replicas (or two taps) racing for one link cannot both sign in, since SQLite writers hold the
database's write lock and on PostgreSQL the second UPDATE waits for the first's row lock and then
no longer matches.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from bot.storage.base import LinkState
from bot.storage.tables import UTCDateTime, desk_links, desk_sessions

L = desk_links.c
S = desk_sessions.c


def new_link(
    conn: sa.Connection, token_hash: str, lead: int, at: datetime, expires: datetime
) -> None:
    conn.execute(
        sa.insert(desk_links).values(
            token_hash=token_hash, lead=lead, created_at=at, expires_at=expires
        )
    )


def use_link(conn: sa.Connection, token_hash: str, at: datetime) -> tuple[LinkState, int | None]:
    """Mark the link used, if it is unused and unexpired at `at`; else say why not (a link that
    was used says "used" even once it has expired too)."""
    taken = conn.execute(
        sa.update(desk_links)
        .where(L.token_hash == token_hash, L.used_at.is_(None), L.expires_at > at)
        .values(used_at=at)
        .returning(L.lead)
    ).first()
    if taken is not None:
        return "ok", int(taken.lead)
    row = conn.execute(sa.select(L.used_at, L.expires_at).where(L.token_hash == token_hash)).first()
    if row is None:
        return "unknown", None
    return ("used" if row.used_at is not None else "expired"), None


def new_session(conn: sa.Connection, id_hash: str, lead: int, at: datetime) -> None:
    conn.execute(
        sa.insert(desk_sessions).values(id_hash=id_hash, lead=lead, created_at=at, last_seen_at=at)
    )


def session_lead(conn: sa.Connection, id_hash: str, at: datetime, idle: timedelta) -> int | None:
    """The session's lead if it is open and was used after `at - idle`; it counts as used at
    `at` (never earlier than it was: another replica's clock may be a little behind)."""
    now = sa.literal(at, UTCDateTime)
    touched = conn.execute(
        sa.update(desk_sessions)
        .where(S.id_hash == id_hash, S.ended_at.is_(None), S.last_seen_at > at - idle)
        .values(last_seen_at=sa.case((S.last_seen_at < now, now), else_=S.last_seen_at))
        .returning(S.lead)
    ).first()
    return None if touched is None else int(touched.lead)


def end_session(conn: sa.Connection, id_hash: str, at: datetime) -> None:
    conn.execute(
        sa.update(desk_sessions)
        .where(S.id_hash == id_hash, S.ended_at.is_(None))
        .values(ended_at=at)
    )


def purge(conn: sa.Connection, before: datetime) -> int:
    """Delete links that expired, and sessions last used, before `before`; how many went."""
    links = conn.execute(sa.delete(desk_links).where(L.expires_at < before)).rowcount
    sessions = conn.execute(sa.delete(desk_sessions).where(S.last_seen_at < before)).rowcount
    return int(links) + int(sessions)
