"""State at rest: the stored conversation record and the store interfaces, together.

The front ends keep nothing in memory between updates. Each update loads the chat's
`StoredConversation`, applies one move, and saves it with the version it loaded, so two replicas
handling the same chat can never silently drop one another's answer: the loser gets `StaleWrite`.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

from bot.alerts import Alert, ContactRequest, FeedbackSums, Handled, Identity, RequestState
from bot.errors import StaleWrite, StorageError, StorageUnavailable
from bot.transcripts.model import (
    EVERY,
    Access,
    Filters,
    Note,
    Page,
    PractitionerSums,
    QuizAnswer,
    QuizStats,
    StatsInputs,
    Transcript,
    TranscriptWrite,
)

__all__ = [
    "APPLIED_KEPT",
    "ConversationStore",
    "DeskStore",
    "LinkState",
    "Mark",
    "OrganisationStore",
    "StaleWrite",
    "StorageError",
    "StorageUnavailable",
    "Store",
    "StoredConversation",
    "TranscriptStore",
    "new_conversation_id",
]


APPLIED_KEPT = 32
"""How many applied update ids a chat remembers: far more than can be in flight for one chat."""


def new_conversation_id() -> str:
    """A short random id for one conversation (a new one on /restart); 8 URL-safe characters."""
    return secrets.token_urlsafe(6)


@dataclass(frozen=True, slots=True)
class Mark:
    """An answered question still to be marked with the answer given (owed by a move).

    `step` and `history` are the state it asked at, so its words can be drawn again.
    """

    message: int
    note: str
    step: str
    history: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class StoredConversation:
    """One chat's conversation as stored: the core's `State` plus what the front end needs."""

    chat_id: int
    dialogue: str
    """Dialogue id, e.g. "advice"."""
    step: str
    """Current step or outcome id."""
    history: tuple[tuple[str, str], ...]
    """The answers so far, in order, as (step id, answer id)."""
    conversation_id: str
    turn: int
    """+1 on every change (answer, back, restart), so a button from an older turn is stale."""
    content_version: str
    started_at: datetime
    updated_at: datetime
    version: int
    """Set by the store on save; a conversation that was never saved has version 0."""
    last_record: str | None = None
    """The last decision record, plain and already anonymous."""
    applied: tuple[int, ...] = ()
    """The newest Telegram update ids whose move this row holds (at most `APPLIED_KEPT`).

    Telegram delivers an update again when it did not hear back (the bot crashed after saving,
    before confirming); such an update must not be applied a second time.
    """

    asked_message: int | None = None
    """The message that asks the current question, once sent: a typed answer marks it."""
    asked_at: datetime | None = None
    """When Telegram says that message was sent: a typed answer dated within seconds of it may
    have been written before it was seen."""
    owed_at: datetime | None = None
    """The outbox: this turn's reply (its question or outcome, and `owed_mark`) is not known to
    be shown; a sender shows it from this time on. None once shown."""
    owed_mark: Mark | None = None

    def __post_init__(self) -> None:
        # A naive datetime is ambiguous once it has left this process; refuse it here, once.
        for name in ("started_at", "updated_at", "asked_at", "owed_at"):
            value = getattr(self, name)
            if value is not None and value.utcoffset() is None:
                raise ValueError(f"StoredConversation.{name} must be timezone-aware")


class ConversationStore(Protocol):
    """Durable per-chat conversation state. Every method may raise `StorageUnavailable`."""

    async def load(self, chat_id: int) -> StoredConversation | None:
        """The chat's conversation, or None if it has none."""

    async def save(
        self,
        conv: StoredConversation,
        *,
        expected_version: int | None,
        transcript: TranscriptWrite | None = None,
    ) -> StoredConversation:
        """Insert or update `conv`, committed durably before this returns.

        `expected_version` is the version that was loaded (None: the chat must have no row yet).
        If the stored row has another version, nothing is written and `StaleWrite` is raised.
        `conv.version` is ignored; the returned copy carries the new stored version.
        `transcript`, if given, is written in the same transaction (so only if `conv` is): the
        header inserted or updated, its steps appended, and `conv.step` kept as where it stands.
        """

    async def shown(
        self,
        stored: StoredConversation,
        asked: int | None = None,
        asked_at: datetime | None = None,
    ) -> None:
        """The reply `stored`'s turn owed is shown: nothing is owed any more, and (at a question)
        `asked` is the message that asks it, sent at `asked_at`. Ignored if the chat has moved
        on since (a newer turn or conversation). Not a move: the row's version is unchanged."""

    async def claim_owed(
        self, now: datetime, lease: timedelta, limit: int
    ) -> list[StoredConversation]:
        """Up to `limit` conversations whose owed reply is due at `now`, each claimed for
        `lease` (its `owed_at` moved on), so that no other sender takes it meanwhile; one that
        is not shown by then is due again."""

    async def delete(self, chat_id: int) -> None:
        """Forget the chat's conversation (no error if there is none)."""

    async def purge(self, before: datetime) -> int:
        """Delete conversations last changed before `before`; return how many went."""

    async def ping(self) -> None:
        """Return if the database answers; raise `StorageUnavailable` if it does not."""

    async def close(self) -> None:
        """Release connections; the store must not be used afterwards."""


class TranscriptStore(Protocol):
    """Transcripts at rest; the same `SqlStore` as conversations. May raise StorageUnavailable."""

    async def record(self, write: TranscriptWrite) -> None:
        """Append to a transcript without changing the conversation (e.g. free text)."""

    async def list_transcripts(self, filters: Filters, *, offset: int, limit: int) -> Page:
        """Newest first (by start time, then id)."""

    async def get_transcript(self, transcript_id: int) -> Transcript | None: ...

    async def keeps_conversation(self, conversation_id: str) -> bool:
        """Whether a transcript of this conversation is kept (not after /forget or retention)."""

    def iter_transcripts(self, filters: Filters, *, batch: int = 500) -> AsyncIterator[Transcript]:
        """Whole transcripts, oldest first, fetched `batch` at a time (for exports)."""

    async def count_transcripts(self, filters: Filters) -> int: ...

    async def stats_inputs(
        self, filters: Filters, *, abandoned_before: datetime | None = None
    ) -> StatsInputs:
        """The sums `bot.transcripts.stats` needs; an unfinished transcript last changed before
        `abandoned_before` counts as abandoned (with None, none does)."""

    async def practitioners(
        self, filters: Filters, urgent: Sequence[str]
    ) -> list[PractitionerSums]:
        """Each pseudonym's transcripts matching `filters`, added up; `urgent`: the outcome ids
        that count as urgent."""

    async def set_tag(self, transcript_id: int, tag: str, on: bool) -> bool:
        """Add or remove a tag; False if there is no such transcript."""

    async def add_note(self, transcript_id: int, note: Note) -> bool:
        """False if there is no such transcript."""

    async def forget_practitioner(self, practitioner: str, *, at: datetime) -> int:
        """Delete every transcript (and quiz answer, and membership) of one practitioner and
        replace their code
        in the access log and notes, in one transaction; log, by counts only, that it happened
        `at`. Return how many transcripts went."""

    async def purge_transcripts(self, before: datetime, filters: Filters = EVERY) -> int:
        """Delete transcripts last changed before `before` (and matching `filters`)."""

    async def log_access(self, access: Access) -> None: ...

    async def accesses(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 1000,
        who: Collection[str] | None = None,
        about: int | None = None,
    ) -> list[Access]:
        """Newest first; only lines by `who` (if given) and about transcript `about` (its
        views, tags and notes, if given)."""

    async def record_quiz_answer(self, answer: QuizAnswer) -> None: ...

    async def quiz_stats(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        scope: frozenset[str] | None = None,
        organisation: str | None = None,
    ) -> QuizStats:
        """`scope` and `organisation` confine it as the same `Filters` fields do transcripts."""

    async def purge_quiz_answers(self, before: datetime) -> int:
        """Delete quiz answers given before `before`; return how many went."""


class AlertStore(Protocol):
    """Leads' outbox (alerts, requests to get in touch) and feedback; the same `SqlStore`."""

    async def claim_alerts(self, now: datetime, lease: timedelta, limit: int) -> list[Alert]:
        """Up to `limit` due alerts, each claimed for `lease` (as `claim_owed`)."""

    async def alert_delivered(self, alert_id: int, lead: int) -> None:
        """`lead` has been told (or never can be): a retry skips them."""

    async def alert_settled(self, alert_id: int) -> None:
        """Every lead has been told: the alert is no longer due."""

    async def set_alerts(self, lead: int, on: bool) -> None: ...

    async def alerts_on(self, leads: Sequence[int]) -> dict[int, bool]: ...

    def lead_key(self, lead: int) -> str:
        """How `Alert.delivered` names a lead (a keyed hash: the id is never stored)."""

    async def request_contact(
        self, conversation_id: str, practitioner: str, identity: Identity, at: datetime
    ) -> ContactRequest | None:
        """Save a confirmed request (identity sealed), its alert and its access-log line in one
        transaction; None if the conversation's transcript is not kept or not theirs."""

    async def withdraw_request(
        self, request_id: int, practitioner: str, at: datetime
    ) -> RequestState:
        """Withdraw `practitioner`'s own request unless a lead opened it (its identity deleted);
        where it stands afterwards."""

    async def open_request(
        self, request_id: int, lead: str, at: datetime, scope: frozenset[str] | None = None
    ) -> ContactRequest:
        """A lead opens a request (logged either way); with the identity if it stands and its
        organisation is within `scope` (None: any); else as gone."""

    async def open_requests(self, scope: frozenset[str] | None) -> list[ContactRequest]:
        """Requests neither withdrawn nor handled, newest first (50 at most), of organisations
        within `scope` (None: any), with their outcome: never with an identity."""

    async def handle_request(
        self, request_id: int, lead: str, at: datetime, scope: frozenset[str] | None
    ) -> RequestState | Handled:
        """A lead marks a request handled, logged in the same transaction (`lead` as the access
        log names them): "handled", also when it already was (who and when kept); "withdrawn",
        or "gone" if not there or outside `scope`, refused and logged as refused."""

    async def give_feedback(
        self,
        conversation_id: str,
        practitioner: str,
        helped: str,
        at: datetime,
        prompt_message: int | None = None,
    ) -> bool:
        """False if the conversation's transcript is not kept or not theirs."""

    async def feedback_comment(
        self, practitioner: str, prompt_message: int, text: str, at: datetime
    ) -> bool:
        """Add a (redacted) comment to the feedback asked for by `prompt_message`."""

    async def feedback_sums(self, filters: Filters) -> list[FeedbackSums]: ...


class OrganisationStore(Protocol):
    """Which organisation each practitioner (by pseudonym) is in, and each organisation's
    invitation round; the same `SqlStore`. Safe against concurrent calls from other replicas."""

    async def join_organisation(
        self, practitioner: str, organisation: str, at: datetime
    ) -> str | None:
        """Make `organisation` theirs (from now on: what they wrote before stays where it was);
        the one they were in before, or None."""

    async def organisation_of(self, practitioner: str) -> str | None: ...

    async def decision_organisation(self, conversation_id: str, practitioner: str) -> str | None:
        """Whose leads a decision goes to (its alerts, a request about it): its transcript's
        organisation, or while it has none yet, the practitioner's."""

    async def leave_organisation(self, practitioner: str) -> str | None:
        """Take them out of their organisation; the one they were in, or None."""

    async def members(self) -> dict[str, int]:
        """How many practitioners each organisation has (none: not there)."""

    async def invite_rounds(self) -> dict[str, int]:
        """Every stored round; an organisation that is not there is in round 1."""

    async def rotate_invite(self, organisation: str) -> int:
        """Move the organisation to its next round (the first rotation gives 2) and return it;
        concurrent rotations each get their own round."""


LinkState = Literal["ok", "unknown", "expired", "used"]
"""What became of a desk sign-in link: "ok" signs its lead in; the others are refused."""


class DeskStore(Protocol):
    """The web desk's single-use sign-in links and its sessions, by SHA-256 digest of the token
    or session id only (`bot.desk.links.digest`); the same `SqlStore`. Safe against concurrent
    calls from other replicas."""

    async def desk_link(
        self, token_hash: str, lead: int, at: datetime, expires_at: datetime
    ) -> None:
        """Store a new sign-in link for `lead`, made `at`, working until `expires_at`."""

    async def use_desk_link(self, token_hash: str, at: datetime) -> tuple[LinkState, int | None]:
        """Use the link: "ok" and its lead once, atomically (of two concurrent uses, one wins);
        "used" if it was used before, "expired" if `at` is at or after its expiry, "unknown" if
        there is no such link; the lead is None unless "ok"."""

    async def desk_session(self, id_hash: str, lead: int, at: datetime) -> None:
        """Start a signed-in session of `lead` at `at`."""

    async def desk_session_lead(self, id_hash: str, at: datetime, idle: timedelta) -> int | None:
        """The session's lead, if it was not ended and was last used after `at - idle`; it then
        counts as used at `at`. Else None."""

    async def end_desk_session(self, id_hash: str, at: datetime) -> None:
        """Sign the session out (no error if it is unknown or already ended)."""

    async def purge_desk(self, before: datetime) -> int:
        """Delete links that expired, and sessions last used, before `before`; how many went."""


class Store(ConversationStore, TranscriptStore, AlertStore, OrganisationStore, DeskStore, Protocol):
    """What the bot needs of its database: conversation state and transcripts, together (so an
    answer and its transcript entry are saved in one transaction)."""
