"""Telegram's failures on every Bot API call the bot makes in a conversation (issue 6).

Each kind of failure is planned on one method with `WorldRequest.plan`, as Telegram or the
network would produce it: flood control (429 with retry_after), a timeout before or after
Telegram acted, a network error, a blocked bot (403), and the 400s an edit or a late answer
gets. For each, the answer committed before the failure stays committed exactly once, nothing
is logged at ERROR (except where that is deliberate) and no log carries text, the bot stops
talking when Telegram says to, and the practitioner's next update works normally.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import pytest
from telegram.error import NetworkError, TimedOut
from telegram.ext import _aioratelimiter

from bot import words
from bot.config import Config, Lead
from bot.storage import StoredConversation
from bot.transcripts.model import FREE_TEXT, Filters
from states import Library
from tests.emulator import world as emulator
from tests.support.chat import place, texts
from tests.support.e2e import question_text
from tests.support.offline import Fault, Harness, Practitioner

RETRY_AFTER = Fault(429, "Too Many Requests: retry after 3", retry_after=3)
TIMED_OUT = Fault(error=TimedOut, description="Timed out")
TIMED_OUT_DELIVERED = Fault(error=TimedOut, description="Timed out", delivered=True)
NETWORK = Fault(error=NetworkError, description="httpx.ConnectError: [Errno 101] unreachable")
BLOCKED = Fault(403, "Forbidden: bot was blocked by the user")
NOT_MODIFIED = Fault(400, emulator.NOT_MODIFIED)
EDIT_GONE = Fault(400, "Bad Request: message to edit not found")
QUERY_OLD = Fault(400, emulator.QUERY_GONE)
KINDS = {
    "retry_after": RETRY_AFTER,
    "timed_out": TIMED_OUT,
    "timed_out_delivered": TIMED_OUT_DELIVERED,
    "network_error": NETWORK,
    "forbidden": BLOCKED,
    "not_modified": NOT_MODIFIED,
    "edit_not_found": EDIT_GONE,
    "query_too_old": QUERY_OLD,
}
SENDS = ("retry_after", "timed_out", "timed_out_delivered", "network_error", "forbidden")
"""What any call can meet; the 400s below only meet the calls they belong to."""
EDITS = (*SENDS, "not_modified", "edit_not_found")
ANSWERS = (*SENDS, "query_too_old")
ACTED = ("retry_after", "timed_out_delivered")
"""Kinds after which Telegram has carried the call out (the limiter retried it, or only the
answer was lost)."""
RAISED = {
    "retry_after": "RetryAfter",
    "timed_out": "TimedOut",
    "timed_out_delivered": "TimedOut",
    "network_error": "NetworkError",
    "forbidden": "Forbidden",
}
"""The exception each kind becomes in PTB, as our logs name it."""
LIMITER_ALLOWS = "Rate limit hit after maximum of"
"""PTB's rate limiter logs this at ERROR when flood control outlasts its retries."""


class Clock:
    """`asyncio` for PTB's rate limiter: its waits are noted, not slept, so tests stay fast."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(0)


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(_aioratelimiter, "asyncio", clock)
    return clock


@pytest.fixture
def config(config: Config, request: pytest.FixtureRequest) -> Config:
    """The harness's config (rate limiter on, as by default); indirect False turns it off."""
    telegram = config.telegram.model_copy(update={"rate_limit": getattr(request, "param", True)})
    return config.model_copy(update={"telegram": telegram})


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="bot")
    return caplog


async def stored(harness: Harness, user: Practitioner) -> StoredConversation:
    found = await harness.services.store.load(user.id)
    assert found is not None
    return found


async def answered(harness: Harness) -> list[tuple[str, str]]:
    """The answers in the newest transcript, in order (typed free text left out)."""
    store = harness.services.store
    page = await store.list_transcripts(Filters(), offset=0, limit=1)
    found = await store.get_transcript(page.items[0].id)
    assert found is not None
    return [(s.step, s.answer) for s in found.steps if s.answer != FREE_TEXT]


def check_logs(
    logs: pytest.LogCaptureFixture, library: Library, *, errors: tuple[str, ...] = ()
) -> None:
    """Nothing at ERROR but what is named; no question or typed text in any record."""
    unexpected = [
        r.getMessage()
        for r in logs.records
        if r.levelno >= logging.ERROR and not any(e in r.getMessage() for e in errors)
    ]
    assert unexpected == []
    assert not [r for r in logs.records if r.name.startswith("bot") and r.exc_info]
    for phrase in (
        question_text(library, "immediate_danger"),
        question_text(library, "about_whom"),
        "anyone there",
    ):
        assert phrase not in logs.text


def said_about(logs: pytest.LogCaptureFixture, kind: str) -> list[logging.LogRecord]:
    """Our own records that name the failure."""
    return [r for r in logs.records if r.name.startswith("bot") and kind in r.getMessage()]


async def carry_on(harness: Harness, user: Practitioner, library: Library) -> None:
    """The practitioner's next update shows the question after the committed answer, and
    answering it moves on: one answer more in the store and the transcript, no more."""
    before = await answered(harness)
    replies = await user.send("anyone there?")
    assert question_text(library, "about_whom") in replies[-1]["text"]
    assert "A child or young person" in user.buttons()
    await user.press("A child or young person")
    now = await stored(harness, user)
    assert now.step == "age_band"
    assert await answered(harness) == [*before, ("about_whom", now.history[-1][1])]


async def started(harness: Harness) -> tuple[Practitioner, StoredConversation]:
    user = harness.user()
    await user.send("/advice")
    return user, await stored(harness, user)


async def check_committed_once(
    harness: Harness, user: Practitioner, before: StoredConversation
) -> None:
    now = await stored(harness, user)
    assert now.step == "about_whom"
    assert now.history == (("immediate_danger", "no"),)
    assert now.turn == before.turn + 1
    assert await answered(harness) == [("immediate_danger", "no")]


def attempts(harness: Harness, method: str) -> int:
    """How many calls of `method` the bot has made: those the World saw, and those that
    failed before reaching it."""
    reached = sum(1 for c in harness.bot_calls() if c["method"] == method)
    lost = sum(1 for m, f in harness.request.fired if m == method and not f.delivered)
    return reached + lost


# ---- an answer pressed: answerCallbackQuery, editMessageText, sendMessage ------------------


@dataclass(frozen=True)
class Case:
    method: str
    kind: str
    seen: str
    """What the practitioner sees next: "next" (the next question), "sorry" (an apology with
    the next question), "nothing" (Telegram said stop: the bot sends nothing more)."""

    @property
    def id(self) -> str:
        return f"{self.method}-{self.kind}"


PRESS_CASES = [
    *(Case("answerCallbackQuery", kind, "next") for kind in ANSWERS),
    *(Case("editMessageText", kind, "next") for kind in EDITS),
    Case("sendMessage", "retry_after", "next"),
    Case("sendMessage", "timed_out", "sorry"),
    Case("sendMessage", "timed_out_delivered", "sorry"),
    Case("sendMessage", "network_error", "sorry"),
    Case("sendMessage", "forbidden", "nothing"),
]


@pytest.mark.parametrize("case", PRESS_CASES, ids=lambda c: c.id)
async def test_a_pressed_answer_survives(
    harness: Harness,
    library: Library,
    logs: pytest.LogCaptureFixture,
    clock: Clock,
    case: Case,
) -> None:
    user, before = await started(harness)
    question = user.keyboard_message().payload["message_id"]
    fault = KINDS[case.kind]
    harness.request.plan(case.method, fault)
    tried = attempts(harness, case.method)
    replies = await user.press("No")

    assert harness.request.fired == [(case.method, fault)]
    await check_committed_once(harness, user, before)
    shown = texts(replies)
    if case.seen == "nothing":
        assert replies == []
        assert attempts(harness, case.method) == tried + 1, "one refused: nothing more"
    else:
        assert question_text(library, "about_whom") in replies[-1]["text"]
        assert (words.SORRY in replies[-1]["text"]) == (case.seen == "sorry")
    marked = "Your answer: No" in user.message(question)["text"]
    lost_edit = case.method == "editMessageText" and case.kind not in ACTED
    # The next question goes first, then the mark; if sending the question fails, the apology
    # that shows where the chat is pays the mark the move owes, unless nothing can be shown.
    assert marked != (lost_edit or case.seen == "nothing"), "marked unless nothing could be"
    if case.kind == "retry_after":
        assert clock.waits == [pytest.approx(3.1)], "the limiter waited as told, then retried"
        assert words.SORRY not in shown
    else:
        assert clock.waits == []
    if case.kind == "timed_out_delivered" and case.method == "sendMessage":
        assert shown.count(question_text(library, "about_whom")) == 2, "delivered, then again"
    check_logs(logs, library)
    if case.seen != "next":
        records = said_about(logs, RAISED[case.kind])
        assert records and {r.levelno for r in records} <= {logging.INFO, logging.WARNING}
    await carry_on(harness, user, library)


def test_every_kind_meets_the_calls_it_belongs_to() -> None:
    """The matrix: each kind of failure has a test on each method it can happen to."""
    kinds = {c.kind for c in PRESS_CASES} | set(STALE_KINDS) | set(PHOTO_KINDS)
    assert kinds == set(KINDS)
    assert {c.method for c in PRESS_CASES} == {
        "answerCallbackQuery",
        "editMessageText",
        "sendMessage",
    }
    assert {c.kind for c in PRESS_CASES if c.method == "sendMessage"} == set(SENDS)


# ---- a stale button: editMessageReplyMarkup ------------------------------------------------

STALE_KINDS = EDITS


@pytest.mark.parametrize("kind", STALE_KINDS)
async def test_a_stale_press_whose_keyboard_cannot_be_cleared(
    harness: Harness, library: Library, logs: pytest.LogCaptureFixture, clock: Clock, kind: str
) -> None:
    user, before = await started(harness)
    first = user.keyboard_message().payload
    rows = first["reply_markup"]["inline_keyboard"]
    yes = next(b["callback_data"] for row in rows for b in row if b["text"] == "Yes")
    await user.send("no")  # typed, then "Yes" pressed on another device that still shows it
    harness.request.plan("editMessageReplyMarkup", KINDS[kind])
    replies = await user.forge(yes, first["message_id"])  # would end the decision if not stale

    assert harness.request.fired == [("editMessageReplyMarkup", KINDS[kind])]
    await check_committed_once(harness, user, before)
    assert words.STALE in replies[-1]["text"]
    assert question_text(library, "about_whom") in replies[-1]["text"]
    assert "reply_markup" not in user.message(first["message_id"])  # marked by the typed "no"
    assert len(clock.waits) == (kind == "retry_after")
    check_logs(logs, library)
    await carry_on(harness, user, library)


# ---- pictures: sendPhoto for /flowchart and for a lead's /stats -----------------------------

PHOTO_KINDS = SENDS
PHOTO_SEEN = {
    "retry_after": "photo",
    "timed_out": "sorry",
    "timed_out_delivered": "photo+sorry",
    "network_error": "sorry",
    "forbidden": "nothing",
}


def check_photo_replies(replies: list[Any], kind: str, before: int) -> None:
    """After `before` messages that did arrive, what the practitioner got for the picture."""
    photos = ["photo" in m for m in replies[before:]]
    apologies = [words.SORRY in str(m.get("text")) for m in replies[before:]]
    expected = {
        "photo": ([True], [False]),
        "sorry": ([False], [True]),
        "photo+sorry": ([True, False], [False, True]),
        "nothing": ([], []),
    }[PHOTO_SEEN[kind]]
    assert (photos, apologies) == expected


@pytest.mark.parametrize("kind", PHOTO_KINDS)
async def test_the_flowchart_picture_fails(
    harness: Harness, library: Library, logs: pytest.LogCaptureFixture, clock: Clock, kind: str
) -> None:
    user, before = await started(harness)
    harness.request.plan("sendPhoto", KINDS[kind])
    replies = await user.send("/flowchart")

    assert harness.request.fired == [("sendPhoto", KINDS[kind])]
    check_photo_replies(replies, kind, 0)
    assert len(clock.waits) == (kind == "retry_after")
    if "photo" in PHOTO_SEEN[kind]:
        assert replies[0]["caption"] == words.FLOWCHART_CAPTION
    if "sorry" in PHOTO_SEEN[kind]:
        assert question_text(library, "immediate_danger") in replies[-1]["text"]
    moved = place(await stored(harness, user)) != place(before)
    assert not moved, "a picture never moves the decision"
    check_logs(logs, library)
    await user.press("No")
    await check_committed_once(harness, user, before)


@pytest.mark.parametrize("kind", PHOTO_KINDS)
async def test_the_stats_chart_fails(
    harness: Harness, library: Library, logs: pytest.LogCaptureFixture, clock: Clock, kind: str
) -> None:
    practitioner = harness.user("Ann")
    await practitioner.send("/advice")
    await practitioner.press("Yes")  # a finished decision, so there is something to chart
    lead = harness.user("Lee")
    advice = harness.services
    advice.config = advice.config.model_copy(update={"leads": (Lead(id=lead.id),)})
    harness.request.plan("sendPhoto", KINDS[kind])
    replies = await lead.send("/stats")

    assert harness.request.fired == [("sendPhoto", KINDS[kind])]
    assert "Statistics: " in replies[0]["text"]
    check_photo_replies(replies, kind, 1)
    assert len(clock.waits) == (kind == "retry_after")
    if "sorry" in PHOTO_SEEN[kind]:
        assert words.NO_DECISION in replies[-1]["text"]
    accesses = await advice.store.accesses()
    assert [a.action for a in accesses] == ["stats"]
    check_logs(logs, library)
    again = await lead.send("/stats")
    assert ["photo" in m for m in again] == [False, True]


# ---- flood control beyond the limiter, or without it ---------------------------------------


async def test_flood_control_outlasting_the_limiter_stops_the_update_cleanly(
    harness: Harness, library: Library, logs: pytest.LogCaptureFixture, clock: Clock
) -> None:
    user, before = await started(harness)
    harness.request.plan("sendMessage", *[RETRY_AFTER] * 4)  # the limiter retries 3 times
    tried = attempts(harness, "sendMessage")
    replies = await user.press("No")

    assert clock.waits == [pytest.approx(3.1)] * 3
    assert replies == [], "no apology into the flood (it would only wait and fail again)"
    assert attempts(harness, "sendMessage") == tried + 4
    await check_committed_once(harness, user, before)
    check_logs(logs, library, errors=(LIMITER_ALLOWS,))
    (record,) = said_about(logs, "RetryAfter")
    assert record.levelno == logging.WARNING
    await carry_on(harness, user, library)


@pytest.mark.parametrize("config", [False], indirect=True, ids=["no_limiter"])
@pytest.mark.parametrize("method", ["answerCallbackQuery", "editMessageText", "sendMessage"])
async def test_flood_control_without_the_limiter_is_surfaced_cleanly(
    harness: Harness,
    library: Library,
    logs: pytest.LogCaptureFixture,
    clock: Clock,
    config: Config,
    method: str,
) -> None:
    assert not config.telegram.rate_limit
    user, before = await started(harness)
    question = user.keyboard_message().payload["message_id"]
    harness.request.plan(method, RETRY_AFTER)
    tried = attempts(harness, method)
    replies = await user.press("No")

    assert clock.waits == []
    if method == "editMessageText":  # the next question went first; marking the old one stopped
        assert [question_text(library, "about_whom") in m["text"] for m in replies] == [True]
    else:
        assert replies == [], "Telegram said wait: the update stops, nothing more is sent"
    assert attempts(harness, method) == tried + 1
    await check_committed_once(harness, user, before)
    check_logs(logs, library)
    (record,) = said_about(logs, "RetryAfter")
    assert record.levelno == logging.WARNING
    replies = await user.press("No", question)  # not marked: its buttons are still there
    assert words.STALE in replies[-1]["text"], "the same button again is stale, says where we are"
    await carry_on(harness, user, library)


# ---- what is not Telegram's fault, and a real block -----------------------------------------


async def test_a_message_telegram_refuses_is_a_bug_and_logged_as_one(
    harness: Harness, library: Library, logs: pytest.LogCaptureFixture
) -> None:
    user, before = await started(harness)
    harness.request.plan("sendMessage", Fault(400, "Bad Request: can't parse entities: oops"))
    replies = await user.press("No")

    await check_committed_once(harness, user, before)
    assert words.SORRY in replies[-1]["text"]
    (record,) = [r for r in logs.records if r.levelno >= logging.ERROR]
    assert "BadRequest at " in record.getMessage() and "parse entities" not in logs.text
    check_logs(logs, library, errors=("BadRequest",))
    await carry_on(harness, user, library)


async def test_a_user_who_blocks_the_bot_is_let_go_and_found_again(
    harness: Harness, library: Library, logs: pytest.LogCaptureFixture
) -> None:
    user, before = await started(harness)
    question = user.keyboard_message().payload["message_id"]
    harness.world.press(user.id, user.id, question, "No", None)
    harness.world.set_blocked(user.id, True)  # the press was on its way when they blocked
    await harness.pump()

    await check_committed_once(harness, user, before)
    refused = harness.failed_calls()
    assert [(c["method"], c["description"]) for c in refused] == [
        ("sendMessage", "Forbidden: bot was blocked by the user")
    ], "one refused send, no apology after it"
    check_logs(logs, library)
    assert [r.levelno for r in said_about(logs, "Forbidden")] == [logging.INFO]
    harness.world.set_blocked(user.id, False)
    replies = await user.send("/start")
    assert "decision in progress" in replies[-1]["text"]
    assert question_text(library, "about_whom") in replies[-1]["text"]
    await carry_on(harness, user, library)
    harness.world.calls.remove(refused[0])  # expected here; the harness refuses any refusal


async def test_a_double_tap_on_a_quiz_answer_whose_feedback_failed_counts_once(
    harness: Harness, logs: pytest.LogCaptureFixture
) -> None:
    user = harness.user()
    await user.send("/quiz golden_rules")
    message = user.keyboard_message().payload["message_id"]
    harness.request.plan("sendMessage", TIMED_OUT)
    for _ in range(2):  # both presses arrive before the first is handled
        harness.world.press(user.id, user.id, message, "False", None)
    await harness.pump()

    store = harness.services.store
    assert sum((await store.quiz_stats()).answered.values()) == 1
    answers = [c for c in harness.bot_calls() if c["method"] == "answerCallbackQuery"]
    assert answers[-1]["params"].get("text") == words.ALREADY
    assert not [r for r in logs.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("kind", EDITS)
async def test_a_lead_tag_press_whose_keyboard_cannot_be_updated(
    harness: Harness, library: Library, logs: pytest.LogCaptureFixture, kind: str
) -> None:
    practitioner = harness.user("Ann")
    await practitioner.send("/advice")
    await practitioner.press("Yes")
    lead = harness.user("Lee")
    advice = harness.services
    advice.config = advice.config.model_copy(update={"leads": (Lead(id=lead.id),)})
    await lead.send("/transcript 1")
    harness.request.plan("editMessageReplyMarkup", KINDS[kind])
    replies = await lead.press("Reviewed")

    assert harness.request.fired == [("editMessageReplyMarkup", KINDS[kind])]
    assert replies == []
    found = await advice.store.get_transcript(1)
    assert found is not None and found.tags == {"reviewed"}
    answers = [c for c in harness.bot_calls() if c["method"] == "answerCallbackQuery"]
    assert answers[-1]["params"].get("text") == "Tagged: Reviewed"
    updated = "✓ Reviewed" in lead.buttons()
    assert updated == (kind in ACTED)
    check_logs(logs, library)
    await lead.press(lead.buttons()[0])  # again: sets what the button says, then shows it
    found = await advice.store.get_transcript(1)
    assert found is not None and found.tags == (frozenset() if updated else {"reviewed"})
    assert ("✓ Reviewed" in lead.buttons()) != updated
