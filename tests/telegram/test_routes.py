"""Routing presses (bot/telegram/routes.py): every payload format the bot sends belongs to exactly
one feature by `payloads.PATTERNS`, and a payload it never sent is answered as forged, once."""

from __future__ import annotations

import re
from datetime import date

import pytest

from bot import words
from bot.alerts import HELPED
from bot.content import load_library
from bot.outcome import PARTS
from bot.telegram.payloads import (
    PATTERNS,
    CasePress,
    ChooseOrganisation,
    DecisionAction,
    Forget,
    ListView,
    OpenRequest,
    PartPress,
    Press,
    QuizPress,
    Seal,
    Start,
    TagPress,
    decode,
)
from bot.training import key_steps
from states import paths, positions
from tests.support.chat import started
from tests.support.offline import Harness

LIBRARY = load_library(edition="hmg-2015")
SEAL = Seal(b"test-only-routes-seal")
CHAT = 424242
CONVERSATION = "AbCd-_12"
MINUTE = 29_000_000


def sent_payloads() -> list[tuple[str, str]]:
    """(feature, payload) for every format the bot sends, built with its own encoders."""
    sent = [
        ("advice", Press("answer", CONVERSATION, 1, "yes").encode()),
        ("advice", Press("explain", CONVERSATION, 2).encode()),
        ("advice", Press("back", CONVERSATION, 3).encode()),
        ("advice", Press("new", CONVERSATION, 4).encode()),
        ("forget", Forget(True, MINUTE).encode()),
        ("forget", Forget(False, MINUTE).encode()),
        ("leads", ListView().encode()),
        ("leads", ListView(30, 2, 7, 3, "30d", "p-0123456789ab").encode()),
        (
            "leads",
            ListView(9_999_990, 11, 7, 3, "2026-10-01..2026-11-15", "p-0123456789ab", "o").encode(),
        ),
        ("leads", ListView(menu="t").encode()),
        ("leads", TagPress("42", 0, True).encode()),
        ("leads", TagPress("42", 3, False).encode()),
        ("training", Start("q").encode()),
        ("training", Start("c").encode()),
    ]
    dialogue = LIBRARY["advice"]
    finals = sorted(paths(dialogue), key=lambda state: len(state.history))
    for final in (finals[0], finals[-1]):  # the longest path's places make the longest payload
        actions: list[tuple[str, tuple[DecisionAction, ...]]] = [
            ("outcome", PARTS),
            ("contact", ("ask", "confirm", "cancel")),
            ("feedback", HELPED),
        ]
        for feature, names in actions:
            for name in names:
                places = positions(dialogue, final)
                press = PartPress(name, CONVERSATION, places, date(2026, 12, 6))
                sent.append((feature, SEAL.part_button(CHAT, dialogue, press)))
    sent += [("requests", OpenRequest(1).encode()), ("requests", OpenRequest(10**12 - 1).encode())]
    sent += [("contact", SEAL.withdraw_button(CHAT, n)) for n in (1, 10**12 - 1)]
    sent += [("organisations", ChooseOrganisation(o).encode()) for o in ("a", "z" * 40)]
    for quiz_id, quiz in LIBRARY.quizzes.items():
        last = len(quiz.statements) - 1
        sent += [
            ("training", Start("q", quiz_id).encode()),
            ("training", SEAL.quiz_button(CHAT, quiz, QuizPress(quiz_id, 0, True, 0))),
            (
                "training",
                SEAL.quiz_button(CHAT, quiz, QuizPress(quiz_id, last, False, (1 << last) - 1)),
            ),
        ]
    for case_id, case in LIBRARY.cases.items():
        last = len(key_steps(case)) - 1
        sent += [
            ("training", Start("c", case_id).encode()),
            ("training", SEAL.case_button(CHAT, LIBRARY, CasePress(case_id, 0, 0, 0))),
            (
                "training",
                SEAL.case_button(CHAT, LIBRARY, CasePress(case_id, last, 1, (1 << last) - 1)),
            ),
        ]
    return sent


SENT = sent_payloads()


def accepted_by(feature: str, data: str) -> bool:
    """Whether `feature`'s own decoder takes `data` (so the payloads above are real ones)."""
    if feature == "advice":
        return decode(data) is not None
    if feature == "forget":
        return Forget.decode(data) is not None
    if feature == "leads":
        return ListView.decode(data) is not None or TagPress.decode(data) is not None
    if feature == "contact" and data.startswith("W:"):
        return SEAL.open_withdraw(data, CHAT) is not None
    if feature in ("outcome", "contact", "feedback"):
        return SEAL.open_part(data, CHAT, LIBRARY["advice"]) is not None
    if feature == "requests":
        return OpenRequest.decode(data) is not None
    if feature == "organisations":
        return ChooseOrganisation.decode(data) is not None
    return SEAL.open(data, CHAT, LIBRARY) is not None


def test_the_payloads_cover_every_feature_with_presses() -> None:
    assert {feature for feature, _ in SENT} == set(PATTERNS)
    assert {"qm", "cm"} <= {data for _, data in SENT}


@pytest.mark.parametrize(("feature", "data"), SENT, ids=[data for _, data in SENT])
def test_every_payload_sent_matches_exactly_its_features_pattern(feature: str, data: str) -> None:
    assert accepted_by(feature, data)
    # CallbackQueryHandler routes with re.match, in the order routes.register adds them.
    matched = [name for name, pattern in PATTERNS.items() if re.match(pattern, data)]
    assert matched == [feature]


@pytest.mark.parametrize("data", ["zz", "", "L:x", "q", "F:maybe"])
async def test_a_forged_payload_gets_one_not_this_button_answer_and_nothing_else(
    harness: Harness, data: str
) -> None:
    user = await started(harness)
    message = user.keyboard_message().payload["message_id"]
    before = await harness.services.store.load(user.id)
    calls = len(harness.world.calls)
    replies = await user.forge(data, message)
    made = harness.bot_calls(calls)
    assert [(c["method"], c["params"].get("text")) for c in made] == [
        ("answerCallbackQuery", words.NOT_THIS_BUTTON)
    ]
    assert made[0]["ok"]
    assert replies == []
    assert await harness.services.store.load(user.id) == before


def test_a_withdraw_button_is_this_chats_and_unchanged() -> None:
    """It names a request and holds for this chat whatever the content becomes; altered, or
    pressed in another chat, it is nobody's."""
    data = SEAL.withdraw_button(CHAT, 42)
    assert SEAL.open_withdraw(data, CHAT) == 42
    assert SEAL.open_withdraw(data, CHAT + 1) is None
    assert SEAL.open_withdraw(data.replace("W:42", "W:43"), CHAT) is None
    assert SEAL.open_withdraw("W:42", CHAT) is None
