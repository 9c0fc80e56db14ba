"""The validator: every kind of problem in dialogue text, reported as `file: step: message`, all
at once. Pure: the files are given as text (tests/support/tiny.py)."""

from __future__ import annotations

import pytest

from bot.content import validate
from tests.support.tiny import ADVICE, REFERENCE, texts


def problems_for(**changes: str) -> list[str]:
    library, problems = validate(texts(**changes))
    assert library is None, "a broken dialogue must not load"
    return problems


# ---- validation: one broken dialogue per kind of error -------------------------------------

MORE_ANSWERS = "".join(
    f'\n      - {{id: extra{n}, label: "Extra {n}", next: share, record: "Extra."}}'
    for n in range(9)
)
"""Nine more answers for the first question (which has three): twelve in all."""

BROKEN = [
    pytest.param(
        {
            "advice": ADVICE.replace(
                'next: seek_advice, record: "Unsure."}',
                'next: seek_advice, record: "Unsure."}' + MORE_ANSWERS,
                1,
            )
        },
        "advice.yaml: first: has 12 answers; a question can have 10 at most",
        id="too-many-answers",
    ),
    pytest.param(
        {"advice": ADVICE.replace("next: second", "next: secnd")},
        "advice.yaml: first: answer 'no' leads to unknown step 'secnd'",
        id="unknown-target",
    ),
    pytest.param(
        {
            "advice": ADVICE.replace(
                '{id: "no", label: "No", next: second, record: "It is not so."}',
                '{id: "no", label: "No", next: share, record: "It is not so."}',
            )
        },
        "advice.yaml: second: cannot be reached from the start",
        id="unreachable",
    ),
    pytest.param(
        {
            "advice": ADVICE.replace(
                'next: share, record: "Really so."', 'next: first, record: "R."'
            )
            .replace('next: seek_advice, record: "Not really."', 'next: second, record: "N."')
            .replace(
                '{id: not_sure, label: "Not sure", next: seek_advice, record: "Unsure."}',
                '{id: not_sure, label: "Not sure", next: second, record: "Unsure."}',
            )
            .replace('next: share, record: "It is so."', 'next: second, record: "It is so."')
        },
        "advice.yaml: first: has no way out: no outcome can be reached from it",
        id="dead-end",
    ),
    pytest.param(
        {
            "advice": ADVICE.replace(
                '{id: "no", label: "No", next: second', '{id: "yes", label: "No", next: second'
            )
        },
        "advice.yaml: first: answer 'yes' appears twice",
        id="duplicate-answer",
    ),
    pytest.param(
        {"advice": ADVICE.replace("rules: [3]", "rules: []")},
        "advice.yaml: seek_advice: rules: Tuple should have at least 1 item",
        id="outcome-without-rules",
    ),
    pytest.param(
        {"advice": ADVICE.replace("rules: [6, 7]", "rules: [6, 7, 9]")},
        "advice.yaml: share: rule 9 does not exist (rules are 1 to 7)",
        id="unknown-rule",
    ),
    pytest.param(
        {"advice": ADVICE.replace("explain: It means this.", "explain: " + "x" * 4097)},
        "advice.yaml: first: explain: text is 4097 characters; Telegram allows 4096",
        id="text-too-long",
    ),
    pytest.param(
        {"advice": ADVICE.replace("id: not_sure, label", "id: " + "n" * 41 + ", label")},
        f"advice.yaml: first: answer id '{'n' * 41}' is 41 bytes; Telegram button data allows 40",
        id="answer-id-too-long",
    ),
    pytest.param(
        {
            "advice": ADVICE.replace(
                "short: First question", "short: First question\n    colour: red"
            )
        },
        "advice.yaml: first: colour: Extra inputs are not permitted",
        id="unknown-key",
    ),
    pytest.param(
        {
            "advice": ADVICE.replace(
                '{id: "yes", label: "Yes", next: share, record: "It is so."}',
                '{id: yes, label: "Yes", next: share, record: "It is so."}',
            )
        },
        "advice.yaml: first: answers.0.id: Input should be a valid string (YAML reads yes/no/on/off"
        ' as true/false: put the word in quotes, "yes")',
        id="unquoted-yes",
    ),
    pytest.param(
        {"advice": ADVICE.replace("intro: Hello.", "intro: Hello.\nintro: Again.")},
        "advice.yaml: line 6: key 'intro' appears twice in the same place",
        id="duplicate-key",
    ),
    pytest.param(
        {"advice": ADVICE.replace("start: first", "start: [first")},
        "advice.yaml: line 7: is not valid YAML",
        id="bad-yaml",
    ),
    pytest.param(
        {"advice": ADVICE.replace("checklist: share_appropriately", "checklist: nope")},
        "advice.yaml: share: checklist 'nope' is not in the reference file",
        id="unknown-checklist",
    ),
    pytest.param(
        {"advice": ADVICE.replace("{not_sure: You were", "{maybe: You were")},
        "advice.yaml: seek_advice: variants.text: 'maybe' is not an answer of those steps",
        id="unknown-variant",
    ),
    pytest.param(
        {"advice": ADVICE.replace("rules: [6, 7]", "rules: [6]")},
        "advice.yaml: share: a decision to share or not to share must cite rule 7",
        id="share-without-rule-7",
    ),
    pytest.param(
        {"advice": ADVICE.replace("start: first", "start: share")},
        "advice.yaml: (file): start: 'share' is not a step",
        id="start-not-a-step",
    ),
    pytest.param(
        {"advice": ADVICE.replace('aliases: {"yes": [y, yep]', 'aliases: {"yes": [y, yep, "no"]')},
        "advice.yaml: first: typing 'no' would match both 'yes' and 'no'",
        id="ambiguous-alias",
    ),
    pytest.param(
        {"reference": REFERENCE.replace("  7: {title: Rule 7", "  8: {title: Rule 7")},
        "reference.yaml: rules: must be the seven golden rules, numbered 1 to 7",
        id="rules-not-1-to-7",
    ),
    pytest.param(
        {"reference": REFERENCE.replace("kind: reference", "kind: dialogue")},
        "dialogues: (folder): needs one reference file, found 0",
        id="no-reference",
    ),
]


@pytest.mark.parametrize(("changes", "expected"), BROKEN)
def test_each_kind_of_problem_is_reported_as_file_step_message(
    changes: dict[str, str], expected: str
) -> None:
    problems = problems_for(**changes)
    assert any(p.startswith(expected) for p in problems), problems


def test_every_problem_is_reported_at_once() -> None:
    broken = ADVICE.replace("next: second", "next: nowhere").replace("rules: [3]", "rules: [3, 12]")
    problems = problems_for(advice=broken)
    assert "advice.yaml: first: answer 'no' leads to unknown step 'nowhere'" in problems
    assert "advice.yaml: seek_advice: rule 12 does not exist (rules are 1 to 7)" in problems
    assert "advice.yaml: second: cannot be reached from the start" in problems


def test_the_tiny_dialogue_is_valid() -> None:
    library, problems = validate(texts())
    assert problems == [] and library is not None
    assert set(library.dialogues) == {"advice"}
