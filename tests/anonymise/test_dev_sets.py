"""The development sets (tests/corpus/dev/): written by independent writers who had not read the
redactor, and tuned on. Not the judge (that is tests/corpus/judged/); a floor at what the redactor
scored on 2026-12-06, so that a change to the rules cannot quietly lose what they caught."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.redaction import CORPUS_DIR, Evaluation, evaluate, load_corpus

FLOOR = {"overall": 0.981, "names": 0.985, "hurried": 0.970}
MAX_FALSE_REMOVAL = 0.01


def recall(evaluation: Evaluation) -> float:
    return sum(evaluation.caught.values()) / sum(evaluation.labelled.values())


@pytest.fixture(scope="module")
def messages() -> list[dict[str, Any]]:
    found = load_corpus(CORPUS_DIR / "dev")
    assert len(found) >= 1000
    return found


@pytest.fixture(scope="module")
def scored(messages: list[dict[str, Any]]) -> dict[str, float]:
    whole = evaluate(messages)
    hurried = evaluate([m for m in messages if m.get("hurried")])
    return {
        "overall": recall(whole),
        "names": whole.recall("NAME"),
        "hurried": recall(hurried),
        "removed": whole.false_removal(),
    }


@pytest.mark.parametrize("measure", sorted(FLOOR))
def test_recall_stays_above_the_floor(scored: dict[str, float], measure: str) -> None:
    assert scored[measure] >= FLOOR[measure], f"{measure}: {scored[measure]:.1%}"


def test_ordinary_words_are_kept(scored: dict[str, float]) -> None:
    assert scored["removed"] <= MAX_FALSE_REMOVAL, f"{scored['removed']:.2%}"
