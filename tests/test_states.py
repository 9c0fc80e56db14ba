"""The pure core: moves, back, records, the machine. No I/O (the tiny dialogue is given as text)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.content import validate
from states import (
    Dialogue,
    Library,
    Moved,
    State,
    Unrecognised,
    Unsure,
    answer,
    back,
    citations,
    decision_record,
    normalise,
    offered,
    paths,
    variant_text,
    wording,
)
from tests.support.tiny import BRANCHED, texts


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


# ---- paths that differ: answers offered by `when`, wording by `versions`, Not-sure notes ------


@pytest.fixture(scope="module")
def branched() -> Dialogue:
    found, problems = validate(texts(advice=BRANCHED))
    assert problems == [] and found is not None
    return found["advice"]


def at_second(dialogue: Dialogue, first: str) -> State:
    moved = answer(dialogue, dialogue.start, first)
    assert isinstance(moved, Moved) and moved.state.step == "second"
    return moved.state


def test_an_answer_with_when_is_offered_only_on_its_path(branched: Dialogue) -> None:
    after_yes, after_no = at_second(branched, "yes"), at_second(branched, "no")
    assert [a.id for a in offered(branched, after_yes)] == ["yes", "no", "not_sure"]
    assert [a.id for a in offered(branched, after_no)] == ["yes", "no", "later", "not_sure"]
    assert isinstance(answer(branched, after_yes, "later"), Unrecognised)
    assert isinstance(answer(branched, after_no, "later"), Moved)


def test_a_typed_number_is_the_position_among_the_answers_shown(branched: Dialogue) -> None:
    assert isinstance(answer(branched, at_second(branched, "yes"), "3"), Unsure)  # Not sure
    moved = answer(branched, at_second(branched, "no"), "3")
    assert isinstance(moved, Moved) and moved.state.history[-1] == ("second", "later")
    assert isinstance(answer(branched, at_second(branched, "yes"), "4"), Unrecognised)


def test_not_sure_at_a_question_with_a_note_shows_it_and_stays(branched: Dialogue) -> None:
    here = at_second(branched, "yes")
    result = answer(branched, here, "not sure")
    assert result == Unsure(here, "Check with your lead, then answer.")
    after = answer(branched, here, "Yes")  # answered once they have checked
    assert isinstance(after, Moved) and after.state.step == "share"


@pytest.mark.parametrize("how", ["stop", "Stop here.", "pressed"])
def test_stopping_at_a_note_gives_the_seek_advice_outcome(branched: Dialogue, how: str) -> None:
    here = at_second(branched, "yes")
    result = (
        answer(branched, here, "not_sure", stop=True)
        if how == "pressed"
        else answer(branched, here, how)
    )
    assert isinstance(result, Moved)
    assert result.state.step == "seek_advice"
    assert result.state.history[-1] == ("second", "not_sure")


def test_stop_means_nothing_where_there_is_no_note(branched: Dialogue) -> None:
    assert isinstance(answer(branched, branched.start, "stop"), Unrecognised)
    moved = answer(branched, branched.start, "not sure")  # no note at the first question
    assert isinstance(moved, Moved) and moved.state.step == "seek_advice"


def test_wording_follows_the_earlier_answer(branched: Dialogue) -> None:
    assert wording(branched, at_second(branched, "yes"))[0] == "Really?"
    assert wording(branched, at_second(branched, "no")) == ("After a no, really?", "It means that.")


def test_a_stored_history_with_an_answer_not_offered_on_its_path_is_not_known(
    branched: Dialogue,
) -> None:
    fits = State("advice", "seek_advice", (("first", "no"), ("second", "later")))
    forged = State("advice", "seek_advice", (("first", "yes"), ("second", "later")))
    assert branched.knows(fits) and not branched.knows(forged)


def test_paths_are_every_finished_conversation_with_when_respected(branched: Dialogue) -> None:
    found = {state.history for state in paths(branched)}
    assert (("first", "no"), ("second", "later")) in found
    assert (("first", "yes"), ("second", "later")) not in found
    assert len(found) == 1 + 3 + 4  # not sure at first; 3 answers after yes; 4 after no
    assert all(branched.is_outcome(state.step) for state in paths(branched))


@pytest.mark.parametrize(
    ("source", "pairs"),
    [
        ("003.txt: Module 1", (("003.txt", "Module 1"),)),
        ("003.txt: A; dfe-2024: B: part 2", (("003.txt", "A"), ("dfe-2024", "B: part 2"))),
        ("dpa-2018", (("dpa-2018", ""),)),
        (" ; ", ()),
    ],
)
def test_citations_split_a_source_into_keys_and_sections(
    source: str, pairs: tuple[tuple[str, str], ...]
) -> None:
    assert citations(source) == pairs
