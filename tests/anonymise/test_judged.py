"""The redactor judged on messages it was never tuned on (tests/corpus/judged/, frozen).

The set was written by an evaluator who had not read the redactor's code, word lists or tuning
corpus. Nobody tunes on it: a failure here reports counts per kind, never the messages missed, so
that the fix is a rule for the class (tuned on tests/corpus/*.yaml), not for the example.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.anonymise import KINDS, redact
from tests.support.redaction import JUDGED_DIR, Evaluation, evaluate, load_corpus

TARGET = {"overall": 0.98, "names": 0.97, "hurried": 0.95}
"""Issue 17's targets on this set. Those not met yet (see BENCHMARKS.md) are strict expected
failures, so that meeting one fails the run until its mark is taken off."""
NOT_MET = {"overall", "hurried"}
FLOOR = {"overall": 0.977, "names": 0.978, "hurried": 0.948}
"""What the redactor scored on 2026-12-06, rounded down: a change that scores less is a
regression."""
MAX_FALSE_REMOVAL = 0.01
GUIDANCE_VOCABULARY = (
    "Children Act 2004",
    "Children Act 1989 section 47",
    "Care Act 2014",
    "UK GDPR and the Data Protection Act 2018",
    "Caldicott Guardian",
    "MASH",
    "CAMHS",
    "Early Help",
    "LADO",
    "MARAC",
    "designated safeguarding lead",
    "golden rule 4",
    "Working Together to Safeguard Children 2023",
    "Monday",
    "Friday",
    "March",
    "December",
    "a 14 year old",
    "3 times",
    "year 9",
    "NSPCC",
    "Childline",
)


def recall(evaluation: Evaluation) -> float:
    caught, labelled = sum(evaluation.caught.values()), sum(evaluation.labelled.values())
    return caught / labelled if labelled else 1.0


def counts(evaluation: Evaluation) -> str:
    """Per kind, caught of labelled: what a failure may say (never the messages)."""
    return ", ".join(
        f"{kind} {evaluation.caught[kind]}/{evaluation.labelled[kind]}"
        for kind in KINDS
        if evaluation.labelled[kind]
    )


@pytest.fixture(scope="module")
def judged() -> list[dict[str, Any]]:
    messages = load_corpus(JUDGED_DIR)
    assert len([m for m in messages if m["labels"]]) >= 300
    assert len([m for m in messages if not m["labels"]]) >= 100
    assert len([m for m in messages if m.get("hurried")]) >= 60
    return messages


@pytest.fixture(scope="module")
def scored(judged: list[dict[str, Any]]) -> Evaluation:
    return evaluate(judged)


@pytest.fixture(scope="module")
def recalls(judged: list[dict[str, Any]], scored: Evaluation) -> dict[str, float]:
    hurried = evaluate([m for m in judged if m.get("hurried")])
    return {"overall": recall(scored), "names": scored.recall("NAME"), "hurried": recall(hurried)}


@pytest.mark.parametrize("measure", sorted(FLOOR))
def test_no_regression_below_the_measured_floor(
    recalls: dict[str, float], scored: Evaluation, measure: str
) -> None:
    assert recalls[measure] >= FLOOR[measure], f"{recalls[measure]:.1%}; {counts(scored)}"


@pytest.mark.parametrize(
    "measure",
    [
        pytest.param(
            name,
            marks=[pytest.mark.xfail(strict=True, reason="issue 17: not met yet")]
            if name in NOT_MET
            else [],
        )
        for name in sorted(TARGET)
    ],
)
def test_the_target(recalls: dict[str, float], scored: Evaluation, measure: str) -> None:
    assert recalls[measure] >= TARGET[measure], f"{recalls[measure]:.1%}; {counts(scored)}"


def test_ordinary_words_are_kept(scored: Evaluation) -> None:
    assert scored.false_removal() <= MAX_FALSE_REMOVAL, (
        f"{scored.words_removed} of {scored.words} non-identifying words removed"
    )


@pytest.mark.parametrize("phrase", GUIDANCE_VOCABULARY)
def test_the_guidance_vocabulary_is_intact(phrase: str) -> None:
    text = f"Does {phrase} mean I have to share this?"
    assert redact(text).text == text
