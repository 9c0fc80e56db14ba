"""/quiz, /cases and /flowchart through the real Application, and the pure parts behind them."""

from __future__ import annotations

from typing import Any

import pytest

from bot import render, training, words
from bot.content import load_library
from bot.content.limits import TRAINING_ID_BYTES, TRAINING_MAX_ITEMS
from bot.errors import StorageUnavailable
from bot.telegram import payloads
from bot.telegram.payloads import CasePress, QuizPress, Seal, Start
from bot.training import quiz_stats_blocks
from bot.transcripts.model import QuizStats
from states import Library, Quiz, case_states
from tests.support.chat import texts
from tests.support.offline import PSEUDONYMS, Harness, Practitioner


def data_of(user: Practitioner, label: str) -> str:
    rows = user.keyboard_message().payload["reply_markup"]["inline_keyboard"]
    return next(b["callback_data"] for row in rows for b in row if b["text"] == label)


def answers_given(harness: Harness) -> list[dict[str, Any]]:
    return [c for c in harness.world.calls if c["method"] == "answerCallbackQuery"]


# ---- quizzes through Telegram --------------------------------------------------------------


async def test_a_whole_quiz_scores_and_lists_the_rules_to_revisit(
    harness: Harness, library: Library
) -> None:
    quiz = library.quizzes["golden_rules"]
    user = harness.user()
    menu = await user.send("/quiz")
    assert "Quizzes: true or false?" in texts(menu)
    assert user.buttons() == [q.title for q in library.quizzes.values()]
    replies = await user.press(quiz.title)
    assert quiz.intro in texts(replies) and quiz.statements[0].text in texts(replies)
    assert user.buttons() == ["True", "False"]
    wrong = {"gut_instinct", "dpa_barrier"}  # answered the wrong way on purpose
    for index, statement in enumerate(quiz.statements):
        pressed = user.keyboard_message().payload["message_id"]
        said = statement.answer != (statement.id in wrong)
        replies = await user.press("True" if said else "False")
        said_text = texts(replies)
        verdict = "Right" if statement.id not in wrong else "Not quite"
        assert f"{verdict}: it is {training.truth(statement.answer)}." in said_text
        assert statement.explain in said_text
        assert render.cite(library, statement.source) in said_text  # readable, no file name
        assert ".txt" not in said_text
        assert user.message(pressed)["text"].endswith(f"Your answer: {'True' if said else 'False'}")
        if index + 1 < len(quiz.statements):
            assert quiz.statements[index + 1].text in said_text
    end = texts(replies)
    assert f"You got {len(quiz.statements) - 2} of {len(quiz.statements)} right." in end
    assert "To revisit" in end
    assert "“If you are in doubt about sharing, go with your gut instinct.” is false." in end
    assert "Golden rule 3 (When in doubt, ask)" in end and "/whotoask" in end
    assert "Golden rule 1 (Data protection is not a barrier)" in end and "/myths" in end
    assert "UK GDPR" in texts([m.payload for m in harness.world.bot_messages(user.id, 0)])
    assert "rule 7" not in end.split("To revisit")[1], "right answers are not listed"
    assert user.buttons() == ["Try again", "Other quizzes"]

    stats = await harness.services.store.quiz_stats()
    assert stats.takers == {"golden_rules": 1}
    assert sum(stats.answered.values()) == len(quiz.statements)
    assert {key[1] for key, n in stats.wrong.items() if n} == wrong


async def test_a_perfect_run_says_so(harness: Harness, library: Library) -> None:
    quiz = library.quizzes["confidentiality"]
    user = harness.user()
    await user.send("/quiz 3")
    for statement in quiz.statements:
        replies = await user.press("True" if statement.answer else "False")
    assert "Every answer matched the course. Well done." in texts(replies)
    assert "To revisit" not in texts(replies)


async def test_quiz_by_name_and_an_unknown_quiz_lists_them(harness: Harness) -> None:
    user = harness.user()
    assert "1 of 6: true or false?" in texts(await user.send("/quiz golden_rules"))
    assert "Quizzes: true or false?" in texts(await user.send("/quiz nonsense"))


async def test_forged_or_altered_quiz_buttons_are_refused_and_not_counted(
    harness: Harness,
) -> None:
    user = harness.user()
    await user.send("/quiz golden_rules")
    message = user.keyboard_message().payload["message_id"]
    genuine = data_of(user, "True")
    body, signature = genuine.rsplit(":", 1)
    forged = [
        f"{body}:{'A' * len(signature)}",  # a guessed signature
        body.replace(":0:t:", ":5:t:") + f":{signature}",  # jump ahead, keeping the signature
        body.replace(":0:t:0", ":0:t:3f") + f":{signature}",  # claim earlier mistakes
        "qa:nonsense:0:t:0:AAAAAAAA",
        "qs:nonsense",
        "qa:" + "x" * 61,
    ]
    for data in forged:
        replies = await user.forge(data, message)
        assert replies == []
        assert answers_given(harness)[-1]["params"].get("text") == words.NOT_THIS_BUTTON
    assert (await harness.services.store.quiz_stats()).answered == {}


async def test_a_button_sent_to_one_chat_does_not_work_in_another(harness: Harness) -> None:
    first, second = harness.user("Sam"), harness.user("Alex")
    await first.send("/quiz golden_rules")
    await second.send("/quiz golden_rules")
    stolen = data_of(first, "True")
    await second.forge(stolen, second.keyboard_message().payload["message_id"])
    assert answers_given(harness)[-1]["params"].get("text") == words.NOT_THIS_BUTTON


async def test_a_double_press_is_counted_once(harness: Harness) -> None:
    user = harness.user()
    await user.send("/quiz golden_rules")
    message = user.keyboard_message().payload["message_id"]
    data = data_of(user, "False")
    await user.forge(data, message)
    replies = await user.forge(data, message)
    assert replies == []
    assert answers_given(harness)[-1]["params"].get("text") == words.ALREADY
    assert sum((await harness.services.store.quiz_stats()).answered.values()) == 1


async def test_an_answer_that_cannot_be_saved_can_be_given_again(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = harness.services.store

    async def down(answer: object) -> None:
        raise StorageUnavailable("database is locked")

    user = harness.user()
    await user.send("/quiz golden_rules")
    monkeypatch.setattr(store, "record_quiz_answer", down)
    replies = await user.press("False")
    assert words.UNAVAILABLE in texts(replies)
    assert user.buttons() == ["True", "False"], "the statement is still waiting"
    monkeypatch.undo()
    replies = await user.press("False")
    assert "Right: it is false." in texts(replies)
    assert sum((await store.quiz_stats()).answered.values()) == 1


async def test_forget_deletes_quiz_answers_too(harness: Harness) -> None:
    store = harness.services.store
    user = harness.user()
    await user.send("/quiz golden_rules")
    await user.press("False")
    saved = await store.quiz_stats()
    assert saved.takers == {"golden_rules": 1}, "the answer was saved before /forget"
    assert sum(saved.answered.values()) == 1
    await user.send("/forget")
    await user.press("Yes, delete them")
    assert (await store.quiz_stats()).answered == {}
    assert (await store.quiz_stats()).takers == {}


# ---- case studies through Telegram ---------------------------------------------------------


@pytest.mark.parametrize("case_id", list(load_library(edition="hmg-2015").cases))
async def test_every_case_played_as_the_guidance_says(
    harness: Harness, library: Library, case_id: str
) -> None:
    case = library.cases[case_id]
    advice = library[case.dialogue]
    user = harness.user()
    await user.send("/cases")
    replies = await user.press(case.title)
    assert case.story in texts(replies)
    keys = [item for item in case.walk if item.key]
    for number, item in enumerate(keys, 1):
        question = advice.content.steps[item.step]
        assert f"Key question {number} of {len(keys)}: {question.short}" in texts(replies)
        assert user.buttons() == [a.label for a in question.answers]
        label = next(a.label for a in question.answers if a.id == item.answer)
        replies = await user.press(label)
        assert f"The guidance agrees: {label}." in texts(replies)
        assert (item.says or "") in texts(replies)
    end = texts(replies)
    outcome = advice.content.outcomes[case.outcome]
    assert f"Outcome: {outcome.title}" in end and outcome.decision in end
    for rule in outcome.rules:
        assert f"Rule {rule}: {library.reference.rules[rule].title}" in end
    assert case.lesson in end
    assert f"You matched the guidance at {len(keys)} of {len(keys)} key questions." in end
    assert user.buttons() == ["Next case »", "All cases"]
    assert harness.failed_calls() == []


async def test_a_case_answered_differently_shows_where_the_guidance_points(
    harness: Harness, library: Library
) -> None:
    case = library.cases["baby_failing_to_thrive"]
    user = harness.user()
    await user.send("/cases 1")
    await user.press("Yes")  # legitimate purpose: as the guidance says
    replies = await user.press("No")  # confidential: the guidance says yes
    said = texts(replies)
    assert "The guidance points to: Yes." in said
    assert "From the story:" in said and "Consent: Consent refused" in said
    replies = await user.press("Not sure")  # public interest: the guidance says yes
    assert "You matched the guidance at 1 of 3 key questions." in texts(replies)
    assert case.lesson in texts(replies)
    replies = await user.press("Next case »")
    assert library.cases["pupil_tells_counsellor"].story in texts(replies)


async def test_forged_case_buttons_are_refused(harness: Harness) -> None:
    user = harness.user()
    await user.send("/cases baby_failing_to_thrive")
    message = user.keyboard_message().payload["message_id"]
    body, signature = data_of(user, "Yes").rsplit(":", 1)
    for data in (f"{body[:-1]}1:{signature}", body.replace(":0:0:", ":2:0:") + f":{signature}"):
        assert await user.forge(data, message) == []
        assert answers_given(harness)[-1]["params"].get("text") == words.NOT_THIS_BUTTON


# ---- /flowchart and /help ------------------------------------------------------------------


async def test_flowchart_is_sent_as_a_photo(harness: Harness) -> None:
    user = harness.user()
    replies = await user.send("/flowchart")
    assert len(replies) == 1 and "photo" in replies[0]
    assert replies[0]["caption"] == words.FLOWCHART_CAPTION
    upload = next(c for c in harness.world.calls if c["method"] == "sendPhoto")
    assert upload["ok"]
    again = await user.send("/flowchart")
    assert "photo" in again[0], "drawn once, sent again"


async def test_help_lists_the_training_commands(harness: Harness) -> None:
    help_text = texts(await harness.user().send("/help"))
    for command in ("/quiz", "/cases", "/flowchart"):
        assert command in help_text


# ---- the pure parts: payloads and statistics -----------------------------------------------


def test_payloads_stay_within_64_bytes_at_their_longest(library: Library) -> None:
    seal = Seal(PSEUDONYMS.secret)
    chat = -(10**15)  # chat ids are signed; the longest does not change the payload length
    for quiz_id, quiz in library.quizzes.items():
        last = len(quiz.statements) - 1
        press = QuizPress(quiz_id, last, False, (1 << last) - 1)
        data = seal.quiz_button(chat, quiz, press)
        assert len(data.encode()) <= 64
        assert seal.open(data, chat, library) == press
    for case_id, case in library.cases.items():
        last = len(training.key_steps(case)) - 1
        case_press = CasePress(case_id, last, 3, (1 << last) - 1)
        assert len(seal.case_button(chat, library, case_press).encode()) <= 64
    # What the validator allows at most: the longest id, the most statements, all wrong.
    worst = f"qa:{'x' * TRAINING_ID_BYTES}:{TRAINING_MAX_ITEMS - 1}:f:{(1 << 39) - 1:x}:"
    assert len(worst.encode()) + payloads.SIGNATURE_CHARS <= 64


def test_a_content_edit_stops_old_buttons(library: Library) -> None:
    seal = Seal(PSEUDONYMS.secret)
    quiz = library.quizzes["golden_rules"]
    data = seal.quiz_button(7, quiz, QuizPress("golden_rules", 1, True, 0))
    edited = quiz.model_copy(update={"statements": tuple(reversed(quiz.statements))})
    changed = Library(
        library.reference, library.dialogues, {**library.quizzes, "golden_rules": edited}
    )
    assert seal.open(data, 7, library) is not None
    assert seal.open(data, 7, changed) is None
    assert Seal(b"another key").open(data, 7, library) is None


def test_menus_and_starts_need_no_signature(library: Library) -> None:
    seal = Seal(PSEUDONYMS.secret)
    assert seal.open("qm", 1, library) == Start("q")
    assert seal.open("cs:curious_parent", 1, library) == Start("c", "curious_parent")
    assert seal.open("cs:nobody", 1, library) is None


def test_case_states_end_at_the_stated_outcome(library: Library) -> None:
    for case in library.cases.values():
        states = case_states(library[case.dialogue], case)
        assert len(states) == len(case.walk) + 1
        assert states[-1].step == case.outcome


def quizzes(library: Library) -> dict[str, Quiz]:
    return dict(library.quizzes)


def test_quiz_stats_blocks_show_takers_and_the_hardest_statements(library: Library) -> None:
    stats = QuizStats(
        takers={"golden_rules": 3, "why_share": 1},
        answered={
            ("golden_rules", "dpa_barrier"): 4,
            ("golden_rules", "gut_instinct"): 4,
            ("golden_rules", "tell_people"): 3,
            ("why_share", "success_depends"): 1,
            ("golden_rules", "retired_statement"): 2,
        },
        wrong={
            ("golden_rules", "dpa_barrier"): 3,
            ("golden_rules", "gut_instinct"): 1,
            ("golden_rules", "retired_statement"): 2,
        },
    )
    blocks = quiz_stats_blocks(stats, quizzes(library))
    plain = [b for b in blocks if hasattr(b, "items")]
    takers, hardest = plain[0].items, plain[1].items  # type: ignore[attr-defined]
    assert "The seven golden rules: 3 people, 13 answers, 54% right" in takers
    assert "Why information sharing is important: 1 person, 1 answer, 100% right" in takers
    assert "Confidentiality and the public interest: not taken" in takers
    assert hardest[0].startswith("100% wrong (2 of 2): golden_rules / retired_statement")
    assert hardest[1].startswith("75% wrong (3 of 4): “The Data Protection Act is a barrier")
    assert hardest[2].startswith("25% wrong (1 of 4): “If you are in doubt")
    assert len(hardest) == 3, "statements nobody got wrong are not listed"


def test_quiz_stats_blocks_with_no_answers(library: Library) -> None:
    blocks = quiz_stats_blocks(QuizStats({}, {}, {}), quizzes(library))
    assert [getattr(b, "text", None) for b in blocks] == [
        "Quizzes",
        "No quiz answers in this period.",
    ]
