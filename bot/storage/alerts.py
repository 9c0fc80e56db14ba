"""Alerts, requests to get in touch and feedback on one open connection: what `SqlStore` runs.

Like `bot.storage.transcripts`, each function takes a connection and the caller owns the
transaction: an urgent alert is written in the save that reaches its outcome, a request with its
alert and its access-log line. Identities arrive and leave sealed (`ChatKeys`); nothing here
reads a Telegram id.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Final

import sqlalchemy as sa

from bot.alerts import (
    CONTACT,
    HELPED,
    URGENT,
    Alert,
    ContactRequest,
    FeedbackSums,
    Handled,
    RequestState,
)
from bot.storage.tables import (
    alerts,
    alerts_off,
    contact_requests,
    feedback,
    insert_for,
    transcripts,
)
from bot.storage.transcripts import T, log_access, matching
from bot.transcripts.model import Access, Filters, TranscriptWrite

A = alerts.c
R = contact_requests.c
F = feedback.c
REQUEST_CHANNEL: Final = "telegram"


# ---- the outbox for leads ---------------------------------------------------------------------


def raise_urgent(
    conn: sa.Connection, transcript_id: int, write: TranscriptWrite, due: datetime
) -> None:
    """An urgent outcome's alert, once per transcript and outcome (a Back and the same answer
    again does not alert twice)."""
    values = {
        "key": f"{URGENT}:{transcript_id}:{write.outcome}",
        "kind": URGENT,
        "transcript_id": transcript_id,
        "outcome": write.outcome,
        "practitioner": write.practitioner,
        "at": write.at,
        "due_at": due,
    }
    conn.execute(insert_for(conn.dialect.name)(alerts).values(values).on_conflict_do_nothing())


def due(conn: sa.Connection, now: datetime, limit: int) -> list[sa.Row[Any]]:
    """Alerts due at `now`, oldest first: read before any claim, so that an idle look (every
    second, on every replica) never takes SQLite's write lock."""
    query = (
        sa.select(alerts, T.organisation)
        .join_from(alerts, transcripts, T.id == A.transcript_id)
        .where(A.due_at <= now)
        .order_by(A.due_at, A.id)
        .limit(limit)
    )
    return list(conn.execute(query).all())


def claim(
    conn: sa.Connection, rows: Sequence[sa.Row[Any]], now: datetime, lease: timedelta
) -> list[Alert]:
    """The `due` rows no other sender took since, each moved on by `lease` for this one."""
    claimed: list[Alert] = []
    for row in rows:
        taken = conn.execute(
            sa.update(alerts)
            .where(A.id == row.id, A.due_at == row.due_at)  # unless another sender came first
            .values(due_at=now + lease, attempts=A.attempts + 1)
            .returning(A.id)
        ).first()
        if taken is not None:
            claimed.append(_alert(row))
    return claimed


def delivered(conn: sa.Connection, alert_id: int, lead_key: str) -> None:
    """One lead has been told (or cannot be: blocked the bot); a retry skips them."""
    row = conn.execute(sa.select(A.delivered).where(A.id == alert_id).with_for_update()).first()
    if row is None:
        return
    told = sorted({*row.delivered, lead_key})
    conn.execute(sa.update(alerts).where(A.id == alert_id).values(delivered=told))


def settled(conn: sa.Connection, alert_id: int) -> None:
    """Every lead has been told: the alert is no longer due."""
    conn.execute(sa.update(alerts).where(A.id == alert_id).values(due_at=None))


def set_alerts(conn: sa.Connection, lead_key: str, on: bool) -> None:
    if on:
        conn.execute(sa.delete(alerts_off).where(alerts_off.c.lead_key == lead_key))
    else:
        insert = insert_for(conn.dialect.name)(alerts_off)
        conn.execute(insert.values(lead_key=lead_key).on_conflict_do_nothing())


def silenced(conn: sa.Connection) -> frozenset[str]:
    """The leads (by key) who turned their alerts off."""
    return frozenset(conn.execute(sa.select(alerts_off.c.lead_key)).scalars())


def _alert(row: sa.Row[Any]) -> Alert:
    return Alert(
        id=row.id,
        kind=row.kind,
        transcript_id=row.transcript_id,
        practitioner=row.practitioner,
        at=row.at,
        outcome=row.outcome,
        request_id=row.request_id,
        delivered=frozenset(row.delivered),
        organisation=row.organisation,
    )


# ---- requests to get in touch -----------------------------------------------------------------


def request(
    conn: sa.Connection, conversation_id: str, practitioner: str, sealed: str, at: datetime
) -> ContactRequest | None:
    """A practitioner's confirmed request, its alert and its access-log line, together; None if
    the decision's transcript is not kept (or is not theirs). A request already standing for
    this transcript is returned as it is, so a second confirmation asks nobody twice."""
    found = conn.execute(
        sa.select(T.id, T.outcome, T.organisation)
        .where(T.conversation_id == conversation_id, T.practitioner == practitioner)
        .with_for_update()  # PostgreSQL: one confirmation at a time per decision (SQLite: the
        # write lock); a unique index on standing requests backs it up
    ).first()
    if found is None:
        return None
    standing = conn.execute(
        _with_organisation()
        .where(R.transcript_id == found.id, R.withdrawn_at.is_(None))
        .order_by(R.id.desc())
    ).first()
    if standing is not None:
        return _request(standing)
    made = conn.execute(
        sa.insert(contact_requests)
        .values(transcript_id=found.id, practitioner=practitioner, at=at, identity_sealed=sealed)
        .returning(R.id)
    ).scalar_one()
    conn.execute(
        sa.insert(alerts).values(
            key=f"{CONTACT}:{made}",
            kind=CONTACT,
            transcript_id=found.id,
            request_id=made,
            outcome=found.outcome,
            practitioner=practitioner,
            at=at,
            due_at=at,
        )
    )
    log_access(
        conn,
        Access(
            at,
            f"telegram:{practitioner}",
            REQUEST_CHANNEL,
            f"request {made}",
            f"transcript {found.id}",
        ),
    )
    return ContactRequest(
        made, found.id, practitioner, at, "pending", fresh=True, organisation=found.organisation
    )


def withdraw(conn: sa.Connection, request_id: int, practitioner: str, at: datetime) -> RequestState:
    """Withdraw a practitioner's own request unless a lead has opened it: its sealed identity is
    deleted and an alert not yet sent is not sent. Returns where the request stands afterwards
    ("gone": no such request of theirs)."""
    row = conn.execute(
        sa.select(contact_requests)
        .where(R.id == request_id, R.practitioner == practitioner)
        .with_for_update()
    ).first()
    state = _state(row)
    if row is None or state != "pending":
        return state
    conn.execute(
        sa.update(contact_requests)
        .where(R.id == row.id)
        .values(withdrawn_at=at, identity_sealed=None)
    )
    conn.execute(sa.update(alerts).where(A.request_id == row.id).values(due_at=None))
    log_access(conn, Access(at, f"telegram:{practitioner}", REQUEST_CHANNEL, f"withdraw {row.id}"))
    return "withdrawn"


def open_request(
    conn: sa.Connection,
    request_id: int,
    lead: str,
    at: datetime,
    scope: frozenset[str] | None = None,
) -> ContactRequest:
    """A lead opens a request: logged, and the first opening is kept on it (it can no longer
    be withdrawn). A withdrawn or gone one is returned as such, with no identity; so is one of
    an organisation outside the lead's `scope` (logged as refused)."""
    row = conn.execute(
        _with_organisation().where(R.id == request_id).with_for_update(of=contact_requests)
    ).first()
    elsewhere = row is not None and scope is not None and row.organisation not in scope
    state = "gone" if elsewhere else _state(row)
    detail: str = "another organisation" if elsewhere else ""
    detail = detail or ("" if state in ("pending", "opened") else state)
    log_access(
        conn,
        Access(
            at,
            lead,
            "telegram",
            f"open request {request_id}",
            detail,
            allowed=state in ("pending", "opened"),
        ),
    )
    if row is None or elsewhere:
        return ContactRequest(request_id, 0, "", at, "gone")
    if state == "pending":
        conn.execute(
            sa.update(contact_requests)
            .where(R.id == request_id)
            .values(opened_at=at, opened_by=lead)
        )
        return _request(row, "opened", opened_by=lead, fresh=True)
    return _request(row)


OPEN_REQUESTS: Final = 50
"""Open requests the desk lists at most (the newest)."""


def open_requests(conn: sa.Connection, scope: frozenset[str] | None) -> list[ContactRequest]:
    """Requests neither withdrawn nor handled, newest first, of organisations within `scope`
    (None: any), with their transcript's outcome: never with an identity."""
    query = (
        _with_organisation()
        .add_columns(T.outcome)
        .where(R.withdrawn_at.is_(None), R.handled_at.is_(None))
        .order_by(R.at.desc(), R.id.desc())
        .limit(OPEN_REQUESTS)
    )
    if scope is not None:
        query = query.where(T.organisation.in_(sorted(scope)))
    return [_request(row) for row in conn.execute(query)]


def handle_request(
    conn: sa.Connection,
    request_id: int,
    lead: str,
    at: datetime,
    scope: frozenset[str] | None,
) -> RequestState | Handled:
    """A lead (as the access log names them) marks a request handled in the desk: kept on it,
    with the access-log line. One already handled stays as it was ("handled"); a withdrawn one,
    one not there or one of an organisation outside `scope` is refused ("withdrawn", "gone")."""
    row = conn.execute(
        _with_organisation().where(R.id == request_id).with_for_update(of=contact_requests)
    ).first()
    elsewhere = row is not None and scope is not None and row.organisation not in scope
    state: RequestState | Handled
    if elsewhere:
        state, detail = "gone", "another organisation"
    elif row is not None and row.withdrawn_at is None and row.handled_at is not None:
        state, detail = "handled", "already handled"
    else:
        state = _state(row)
        detail = state if state in ("gone", "withdrawn") else ""
    allowed = state not in ("gone", "withdrawn")
    action = f"handled request {request_id}"
    log_access(conn, Access(at, lead, "desk", action, detail, allowed=allowed))
    if not allowed or state == "handled":
        return state
    conn.execute(
        sa.update(contact_requests).where(R.id == request_id).values(handled_at=at, handled_by=lead)
    )
    return "handled"


def _with_organisation() -> sa.Select[Any]:
    """Requests with their transcript's organisation (a request always has its transcript)."""
    return sa.select(contact_requests, T.organisation).join_from(
        contact_requests, transcripts, T.id == R.transcript_id
    )


def sealed_identity(conn: sa.Connection, request_id: int) -> str | None:
    return conn.execute(sa.select(R.identity_sealed).where(R.id == request_id)).scalar_one_or_none()


def _state(row: sa.Row[Any] | None) -> RequestState:
    if row is None:
        return "gone"
    if row.withdrawn_at is not None:
        return "withdrawn"
    return "opened" if row.opened_at is not None else "pending"


def _request(
    row: sa.Row[Any],
    state: RequestState | None = None,
    *,
    opened_by: str | None = None,
    fresh: bool = False,
) -> ContactRequest:
    return ContactRequest(
        id=row.id,
        transcript_id=row.transcript_id,
        practitioner=row.practitioner,
        at=row.at,
        state=state or _state(row),
        opened_by=opened_by or row.opened_by,
        fresh=fresh,
        organisation=row.organisation,
        handled_at=row.handled_at,
        outcome=getattr(row, "outcome", None),
    )


# ---- feedback ---------------------------------------------------------------------------------


def give_feedback(
    conn: sa.Connection,
    conversation_id: str,
    practitioner: str,
    helped: str,
    at: datetime,
    prompt_message: int | None,
) -> bool:
    """Whether the decision helped (saying again replaces it; a comment given stays); False if
    its transcript is not kept or not theirs."""
    found = conn.execute(
        sa.select(T.id).where(T.conversation_id == conversation_id, T.practitioner == practitioner)
    ).first()
    if found is None:
        return False
    values = {
        "transcript_id": found.id,
        "practitioner": practitioner,
        "at": at,
        "helped": helped,
        "prompt_message": prompt_message,
    }
    insert = insert_for(conn.dialect.name)(feedback).values(values)
    conn.execute(
        insert.on_conflict_do_update(
            index_elements=[F.transcript_id],
            set_={"at": at, "helped": helped, "prompt_message": prompt_message},
        )
    )
    return True


def comment(
    conn: sa.Connection, practitioner: str, prompt_message: int, text: str, at: datetime
) -> bool:
    """A comment replying to the message that asked for it; False if no feedback of theirs
    asked with that message."""
    done = conn.execute(
        sa.update(feedback)
        .where(F.practitioner == practitioner, F.prompt_message == prompt_message)
        .values(comment=text, at=at)
        .returning(F.id)
    ).first()
    return done is not None


def feedback_sums(conn: sa.Connection, filters: Filters) -> list[FeedbackSums]:
    """Per outcome of the transcripts matching `filters`: the answers counted, and comments."""
    rows = conn.execute(
        sa.select(T.outcome, F.helped, F.comment)
        .select_from(feedback.join(transcripts, T.id == F.transcript_id))
        .where(*matching(filters))
        .order_by(F.at)
    ).all()
    counts: dict[str | None, dict[str, int]] = defaultdict(lambda: dict.fromkeys(HELPED, 0))
    said: dict[str | None, list[str]] = defaultdict(list)
    for row in rows:
        counts[row.outcome][row.helped] = counts[row.outcome].get(row.helped, 0) + 1
        if row.comment:
            said[row.outcome].append(row.comment)
    return [FeedbackSums(o, dict(c), tuple(said[o])) for o, c in counts.items()]
