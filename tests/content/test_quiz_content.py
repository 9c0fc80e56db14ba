"""The quizzes and case studies: faithful to the guidance, and validated like the rest.

The content tests read the guidance texts themselves: every quiz statement must be one of the
course's true/false statements with the course's answer, and every answer (quiz or case) must
rest on words that are really in the file and section it cites.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest

from bot.anonymise import redact
from bot.content import load_library, validate
from states import Library, case_states
from tests.support.guidance import GUIDANCE
from tests.support.tiny import texts

COURSE = GUIDANCE / "003_2ef930efaaba0395.txt"
FILE = re.compile(r"\b(\d{3}_[0-9a-f]{16}\.txt|README\.md)\b")


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library(edition="hmg-2015")


def folded(text: str) -> str:
    """Compare guidance and content regardless of typography, slide markup and spacing."""
    for old, new in {"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"}.items():
        text = text.replace(old, new)
    text = re.sub(r"\*\*|~~|[⦿⊙◎①②③]", " ", text)
    return " ".join(text.casefold().split())


def words(text: str) -> str:
    """Folded, with '&' as 'and' and punctuation dropped: for matching statements."""
    return " ".join(re.sub(r"[^\w' ]", " ", folded(text).replace("&", " and ")).split())


def cited(source: str) -> list[tuple[Path, str | None]]:
    """(file, section heading or None) for every part of a `source:` line."""
    found: list[tuple[Path, str | None]] = []
    current: Path | None = None
    for part in source.split(";"):
        named = FILE.search(part)
        if named:
            current = GUIDANCE / named[1]
        assert current is not None, f"{source!r} names no guidance file first"
        heading = part.split(":", 1)[1] if named and ":" in part else None if named else part
        if heading is not None:
            heading = re.sub(r"\(.*?\)", "", heading)
            heading = re.sub(r"^\s*(Module \d|Flowchart),\s*", "", heading).strip()
        found.append((current, heading or None))
    return found


def assert_cited(quote: str, source: str) -> None:
    """The source names one guidance file, the quote is in it, and every cited section exists.

    One file, not several: a quote found in some other file than the one a reader checks
    would not show them where the answer comes from.
    """
    parts = cited(source)
    files = {path for path, _ in parts}
    assert len(files) == 1, f"{source!r}: a quote's source names one guidance file"
    (path,) = files
    assert path.exists(), f"{source!r}: no guidance file {path.name}"
    text = folded(path.read_text(encoding="utf-8"))
    for _, heading in parts:
        if heading is not None:
            assert folded(heading) in text, f"{source!r}: no section {heading!r} in {path.name}"
    assert folded(quote) in text, f"not in {path.name}: {quote!r}"


def course_quiz_answers() -> list[tuple[str, bool]]:
    """Every statement on the course's quiz answer slides, with the course's answer.

    On an answer slide (after "Show Answer"), a struck-out statement (~~...~~) or one marked
    FALSE is false; a bold one, or one marked TRUE, is true.
    """
    answers: list[tuple[str, bool]] = []
    for slide in COURSE.read_text(encoding="utf-8").split("Show Answer")[1:]:
        lines = [line.strip() for line in slide.strip().splitlines()]
        assert lines[0].startswith("QUIZ"), lines[0]
        for line in lines[1:]:
            if line.isupper() and len(line) > 3 and not line.startswith("QUIZ"):
                break  # the next slide
            if not line.startswith("- "):
                continue
            false = "~~" in line or line.rstrip("*").endswith("FALSE")
            text = re.sub(r"\s*\b(TRUE|FALSE)\b\W*$", "", line[2:])
            answers.append((re.sub(r"\*\*|~~|⦿", "", text).strip(), not false))
    return answers


# ---- quizzes -------------------------------------------------------------------------------


def test_the_course_has_twenty_true_false_statements() -> None:
    answers = course_quiz_answers()
    assert len(answers) == 20
    assert ("Your local IT Helpdesk", False) in answers
    assert (
        "Sharing information without consent is justified to prevent significant harm.",
        True,
    ) in answers


def closeness(course: str, ours: str) -> float:
    """1 when the course's words are all in our statement, else how alike the two are."""
    return 1.0 if course in ours else difflib.SequenceMatcher(None, course, ours).ratio()


def test_every_course_statement_is_in_a_quiz_with_the_course_answer(library: Library) -> None:
    ours = [(words(s.text), s.answer) for q in library.quizzes.values() for s in q.statements]
    for text, answer in course_quiz_answers():
        score, given = max((closeness(words(text), mine), given) for mine, given in ours)
        assert score > 0.85, f"not in any quiz: {text!r}"
        assert given == answer, f"{text!r}: the course says {answer}"


def test_no_quiz_statement_is_invented(library: Library) -> None:
    theirs = [words(text) for text, _ in course_quiz_answers()]
    for quiz in library.quizzes.values():
        for statement in quiz.statements:
            mine = words(statement.text)
            best = max(closeness(t, mine) for t in theirs)
            assert best > 0.85, f"{statement.id} is not one of the course's statements"


def test_every_quiz_answer_rests_on_words_in_the_cited_guidance(library: Library) -> None:
    for quiz in library.quizzes.values():
        for statement in quiz.statements:
            assert_cited(statement.quote, statement.source)
        for path, heading in cited(quiz.source):
            assert heading is None or folded(heading) in folded(path.read_text(encoding="utf-8"))


def test_a_statement_naming_the_1998_act_says_what_replaced_it(library: Library) -> None:
    named = [
        s
        for q in library.quizzes.values()
        for s in q.statements
        if "data protection act" in s.text.casefold()
    ]
    assert named, "the course's quiz names the Data Protection Act"
    for statement in named:
        assert statement.law_note is not None
        assert "UK GDPR" in statement.law_note and "Data Protection Act 2018" in statement.law_note


def test_every_wrong_answer_has_rules_to_revisit(library: Library) -> None:
    for quiz in library.quizzes.values():
        for statement in quiz.statements:
            assert statement.rules and all(1 <= n <= 7 for n in statement.rules)


# ---- case studies --------------------------------------------------------------------------


def test_at_least_ten_cases_covering_every_outcome(library: Library) -> None:
    advice = library["advice"]
    assert len(library.cases) >= 10
    reached = {case_states(advice, case)[-1].step for case in library.cases.values()}
    assert reached == set(advice.content.outcomes)
    assert {case.outcome for case in library.cases.values()} == reached


def test_the_course_examples_are_cases(library: Library) -> None:
    def walked(case_id: str) -> dict[str, str]:
        return {item.step: item.answer for item in library.cases[case_id].walk}

    baby = library.cases["baby_failing_to_thrive"]
    assert "failing to thrive" in baby.story and "refuse consent" in baby.story
    assert walked("baby_failing_to_thrive")["consent"] == "refused"
    assert baby.outcome == "share_without_consent"
    pupil = library.cases["pupil_tells_counsellor"]
    assert "counselling session" in pupil.story and "drugs" in pupil.story
    assert walked("pupil_tells_counsellor")["confidential"] == "yes"


def test_every_key_question_rests_on_words_in_the_cited_guidance(library: Library) -> None:
    for case_id, case in library.cases.items():
        keys = [item for item in case.walk if item.key]
        assert keys, case_id
        for item in keys:
            assert item.quote is not None and item.source is not None
            assert_cited(item.quote, item.source)
        for path, heading in cited(case.source):
            assert heading is None or folded(heading) in folded(path.read_text(encoding="utf-8"))


def test_cases_and_quizzes_name_nobody(library: Library) -> None:
    """The redactor finds no name, place, date or number in any of the training texts."""
    found = {}
    for case_id, case in library.cases.items():
        for text in (case.title, case.story, case.lesson, *(i.says or "" for i in case.walk)):
            if redact(text).kinds:
                found[case_id] = redact(text).kinds
    for quiz in library.quizzes.values():
        for statement in quiz.statements:
            for text in (statement.text, statement.explain):
                if redact(text).kinds:
                    found[statement.id] = redact(text).kinds
    assert found == {}


# ---- validation: one broken file per kind of problem ---------------------------------------

QUIZ = """\
kind: quizzes
quizzes:
  basics:
    title: Basics
    intro: A short quiz.
    source: 003.txt
    statements:
      - {id: one, text: It is so., answer: true, explain: Because., quote: so, source: 003.txt,
         rules: [4], topic: consent}
      - {id: two, text: It is not., answer: false, explain: Because not., quote: not,
         source: 003.txt, rules: [3]}
"""

CASES = """\
kind: cases
cases:
  simple:
    title: A simple case
    story: Someone is worried.
    walk:
      - {step: first, answer: "no"}
      - {step: second, answer: "yes", says: Yes it is., quote: it is, source: 003.txt}
    outcome: share
    lesson: Share it.
    source: 003.txt
"""


def with_training(quiz: str = QUIZ, cases: str = CASES) -> dict[str, str]:
    return {**texts(), "quiz.yaml": quiz, "cases.yaml": cases}


def test_valid_quiz_and_case_files_load() -> None:
    library, problems = validate(with_training())
    assert problems == []
    assert library is not None
    assert [s.id for s in library.quizzes["basics"].statements] == ["one", "two"]
    assert library.cases["simple"].outcome == "share"


BROKEN = [
    pytest.param(
        {"quiz": QUIZ.replace("rules: [4]", "rules: [9]")},
        "quiz.yaml: basics.one: rule 9 does not exist (rules are 1 to 7)",
        id="unknown-rule",
    ),
    pytest.param(
        {"quiz": QUIZ.replace("id: two", "id: one")},
        "quiz.yaml: basics.one: statement id 'one' appears twice",
        id="duplicate-statement",
    ),
    pytest.param(
        {"quiz": QUIZ.replace("topic: consent", "topic: consnet")},
        "quiz.yaml: basics.one: topic 'consnet' is not in the reference file",
        id="unknown-topic",
    ),
    pytest.param(
        {"quiz": QUIZ.replace("explain: Because.,", 'explain: "Because.\\nAnd more.",')},
        "quiz.yaml: basics.one: explain: must be one line (no line breaks)",
        id="two-line-explanation",
    ),
    pytest.param(
        {"quiz": QUIZ.replace("explain: Because.,", f"explain: {'x' * 301},")},
        "quiz.yaml: basics.one: explain: is 301 characters; keep it to one line of at most 300",
        id="long-explanation",
    ),
    pytest.param(
        {"quiz": QUIZ.replace("text: It is so.", f"text: {'x' * 4100}")},
        "quiz.yaml: basics: statements.0.text: text is 4100 characters; Telegram allows 4096",
        id="over-telegram-limit",
    ),
    pytest.param(
        {"quiz": QUIZ.replace("  basics:", "  " + "b" * 25 + ":")},
        f"quiz.yaml: {'b' * 25}: quiz id is 25 bytes; Telegram button data allows 24",
        id="callback-budget",
    ),
    pytest.param(
        {"quiz": QUIZ.replace("title: Basics", f"title: {'T' * 61}")},
        "quiz.yaml: basics: title is 61 characters; a button shows 60 at most",
        id="long-title",
    ),
    pytest.param(
        {
            "quiz": QUIZ
            + "".join(
                f"      - {{id: s{n}, text: T., answer: true, explain: E., quote: q, "
                "source: 003.txt, rules: [1]}\n"
                for n in range(40)
            )
        },
        "quiz.yaml: basics: has 42 statements; a quiz can have 40",
        id="too-many-statements",
    ),
    pytest.param(
        {"quiz": QUIZ.replace("answer: true", 'answer: "yes"')},
        "quiz.yaml: basics: statements.0.answer: Input should be a valid boolean",
        id="answer-not-true-or-false",
    ),
    pytest.param(
        {"cases": CASES.replace("{step: second,", "{step: third,")},
        "cases.yaml: simple.walk 2 (third): the dialogue is at 'second' here, not 'third'",
        id="walk-off-the-dialogue",
    ),
    pytest.param(
        {"cases": CASES.replace('answer: "yes", says', "answer: maybe, says")},
        "cases.yaml: simple.walk 2 (second): 'maybe' is not an answer of 'second' "
        "(answers: yes, no)",
        id="not-an-answer",
    ),
    pytest.param(
        {"cases": CASES.replace("outcome: share", "outcome: seek_advice")},
        "cases.yaml: simple: the walk ends at 'share', not at its outcome 'seek_advice'",
        id="wrong-outcome",
    ),
    pytest.param(
        {"cases": CASES.replace('{step: first, answer: "no"}', '{step: first, answer: "yes"}')},
        "cases.yaml: simple.walk 2 (second): the walk has already reached the outcome 'share' here",
        id="walk-past-the-outcome",
    ),
    pytest.param(
        {"cases": CASES.replace("outcome: share", "outcome: shar")},
        "cases.yaml: simple: outcome 'shar' is not an outcome of the dialogue",
        id="unknown-outcome",
    ),
    pytest.param(
        {"cases": CASES.replace(", quote: it is, source: 003.txt}", "}")},
        "cases.yaml: simple.walk 2 (second): a key question ('says') needs 'quote' and "
        "'source' too",
        id="key-question-without-quote",
    ),
    pytest.param(
        {"cases": CASES.replace(", says: Yes it is., quote: it is, source: 003.txt}", "}")},
        "cases.yaml: simple: needs at least one key question (an answer with 'says')",
        id="no-key-question",
    ),
    pytest.param(
        {
            "cases": CASES.replace(
                "    source: 003.txt\n", "    source: 003.txt\n    dialogue: nope\n"
            )
        },
        "cases.yaml: simple: dialogue 'nope' does not exist",
        id="unknown-dialogue",
    ),
]


@pytest.mark.parametrize(("change", "expected"), BROKEN)
def test_a_broken_quiz_or_case_is_reported_as_file_step_message(
    change: dict[str, str], expected: str
) -> None:
    library, problems = validate(with_training(**change))
    assert library is None, "broken training content must not load"
    assert expected in problems, problems


def test_a_quiz_id_used_in_two_files_is_reported() -> None:
    files = {**with_training(), "more.yaml": QUIZ}
    library, problems = validate(files)
    assert library is None
    assert "more.yaml: basics: quiz id 'basics' is also used in quiz.yaml" in problems


def test_an_unknown_kind_names_the_kinds() -> None:
    _, problems = validate({**texts(), "x.yaml": "kind: quiz\n"})
    assert (
        "x.yaml: (file): kind: must be 'dialogue', 'reference', 'quizzes', 'cases', 'sources' or "
        "'nations'" in problems
    )
