"""Transcripts as data: what is kept of each conversation for safeguarding leads.

A transcript is one conversation (from /advice to its outcome, or to where the practitioner
stopped). It names nobody: the practitioner is a keyed pseudonym (`bot.transcripts.pseudonym`),
answers are answer ids, and any free text is redacted before it gets here. Everything in this
module is plain data shared by storage, the Telegram lead desk, the CLI and the reports.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Final, Literal
from zoneinfo import ZoneInfo

from bot.anonymise import Redaction, redact
from bot.errors import UsageError
from states import NOT_SURE

BACK = "(back)"
"""`Entry.answer` when the practitioner went back from this step (never an answer id)."""
FREE_TEXT = "(free text)"
"""`Entry.answer` when the practitioner typed something that was not an answer."""
STOPPED = "(stopped)"
"""`Entry.answer` when the practitioner stopped at a Not-sure note to get advice (the
conversation moved on as if Not sure; the note was already counted as their Not sure)."""
MARKERS = (BACK, FREE_TEXT, STOPPED)
"""Entries that record something done at a step other than choosing one of its answers."""
UNSURE = (NOT_SURE, STOPPED)
"""Entries that say the practitioner was not sure at that step."""

TAGS: dict[str, str] = {
    "reviewed": "Reviewed",
    "follow_up": "Follow up",
    "training_need": "Training need",
}
"""Tags a lead may put on a transcript: id -> label."""

Channel = Literal["telegram", "cli", "desk"]


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry of a transcript: what the practitioner did at one step of the dialogue."""

    step: str
    """The question (or outcome, for Back from an outcome) it happened at."""
    answer: str
    """An answer id, or one of `MARKERS`."""
    at: datetime
    redacted: bool
    """Whether identifying details were removed from what they typed here."""
    removed: str | None = None
    """For `FREE_TEXT` only: the kinds of identifying detail removed from what they typed
    (e.g. "name, phone"). The text itself is never kept, even redacted: a name the redactor
    missed must not reach a lead."""


NOTE_LIMIT = 1000
"""Characters of a lead's note that are kept."""


def clean_note(text: str) -> Redaction:
    """A lead's note as it may be stored: identifying details removed, then cut to NOTE_LIMIT
    (cut first, a number or name across the cut could escape the redactor)."""
    cleaned = redact(text)
    return Redaction(cleaned.text[:NOTE_LIMIT], cleaned.kinds)


@dataclass(frozen=True, slots=True)
class Note:
    at: datetime
    lead: str
    """Who wrote it: "telegram:<user id>" or "cli:<login name>"."""
    text: str
    """Redacted before it is stored."""


@dataclass(frozen=True, slots=True)
class Summary:
    """One line of a transcript list."""

    id: int
    practitioner: str
    started_at: datetime
    ended_at: datetime | None
    outcome: str | None
    """None: unfinished."""
    steps: int
    unsure: bool
    redacted: bool
    tags: frozenset[str] = frozenset()
    organisation: str | None = None
    """Where the practitioner was when it began (None: no organisation)."""


@dataclass(frozen=True, slots=True)
class Transcript:
    """A whole transcript, as shown by /transcript and exported."""

    id: int
    practitioner: str
    started_at: datetime
    ended_at: datetime | None
    """When the outcome was reached; None while unfinished."""
    updated_at: datetime
    """The last thing that happened (where an unfinished one stopped)."""
    dialogue: str
    content_version: str
    outcome: str | None
    rules: tuple[int, ...]
    steps: tuple[Entry, ...]
    tags: frozenset[str] = frozenset()
    notes: tuple[Note, ...] = ()
    organisation: str | None = None
    """Where the practitioner was when it began (None: no organisation)."""

    @property
    def unsure(self) -> bool:
        return any(s.answer in UNSURE for s in self.steps)

    @property
    def redacted(self) -> bool:
        return any(s.redacted for s in self.steps)


@dataclass(frozen=True, slots=True)
class TranscriptWrite:
    """What one update adds to a conversation's transcript; saved with the conversation.

    The header fields are the whole current header (the store inserts the transcript if it
    does not exist yet, e.g. after a retention purge of a long-idle conversation); `steps` are
    appended in order.
    """

    conversation_id: str
    practitioner: str
    dialogue: str
    content_version: str
    started_at: datetime
    at: datetime
    outcome: str | None
    rules: tuple[int, ...]
    steps: tuple[Entry, ...] = ()
    alert_at: datetime | None = None
    """An urgent outcome: when its alert to leads is due (written with this, once per
    transcript and outcome). None: no alert."""


@dataclass(frozen=True, slots=True)
class Filters:
    """Which transcripts a list, export, stats or purge covers. Empty: all of them."""

    outcome: str | None = None
    since: datetime | None = None
    """Started at or after."""
    until: datetime | None = None
    """Started before."""
    unsure: bool = False
    """Only those with at least one "not sure"."""
    redacted: bool = False
    """Only those where something was redacted."""
    unfinished: bool = False
    """Only those without an outcome."""
    practitioner: str | None = None
    tag: str | None = None
    changed_before: datetime | None = None
    """Only those whose last activity was before this (what retention purges)."""
    organisation: str | None = None
    """Only those of this organisation (chosen with a filter word)."""
    scope: frozenset[str] | None = None
    """The organisations a lead may see (None: everything, also transcripts of none). Not a
    choice, so `describe` leaves it out: a heading says what was asked for."""
    question: str | None = None
    """Only those that reached this question (answered it, or stopped there)."""

    def within(self, scope: frozenset[str] | None) -> Filters:
        """These filters confined to `scope` (None: left as they are)."""
        return self if scope is None else replace(self, scope=scope)

    def describe(self, zone: tzinfo = UTC) -> str:
        """The filters in words, for headings ("all transcripts" when none); days in `zone`."""
        parts: list[str] = []
        if self.outcome:
            parts.append(f"outcome {self.outcome}")
        if self.since or self.until:
            start = self.since.astimezone(zone).date().isoformat() if self.since else "the start"
            last = (self.until - timedelta(seconds=1)).astimezone(zone) if self.until else None
            end = last.date().isoformat() if last else "now"
            parts.append(f"from {start} to {end}")
        for flag, words in (
            (self.unsure, "answered not sure"),
            (self.redacted, "something was redacted"),
            (self.unfinished, "unfinished"),
        ):
            if flag:
                parts.append(words)
        if self.practitioner:
            parts.append(f"practitioner {self.practitioner}")
        if self.question:
            parts.append(f"reached question {self.question}")
        if self.tag:
            parts.append(f"tagged {TAGS.get(self.tag, self.tag)}")
        if self.organisation:
            parts.append(f"organisation {self.organisation}")
        return ", ".join(parts) if parts else "all transcripts"


EVERY: Final = Filters()
"""No filter: every transcript."""


@dataclass(frozen=True, slots=True)
class Access:
    """One line of the access log: a lead (or someone trying) looked at transcripts."""

    at: datetime
    who: str
    """"telegram:<user id>" for leads, "telegram:<pseudonym>" for refused non-leads,
    "cli:<login name>", "desk:<user id>" in the web desk ("desk:?" for a refused sign-in)."""
    channel: Channel
    action: str
    """e.g. "list", "show 42", "export html", "stats", "tag 42 reviewed", "purge"."""
    detail: str = ""
    """The filters or other arguments, in words."""
    allowed: bool = True


IN_PROGRESS, ABANDONED, EMPTY = "in_progress", "abandoned", "empty"
UNFINISHED: Final = (IN_PROGRESS, ABANDONED, EMPTY)
"""How an unfinished transcript stands, in the order leads read them."""


@dataclass(frozen=True, slots=True)
class StatsInputs:
    """The aggregates the store computes in the database; `bot.transcripts.stats` does the rest."""

    by_hour: dict[tuple[datetime, str | None], int]
    """Transcripts by the UTC hour they started in (tz-aware, minutes zero) and outcome."""
    answered: dict[str, int]
    """Per question id: how many answers were given there (not Back, not free text)."""
    unsure: dict[str, int]
    """Per question id: how many of those were "not sure"."""
    stopped_at: dict[str, int]
    """Unfinished transcripts by the step they stopped at."""
    durations_s: list[float]
    """Seconds from start to outcome, one per finished transcript."""
    unfinished: dict[str, int] = field(default_factory=dict)
    """Unfinished transcripts by how they stand (`UNFINISHED`): in progress, abandoned (no
    activity since the cut-off the store was given) or empty (no step recorded)."""


@dataclass(frozen=True, slots=True)
class PractitionerSums:
    """One pseudonym's transcripts in a period, added up by the store."""

    who: str
    decisions: int
    finished: int
    """Of those, how many reached an outcome."""
    unsure: int
    """Of those, how many had a "not sure" answer."""
    urgent: int
    """Of those, how many reached an urgent outcome (`Config.urgent_outcomes`)."""
    last_seen: datetime

    @property
    def unsure_rate(self) -> float:
        return self.unsure / self.decisions if self.decisions else 0.0


@dataclass(frozen=True, slots=True)
class QuizAnswer:
    """One true/false answer in a quiz (issue 7), kept for leads' statistics."""

    practitioner: str
    quiz: str
    statement: str
    correct: bool
    at: datetime


@dataclass(frozen=True, slots=True)
class QuizStats:
    takers: dict[str, int]
    """Per quiz id: how many distinct practitioners answered at least one statement."""
    answered: dict[tuple[str, str], int]
    """Per (quiz id, statement id): answers given."""
    wrong: dict[tuple[str, str], int]
    """Per (quiz id, statement id): wrong answers."""


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Summary]
    total: int
    """How many transcripts match the filters in all."""
    offset: int
    limit: int


# ---- periods -------------------------------------------------------------------------------


PERIOD_HELP = (
    "Write a period as 7d, 4w, 3m (days, weeks, months back from now), today, yesterday, "
    "2026-11 (a month), 2026-11-01 (a day), 2026-10-01..2026-11-15, or all."
)
PSEUDONYM = re.compile(r"^p-[0-9a-f]{12}$")
"""What `bot.transcripts.pseudonym.Pseudonyms.of` returns."""
MAX_ID = 2**31 - 1
"""Transcript ids are 32-bit integers in the database."""
_ID = re.compile(r"^[0-9]{1,10}$")
_BACK = re.compile(r"^(\d{1,4})([dwm])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


def parse_id(text: str) -> int:
    """A transcript number a lead typed (ASCII digits, within the database's range)."""
    if not _ID.match(text.strip()) or not 1 <= int(text) <= MAX_ID:
        raise UsageError(f"'{text[:20]}' is not a transcript number (they are in the list).")
    return int(text)


def next_month(day: date) -> date:
    """The first day of the month after `day`'s."""
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def parse_period(
    text: str, now: datetime, zone: ZoneInfo
) -> tuple[datetime | None, datetime | None]:
    """(since, until) in UTC for a period a lead typed; days are local days in `zone`."""
    try:
        return _period(text, now, zone)
    except (ValueError, OverflowError):
        raise UsageError(f"'{text[:40]}' is not a period I know. {PERIOD_HELP}") from None


def _period(text: str, now: datetime, zone: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    raw = text.strip().lower()
    today = now.astimezone(zone).date()

    def start_of(day: date) -> datetime:
        return datetime.combine(day, time(), zone).astimezone(UTC)

    if raw in ("", "all"):
        return None, None
    if raw == "today":
        return start_of(today), None
    if raw == "yesterday":
        return start_of(today - timedelta(days=1)), start_of(today)
    if match := _BACK.match(raw):
        count, unit = int(match[1]), match[2]
        days = count * {"d": 1, "w": 7, "m": 30}[unit]
        if days < 1:
            raise UsageError(f"'{text}' is an empty period. {PERIOD_HELP}")
        return start_of(today - timedelta(days=days - 1)), None
    if match := _MONTH.match(raw):
        first = date(int(match[1]), int(match[2]), 1)
        return start_of(first), start_of(next_month(first))
    if match := _RANGE.match(raw):
        first, last = date.fromisoformat(match[1]), date.fromisoformat(match[2])
        if last < first:
            raise UsageError(f"'{text}' ends before it starts. {PERIOD_HELP}")
        return start_of(first), start_of(last + timedelta(days=1))
    day = date.fromisoformat(raw)  # anything else is a ValueError: not a period
    return start_of(day), start_of(day + timedelta(days=1))


@dataclass(frozen=True, slots=True)
class FilterWords:
    """Filters as a lead types them: `outcome=share period=30d unsure redacted unfinished`."""

    filters: Filters = field(default_factory=Filters)
    period: str = "all"


def parse_filters(
    words: list[str],
    now: datetime,
    zone: ZoneInfo,
    outcomes: tuple[str, ...],
    *,
    organisations: Sequence[str] = (),
) -> FilterWords:
    """Filters from words a lead typed, in Telegram or on the command line; `organisations`:
    the configured organisation ids `org=` may name."""
    values: dict[str, object] = {}
    period = "all"
    for word in words:
        key, _, value = word.partition("=")
        key = key.lower().strip()
        if key in ("unsure", "not_sure", "notsure", "redacted", "unfinished") and not value:
            values["unsure" if key in ("not_sure", "notsure") else key] = True
        elif key == "outcome" and value in outcomes:
            values["outcome"] = value
        elif key == "outcome":
            raise UsageError(f"There is no outcome '{value}'. Outcomes: {', '.join(outcomes)}.")
        elif key == "period":
            values["since"], values["until"] = parse_period(value, now, zone)
            period = value
        elif key == "tag" and value in TAGS:
            values["tag"] = value
        elif key == "tag":
            raise UsageError(f"There is no tag '{value}'. Tags: {', '.join(TAGS)}.")
        elif key == "practitioner" and PSEUDONYM.match(value):
            values["practitioner"] = value
        elif key == "practitioner":
            raise UsageError(
                f"'{value[:20]}' is not a practitioner code: they look like p-3f9a0c2e71b4."
            )
        elif key == "org" and value in organisations:
            values["organisation"] = value
        elif key == "org":
            raise UsageError(_no_organisation(value, organisations))
        else:
            raise UsageError(
                f"I don't understand '{word}'. Filters: outcome=ID, period=P, tag=T, "
                "practitioner=P, org=ID, unsure, redacted, unfinished."
            )
    return FilterWords(Filters(**values), period)  # type: ignore[arg-type]


def _no_organisation(value: str, organisations: Sequence[str]) -> str:
    if not organisations:
        return "This deployment has no organisations."
    return f"There is no organisation '{value[:40]}'. Organisations: {', '.join(organisations)}."
