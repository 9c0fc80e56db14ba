"""Transcript queries on one open connection: what `SqlStore`'s transcript methods run.

Each function takes a connection, so the caller owns the transaction (a transcript write shares
the conversation's) and the mapping of driver errors. Aggregates are computed by the database.
The statements are the same on both backends except the INSERT construct (`insert_for`) and two
time expressions (`_utc_hour`, `_seconds_between`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import fields, replace
from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa

from bot.storage import organisations
from bot.storage.tables import (
    UTCDateTime,
    access_log,
    alerts,
    contact_requests,
    feedback,
    insert_for,
    quiz_answers,
    transcript_notes,
    transcript_steps,
    transcript_tags,
    transcripts,
)
from bot.transcripts.model import (
    ABANDONED,
    EMPTY,
    IN_PROGRESS,
    MARKERS,
    UNSURE,
    Access,
    Entry,
    Filters,
    Note,
    Page,
    PractitionerSums,
    QuizAnswer,
    QuizStats,
    StatsInputs,
    Summary,
    Transcript,
    TranscriptWrite,
)
from states import NOT_SURE

T = transcripts.c
CHILDREN = (
    transcript_steps,
    transcript_tags,
    transcript_notes,
    alerts,
    contact_requests,
    feedback,
)
"""Every table that hangs off a transcript: deleted with it, in the same transaction."""
DELETE_CHUNK = 500
"""Ids per `IN (...)` when deleting children (SQLite allows 32,766 parameters a statement)."""
SCRUBBED: Final = ((access_log, ("who", "action", "detail")), (transcript_notes, ("text",)))
"""The text columns that can hold a practitioner's code outside their own rows (a refused
attempt's `who`, a lead's `practitioner=` filter, a note): /forget replaces the code in them."""
FORGOTTEN_MARK: Final = "(forgotten)"
"""What a forgotten practitioner's code becomes wherever a row that mentions it is kept."""
FORGET_WHO: Final = "practitioner"
"""`who` of the access-log entry /forget writes: a role, never a code or an id."""
FORGET_DETAIL: Final = "{transcripts}, {answers} deleted"
Cursor = tuple[datetime, int]
"""Keyset position in oldest-first order: (started_at, id) of the last transcript seen."""


# ---- writing -------------------------------------------------------------------------------


class Writer:
    """Writes transcripts with statements built once per store (values bound at execution).

    An UPDATE first, and an INSERT only if there is nothing to update: an upsert would take an
    id from the sequence (PostgreSQL) or AUTOINCREMENT (SQLite) on every save, and leads type ids.
    """

    _BOUND = (
        "conversation_id",
        "outcome",
        "rules",
        "ended_at",
        "updated_at",
        "last_step",
        "unsure",
        "redacted",
        "step_count",
    )
    """The header values the UPDATE takes (as `new_<name>`)."""

    def __init__(self, dialect: str) -> None:
        new = {name: sa.bindparam(f"new_{name}", type_=T[name].type) for name in self._BOUND}
        self._update = (
            sa.update(transcripts)
            .where(T.conversation_id == new["conversation_id"])
            .values(
                outcome=new["outcome"],
                rules=new["rules"],
                ended_at=sa.case((T.outcome == new["outcome"], T.ended_at), else_=new["ended_at"]),
                updated_at=new["updated_at"],
                last_step=new["last_step"],
                unsure=sa.or_(T.unsure, new["unsure"]),
                redacted=sa.or_(T.redacted, new["redacted"]),
                step_count=T.step_count + new["step_count"],
            )
            .returning(T.id, T.step_count)
        )
        # Where the practitioner is now, once: a later move leaves the transcript where it began.
        self._insert = (
            insert_for(dialect)(transcripts)
            .values(organisation=organisations.current(sa.bindparam("member")))
            .on_conflict_do_nothing(index_elements=[T.conversation_id])
            .returning(T.id, T.step_count)
        )
        self._append = sa.insert(transcript_steps)

    def write(self, conn: sa.Connection, change: TranscriptWrite, last_step: str) -> int:
        """Insert or update the header by conversation id; append `change.steps` after the rest.

        The statement that writes the header also locks it (PostgreSQL) and reserves the step
        numbers, so concurrent writers to one transcript get consecutive, distinct `seq`s.
        `ended_at` keeps the time an outcome was first reached while it stays at that outcome.
        Returns the transcript's id.
        """
        count = len(change.steps)
        header = {
            "conversation_id": change.conversation_id,
            "practitioner": change.practitioner,
            "dialogue": change.dialogue,
            "content_version": change.content_version,
            "started_at": change.started_at,
            "ended_at": None if change.outcome is None else change.at,
            "updated_at": change.at,
            "outcome": change.outcome,
            "rules": list(change.rules),
            "step_count": count,
            "unsure": any(step.answer in UNSURE for step in change.steps),
            "redacted": any(step.redacted for step in change.steps),
            "last_step": last_step,
        }
        changes = {f"new_{name}": header[name] for name in self._BOUND}
        row = (conn.execute(self._update, changes)).first()
        if row is None:
            row = (conn.execute(self._insert, header | {"member": change.practitioner})).first()
        if row is None:  # another replica inserted it since our UPDATE looked: it is there now
            row = (conn.execute(self._update, changes)).one()
        if not change.steps:
            return int(row.id)
        first = row.step_count - count + 1
        conn.execute(
            self._append,
            [
                {
                    "transcript_id": row.id,
                    "seq": first + index,
                    "step": step.step,
                    "answer": step.answer,
                    "at": step.at,
                    "redacted": step.redacted,
                    "removed": step.removed,
                }
                for index, step in enumerate(change.steps)
            ],
        )
        return int(row.id)


def _locked(conn: sa.Connection, transcript_id: int) -> bool:
    """Whether the transcript exists, locking it on PostgreSQL until the transaction ends.

    (SQLite writers already hold the database's write lock.)
    """
    query = sa.select(T.id).where(T.id == transcript_id).with_for_update()
    return (conn.execute(query)).first() is not None


def set_tag(conn: sa.Connection, transcript_id: int, tag: str, on: bool) -> bool:
    if not _locked(conn, transcript_id):
        return False
    if on:
        insert = insert_for(conn.dialect.name)(transcript_tags)
        conn.execute(insert.values(transcript_id=transcript_id, tag=tag).on_conflict_do_nothing())
    else:
        tags = transcript_tags.c
        conn.execute(
            sa.delete(transcript_tags).where(tags.transcript_id == transcript_id, tags.tag == tag)
        )
    return True


def add_note(conn: sa.Connection, transcript_id: int, note: Note) -> bool:
    if not _locked(conn, transcript_id):
        return False
    conn.execute(
        sa.insert(transcript_notes).values(
            transcript_id=transcript_id, at=note.at, lead=note.lead, text=note.text
        )
    )
    return True


def _delete_where(conn: sa.Connection, conditions: Sequence[sa.ColumnElement[bool]]) -> int:
    """Delete the matching transcripts and everything hanging off them; return how many.

    Headers first, so the conditions (a tag filter reads the tags) are checked once, on rows
    PostgreSQL has locked; then the children of exactly those, a chunk of ids at a time.
    """
    gone = (conn.execute(sa.delete(transcripts).where(*conditions).returning(T.id))).scalars()
    ids = list(gone)
    for start in range(0, len(ids), DELETE_CHUNK):
        chunk = ids[start : start + DELETE_CHUNK]
        for child in CHILDREN:
            conn.execute(sa.delete(child).where(child.c.transcript_id.in_(chunk)))
    return len(ids)


def forget(conn: sa.Connection, practitioner: str, at: datetime) -> int:
    """Delete one practitioner's transcripts, quiz answers and membership, take their code out
    of what is left, and log the deletion by counts only; return how many transcripts went.

    In the caller's one transaction, so the access log never names a code whose data is gone.
    """
    gone = _delete_where(conn, [T.practitioner == practitioner])
    answers = conn.execute(
        sa.delete(quiz_answers).where(quiz_answers.c.practitioner == practitioner)
    )
    organisations.leave(conn, practitioner)
    _scrub(conn, practitioner)
    detail = FORGET_DETAIL.format(
        transcripts=_counted(gone, "transcript"),
        answers=_counted(int(answers.rowcount or 0), "quiz answer"),
    )
    log_access(conn, Access(at, FORGET_WHO, "telegram", "forget", detail))
    return gone


def _scrub(conn: sa.Connection, practitioner: str) -> None:
    """Replace the code in access-log rows and leads' notes, keeping the rows: leads' trail of
    who looked, and their notes on other transcripts, stay; the link to this person goes."""
    if not practitioner:  # "" is in every text: there would be nothing to find, and no end
        return
    for table, names in SCRUBBED:
        columns = [table.c[name] for name in names]
        conn.execute(
            sa.update(table)
            .where(sa.or_(*(c.contains(practitioner, autoescape=True) for c in columns)))
            .values({c.name: sa.func.replace(c, practitioner, FORGOTTEN_MARK) for c in columns})
        )


def _counted(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def purge(conn: sa.Connection, before: datetime, filters: Filters) -> int:
    return _delete_where(conn, matching(replace(filters, changed_before=before)))


def purge_quiz_answers(conn: sa.Connection, before: datetime) -> int:
    statement = sa.delete(quiz_answers).where(quiz_answers.c.at < before)
    return int((conn.execute(statement)).rowcount or 0)


def log_access(conn: sa.Connection, access: Access) -> None:
    _insert_fields(conn, sa.insert(access_log), access)


def record_quiz_answer(conn: sa.Connection, answer: QuizAnswer) -> None:
    """The answer, in the organisation its practitioner is in now (as a transcript)."""
    organisation = organisations.current(answer.practitioner)
    _insert_fields(conn, sa.insert(quiz_answers).values(organisation=organisation), answer)


def _insert_fields(conn: sa.Connection, insert: sa.Insert, record: Any) -> None:
    """Insert a dataclass whose fields are the table's columns (all but its id and any the
    statement sets itself)."""
    conn.execute(insert, {f.name: getattr(record, f.name) for f in fields(record)})


# ---- reading -------------------------------------------------------------------------------


def matching(filters: Filters) -> list[sa.ColumnElement[bool]]:
    """WHERE conditions on `transcripts` for `filters` (none: every transcript)."""
    conditions: list[sa.ColumnElement[bool]] = []
    if filters.outcome:
        conditions.append(T.outcome == filters.outcome)
    if filters.since is not None:
        conditions.append(T.started_at >= filters.since)
    if filters.until is not None:
        conditions.append(T.started_at < filters.until)
    if filters.unsure:
        conditions.append(T.unsure.is_(True))
    if filters.redacted:
        conditions.append(T.redacted.is_(True))
    if filters.unfinished:
        conditions.append(T.outcome.is_(None))
    if filters.practitioner:
        conditions.append(T.practitioner == filters.practitioner)
    if filters.changed_before is not None:
        conditions.append(T.updated_at < filters.changed_before)
    if filters.tag:
        tags = transcript_tags.c
        conditions.append(T.id.in_(sa.select(tags.transcript_id).where(tags.tag == filters.tag)))
    if filters.question:
        steps = transcript_steps.c
        reached = sa.select(steps.transcript_id).where(steps.step == filters.question)
        conditions.append(sa.or_(T.last_step == filters.question, T.id.in_(reached)))
    conditions += _within(T.organisation, filters.organisation, filters.scope)
    return conditions


def _within(
    column: sa.ColumnElement[str | None], organisation: str | None, scope: frozenset[str] | None
) -> list[sa.ColumnElement[bool]]:
    """Rows of `organisation` (if chosen) and in `scope` (None: anywhere, or nowhere; empty:
    none at all)."""
    return [
        *([] if organisation is None else [column == organisation]),
        *([] if scope is None else [column.in_(sorted(scope))]),
    ]


def count(conn: sa.Connection, filters: Filters) -> int:
    query = sa.select(sa.func.count()).select_from(transcripts).where(*matching(filters))
    return int((conn.execute(query)).scalar_one())


def page(conn: sa.Connection, filters: Filters, offset: int, limit: int) -> Page:
    """Newest first; ties in start time broken by id, newest first too."""
    query = (
        sa.select(
            T.id,
            T.practitioner,
            T.started_at,
            T.ended_at,
            T.outcome,
            T.step_count,
            T.unsure,
            T.redacted,
            T.organisation,
        )
        .where(*matching(filters))
        .order_by(T.started_at.desc(), T.id.desc())
        .offset(offset)
        .limit(limit)
    )
    rows = (conn.execute(query)).all()
    tags = _tags(conn, [row.id for row in rows])
    items = [
        Summary(
            id=row.id,
            practitioner=row.practitioner,
            started_at=row.started_at,
            ended_at=row.ended_at,
            outcome=row.outcome,
            steps=row.step_count,
            unsure=row.unsure,
            redacted=row.redacted,
            tags=tags.get(row.id, frozenset()),
            organisation=row.organisation,
        )
        for row in rows
    ]
    return Page(items=items, total=count(conn, filters), offset=offset, limit=limit)


def kept(conn: sa.Connection, conversation_id: str) -> bool:
    query = sa.select(T.id).where(T.conversation_id == conversation_id).limit(1)
    return (conn.execute(query)).first() is not None


def one(conn: sa.Connection, transcript_id: int) -> Transcript | None:
    found = _whole(conn, sa.select(transcripts).where(T.id == transcript_id))
    return found[0] if found else None


def batch(
    conn: sa.Connection, filters: Filters, after: Cursor | None, limit: int
) -> list[Transcript]:
    """The next `limit` transcripts oldest first after `after` (keyset, so no OFFSET scan)."""
    query = sa.select(transcripts).where(*matching(filters))
    if after is not None:
        started, last_id = after
        # The first condition alone is a range the (started_at, id) index can seek to.
        query = query.where(T.started_at >= started, sa.or_(T.started_at > started, T.id > last_id))
    return _whole(conn, query.order_by(T.started_at, T.id).limit(limit))


def _whole(conn: sa.Connection, query: sa.Select[Any]) -> list[Transcript]:
    """Transcripts for header rows from `query`, in its order, with steps, tags and notes."""
    rows = (conn.execute(query)).all()
    ids = [row.id for row in rows]
    if not ids:
        return []
    steps: dict[int, list[Entry]] = {}
    step_rows = sa.select(transcript_steps).where(transcript_steps.c.transcript_id.in_(ids))
    for r in conn.execute(step_rows.order_by("transcript_id", "seq")):
        step = Entry(r.step, r.answer, r.at, r.redacted, r.removed)
        steps.setdefault(r.transcript_id, []).append(step)
    notes: dict[int, list[Note]] = {}
    note_rows = sa.select(transcript_notes).where(transcript_notes.c.transcript_id.in_(ids))
    for n in conn.execute(note_rows.order_by("at", "id")):
        notes.setdefault(n.transcript_id, []).append(Note(n.at, n.lead, n.text))
    tags = _tags(conn, ids)
    return [
        Transcript(
            id=row.id,
            practitioner=row.practitioner,
            started_at=row.started_at,
            ended_at=row.ended_at,
            updated_at=row.updated_at,
            dialogue=row.dialogue,
            content_version=row.content_version,
            outcome=row.outcome,
            rules=tuple(row.rules),
            steps=tuple(steps.get(row.id, ())),
            tags=tags.get(row.id, frozenset()),
            notes=tuple(notes.get(row.id, ())),
            organisation=row.organisation,
        )
        for row in rows
    ]


def _tags(conn: sa.Connection, ids: Iterable[int]) -> dict[int, frozenset[str]]:
    tags = transcript_tags.c
    found: dict[int, set[str]] = {}
    query = sa.select(tags.transcript_id, tags.tag).where(tags.transcript_id.in_(list(ids)))
    for transcript_id, tag in conn.execute(query):
        found.setdefault(transcript_id, set()).add(tag)
    return {key: frozenset(value) for key, value in found.items()}


def stats(conn: sa.Connection, filters: Filters, abandoned_before: datetime | None) -> StatsInputs:
    conditions = matching(filters)
    dialect = conn.dialect.name
    hour = _utc_hour(T.started_at, dialect).label("hour")
    by_hour = sa.select(hour, T.outcome, sa.func.count()).where(*conditions)
    s = transcript_steps.c
    per_step = sa.select(
        s.step, sa.func.count(), sa.func.count().filter(s.answer == NOT_SURE)
    ).where(s.answer.not_in(MARKERS))
    if conditions:
        per_step = per_step.where(s.transcript_id.in_(sa.select(T.id).where(*conditions)))
    stopped = sa.select(T.last_step, sa.func.count()).where(*conditions, T.outcome.is_(None))
    idle = [(T.updated_at < abandoned_before, ABANDONED)] if abandoned_before else []
    standing = sa.case((T.step_count == 0, EMPTY), *idle, else_=IN_PROGRESS).label("standing")
    unfinished = sa.select(standing, sa.func.count()).where(*conditions, T.outcome.is_(None))
    durations = sa.select(_seconds_between(T.started_at, T.ended_at, dialect)).where(
        *conditions, T.ended_at.is_not(None)
    )
    answered: dict[str, int] = {}
    unsure: dict[str, int] = {}
    for step, given, not_sure in conn.execute(per_step.group_by(s.step)):
        answered[step], unsure[step] = int(given), int(not_sure)
    return StatsInputs(
        by_hour={
            (at, outcome): int(n)
            for at, outcome, n in conn.execute(by_hour.group_by(hour, T.outcome))
        },
        answered=answered,
        unsure=unsure,
        stopped_at={step: int(n) for step, n in conn.execute(stopped.group_by(T.last_step))},
        durations_s=[round(float(n), 3) for n in (conn.execute(durations)).scalars()],
        unfinished={str(k): int(n) for k, n in conn.execute(unfinished.group_by(standing))},
    )


def practitioners(
    conn: sa.Connection, filters: Filters, urgent: Sequence[str]
) -> list[PractitionerSums]:
    """Each pseudonym's transcripts matching `filters`, added up (unordered)."""
    urgent_case = sa.case((T.outcome.in_(urgent), 1), else_=0) if urgent else sa.literal(0)
    query = (
        sa.select(
            T.practitioner,
            sa.func.count(),
            sa.func.count(T.outcome),
            sa.func.sum(sa.case((T.unsure, 1), else_=0)),
            sa.func.sum(urgent_case),
            sa.func.max(T.updated_at),
        )
        .where(*matching(filters))
        .group_by(T.practitioner)
    )
    return [
        PractitionerSums(who, int(n), int(done), int(unsure or 0), int(urgent or 0), last)
        for who, n, done, unsure, urgent, last in conn.execute(query)
    ]


def _utc_hour(column: sa.ColumnElement[datetime], dialect: str) -> sa.ColumnElement[datetime]:
    """The UTC hour a timestamp falls in, whatever the session's time zone."""
    if dialect == "sqlite":  # UTC wall time as text, "YYYY-MM-DD HH:MM:SS.ffffff": cut it
        return sa.type_coerce(sa.func.substr(column, 1, 13) + ":00:00", UTCDateTime)
    return sa.func.date_trunc("hour", sa.func.timezone("UTC", column), type_=UTCDateTime)


def _seconds_between(
    start: sa.ColumnElement[datetime], end: sa.ColumnElement[datetime], dialect: str
) -> sa.ColumnElement[float]:
    """Seconds from `start` to `end`, to the millisecond (SQLite's time functions' precision)."""
    if dialect == "sqlite":
        return (sa.func.julianday(end) - sa.func.julianday(start)) * 86_400.0
    return sa.cast(sa.extract("epoch", end - start), sa.Float)


def accesses(
    conn: sa.Connection,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    who: Collection[str] | None = None,
    about: int | None = None,
) -> list[Access]:
    log = access_log.c
    query = sa.select(access_log).order_by(log.at.desc(), log.id.desc()).limit(limit)
    query = query.where(*_between(log.at, since, until))
    if who is not None:
        query = query.where(log.who.in_(sorted(who)))
    if about is not None:  # "show 42", "note 42", "tag 42 reviewed [off]"
        query = query.where(
            sa.or_(
                log.action.in_([f"show {about}", f"note {about}"]),
                log.action.like(f"tag {about} %"),
            )
        )
    return [
        Access(row.at, row.who, row.channel, row.action, row.detail, row.allowed)
        for row in conn.execute(query)
    ]


def _between(
    column: sa.ColumnElement[datetime], since: datetime | None, until: datetime | None
) -> list[sa.ColumnElement[bool]]:
    """`since <= column < until`, either end open when None."""
    return [
        *([] if since is None else [column >= since]),
        *([] if until is None else [column < until]),
    ]


def quiz_stats(
    conn: sa.Connection,
    since: datetime | None,
    until: datetime | None,
    scope: frozenset[str] | None,
    organisation: str | None,
) -> QuizStats:
    q = quiz_answers.c
    conditions = _between(q.at, since, until) + _within(q.organisation, organisation, scope)
    takers = sa.select(q.quiz, sa.func.count(q.practitioner.distinct())).where(*conditions)
    per_statement = sa.select(
        q.quiz, q.statement, sa.func.count(), sa.func.count().filter(q.correct.is_(False))
    ).where(*conditions)
    answered: dict[tuple[str, str], int] = {}
    wrong: dict[tuple[str, str], int] = {}
    for quiz, statement, given, missed in conn.execute(per_statement.group_by(q.quiz, q.statement)):
        answered[quiz, statement], wrong[quiz, statement] = int(given), int(missed)
    return QuizStats(
        takers={quiz: int(n) for quiz, n in conn.execute(takers.group_by(q.quiz))},
        answered=answered,
        wrong=wrong,
    )
