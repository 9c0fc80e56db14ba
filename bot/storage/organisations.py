"""Organisations on one open connection: memberships and invitation rounds (what `SqlStore`
runs). As in `bot.storage.transcripts`, the caller owns the transaction.

A practitioner is in at most one organisation, named by pseudonym only. The statements are the
same on both backends; each is safe against a concurrent one (another replica's join or rotation)
without a lock of its own: SQLite writers hold the database's write lock, and on PostgreSQL the
primary key settles a race (ON CONFLICT, or a retried look).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from bot.organisations import FIRST_ROUND
from bot.storage.tables import insert_for, invite_rounds, memberships, transcripts

M = memberships.c
N = invite_rounds.c
T = transcripts.c


def current(practitioner: sa.ColumnElement[str] | str) -> sa.ScalarSelect[str]:
    """The practitioner's organisation as a subquery (NULL if none), for a row written with it."""
    return sa.select(M.organisation).where(M.practitioner == practitioner).scalar_subquery()


def join(conn: sa.Connection, practitioner: str, organisation: str, at: datetime) -> str | None:
    """Make `organisation` the practitioner's; return the one they were in (None: none).

    Insert first: if a row is there (or another replica's insert commits meanwhile, which
    PostgreSQL waits for), it is locked and changed instead. A row left between the two (a
    concurrent leave) sends it round again.
    """
    insert = (
        insert_for(conn.dialect.name)(memberships)
        .values(practitioner=practitioner, organisation=organisation, joined_at=at)
        .on_conflict_do_nothing(index_elements=[M.practitioner])
        .returning(M.practitioner)
    )
    mine = M.practitioner == practitioner
    while conn.execute(insert).first() is None:
        before = conn.execute(
            sa.select(M.organisation).where(mine).with_for_update()
        ).scalar_one_or_none()
        if before is not None:
            # joining the same one again keeps when they first joined
            conn.execute(
                sa.update(memberships)
                .where(mine, M.organisation != organisation)
                .values(organisation=organisation, joined_at=at)
            )
            return str(before)
    return None


def organisation_of(conn: sa.Connection, practitioner: str) -> str | None:
    return conn.execute(sa.select(current(practitioner))).scalar_one_or_none()


def of_decision(conn: sa.Connection, conversation_id: str, practitioner: str) -> str | None:
    """The organisation a decision is for: its transcript's once it has one (a practitioner who
    moved since leaves it where it started), else the one its transcript will take."""
    kept = conn.execute(
        sa.select(T.organisation).where(
            T.conversation_id == conversation_id, T.practitioner == practitioner
        )
    ).first()
    return kept.organisation if kept is not None else organisation_of(conn, practitioner)


def leave(conn: sa.Connection, practitioner: str) -> str | None:
    """Delete the practitioner's membership; return the organisation it was (None: none)."""
    gone = conn.execute(
        sa.delete(memberships).where(M.practitioner == practitioner).returning(M.organisation)
    )
    return gone.scalar_one_or_none()


def members(conn: sa.Connection) -> dict[str, int]:
    """How many practitioners each organisation has (one with none is not there)."""
    query = sa.select(M.organisation, sa.func.count()).group_by(M.organisation)
    return {organisation: int(n) for organisation, n in conn.execute(query)}


def rounds(conn: sa.Connection) -> dict[str, int]:
    """Every stored round; an organisation that is not there is in `FIRST_ROUND`."""
    return {
        organisation: int(n) for organisation, n in conn.execute(sa.select(N.organisation, N.round))
    }


def rotate(conn: sa.Connection, organisation: str) -> int:
    """The organisation's next round, stored; one statement, so concurrent rotations each get
    their own."""
    insert = insert_for(conn.dialect.name)(invite_rounds).values(
        organisation=organisation, round=FIRST_ROUND + 1
    )
    upsert = insert.on_conflict_do_update(
        index_elements=[N.organisation], set_={"round": N.round + 1}
    ).returning(N.round)
    return int(conn.execute(upsert).scalar_one())
