"""The pure core: moves, back, records, the machine. No I/O (the tiny dialogue is given as text)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.content import validate
from states import (
    Library,
    Moved,
    State,
    Unrecognised,
    answer,
    back,
    decision_record,
    normalise,
    variant_text,
)
from tests.support.tiny import texts


@pytest.fixture(scope="module")
def library() -> Library:
    found, problems = validate(texts())
    assert problems == []
    assert found is not None
    return found


# ---- moving through a dialogue -------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "step"),
    [
        ("yes", "share"),
        ("Y", "share"),
        (" YEP! ", "share"),
        ("1", "share"),
        ("no", "second"),
        ("2", "second"),
        ("Not sure", "seek_advice"),
        ("not_sure", "seek_advice"),
        ("UNSURE.", "seek_advice"),
        ("3", "seek_advice"),
    ],
)
def test_typed_answers_are_recognised(library: Library, typed: str, step: str) -> None:
    dialogue = library["advice"]
    result = answer(dialogue, dialogue.start, typed)
    assert isinstance(result, Moved)
    assert result.state.step == step


@pytest.mark.parametrize("typed", ["", "maybe", "4", "0", "yes please", "not"])
def test_other_input_leaves_the_state_unchanged(library: Library, typed: str) -> None:
    dialogue = library["advice"]
    result = answer(dialogue, dialogue.start, typed)
    assert result == Unrecognised(dialogue.start, typed)


def test_an_outcome_takes_no_answers(library: Library) -> None:
    dialogue = library["advice"]
    assert isinstance(
        answer(dialogue, State("advice", "share", (("first", "yes"),)), "yes"), Unrecognised
    )


def test_answers_build_the_history_and_back_undoes_them(library: Library) -> None:
    dialogue = library["advice"]
    first = answer(dialogue, dialogue.start, "no")
    assert isinstance(first, Moved)
    second = answer(dialogue, first.state, "yes")
    assert isinstance(second, Moved)
    assert second.state == State("advice", "share", (("first", "no"), ("second", "yes")))
    assert back(second.state) == first.state
    assert back(back(second.state)) == dialogue.start
    assert back(dialogue.start) == dialogue.start


def test_knows_rejects_states_that_no_longer_fit_the_content(library: Library) -> None:
    dialogue = library["advice"]
    assert dialogue.knows(State("advice", "second", (("first", "no"),)))
    assert not dialogue.knows(State("advice", "second", (("first", "yes"),)))
    assert not dialogue.knows(State("advice", "gone", ()))
    assert not dialogue.knows(State("other", "first", ()))
    assert not dialogue.knows(State("advice", "share", (("first", "maybe"),)))


def test_the_decision_record_holds_reasons_and_answers_but_no_free_text(library: Library) -> None:
    dialogue = library["advice"]
    state = State("advice", "share", (("first", "no"), ("second", "yes")))
    record = decision_record(dialogue, state, date(2026, 11, 21))
    assert record.outcome == "share"
    assert record.reasons == ("It is not so.", "Really so.")
    assert record.answers == (("First question", "No"), ("Second question", "Yes"))
    assert record.rules == (6, 7)
    assert record.fields == ("What I shared",)
    assert record.content_version == "2026-11-21"


def test_variants_follow_earlier_answers(library: Library) -> None:
    dialogue = library["advice"]
    outcome = dialogue.content.outcomes["seek_advice"]
    unsure = State("advice", "seek_advice", (("first", "not_sure"),))
    other = State("advice", "seek_advice", (("first", "no"), ("second", "no")))
    assert variant_text(dialogue, outcome, unsure) == "You were unsure at the first question."
    assert variant_text(dialogue, outcome, other) is None


def test_one_machine_per_dialogue_and_no_models(library: Library) -> None:
    dialogue = library["advice"]
    assert dialogue.machine.models == []
    assert not dialogue.machine.auto_transitions
    assert set(dialogue.machine.states) == {"first", "second", "share", "seek_advice"}


@pytest.mark.parametrize(
    ("raw", "folded"),
    [("Not Sure.", "not sure"), ("not_sure", "not sure"), ("  don’t   know ", "don't know")],
)
def test_normalise(raw: str, folded: str) -> None:
    assert normalise(raw) == folded
