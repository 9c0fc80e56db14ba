"""The shipped content: every path, every outcome, the contract ids, and faithfulness checks."""

from __future__ import annotations

import re
from datetime import date

import pytest

from bot import render
from bot.content import DIALOGUES_DIR, editions, load_library
from states import Dialogue, Library, Moved, State, Unrecognised, answer, back, citations
from tests.support.contract import CONTRACT_OUTCOMES, CONTRACT_STEPS
from tests.support.conversations import SCRIPTS, Script
from tests.support.guidance import GUIDANCE, SHARED_GUIDANCE
from tests.support.outcomes import everything

SHARING = {"must_share", "share_anonymised", "share", "share_with_consent", "share_without_consent"}


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library(edition="hmg-2015")


@pytest.fixture(scope="module")
def advice(library: Library) -> Dialogue:
    return library["advice"]


def all_paths(dialogue: Dialogue) -> list[State]:
    """Walk every answer from the start; return the state at the end of each path."""
    ends: list[State] = []
    pending = [dialogue.start]
    while pending:
        state = pending.pop()
        if dialogue.is_outcome(state.step):
            ends.append(state)
            continue
        assert len(state.history) < 50, f"a loop through {state.step}"
        for choice in dialogue.content.steps[state.step].answers:
            result = answer(dialogue, state, choice.id)
            assert isinstance(result, Moved)
            pending.append(result.state)
    return ends


def test_every_path_ends_in_an_outcome_with_rules(advice: Dialogue) -> None:
    ends = all_paths(advice)
    assert len(ends) > 100
    for end in ends:
        outcome = advice.content.outcomes[end.step]
        assert outcome.rules, end
        assert all(1 <= n <= 7 for n in outcome.rules)


def test_every_contract_outcome_is_reached(advice: Dialogue) -> None:
    assert {end.step for end in all_paths(advice)} == CONTRACT_OUTCOMES
    assert set(advice.content.outcomes) == CONTRACT_OUTCOMES


def test_the_contract_steps_come_in_the_flowchart_order(advice: Dialogue) -> None:
    assert advice.content.start == "immediate_danger"
    assert list(advice.content.steps) == CONTRACT_STEPS
    longest = max(all_paths(advice), key=lambda s: len(s.history))
    assert [step for step, _ in longest.history] == CONTRACT_STEPS


@pytest.mark.parametrize("step", CONTRACT_STEPS)
def test_not_sure_is_always_offered_and_leads_to_advice(advice: Dialogue, step: str) -> None:
    answers = {a.id: a.next for a in advice.content.steps[step].answers}
    if step in {"about_whom", "age_band"}:
        assert "not_sure" not in answers
        return
    assert answers["not_sure"] == "seek_advice"


def test_answer_ids_follow_the_contract(advice: Dialogue) -> None:
    ids = {step: {a.id for a in q.answers} for step, q in advice.content.steps.items()}
    assert ids["consent"] == {"given", "refused", "not_asked", "not_sure"}
    assert ids["about_whom"] == {"child", "adult", "family"}
    assert ids["age_band"] == {"under_12", "age_12_15", "age_16_17", "adult"}
    for step in set(CONTRACT_STEPS) - {"consent", "about_whom", "age_band"}:
        assert ids[step] == {"yes", "no", "not_sure"}


def test_sharing_decisions_carry_rule_7_and_the_checklist(advice: Dialogue) -> None:
    for name, found in advice.content.outcomes.items():
        if found.shares is not None:
            assert 7 in found.rules, name
        if name in SHARING:
            assert found.shares is True
            assert found.checklist == "share_appropriately", name
    assert advice.content.outcomes["do_not_share"].shares is False
    assert advice.content.outcomes["refer_now"].contacts
    assert advice.content.outcomes["seek_advice"].contacts
    assert 3 in advice.content.outcomes["seek_advice"].rules


def test_whose_consent_depends_on_the_age_band(library: Library, advice: Dialogue) -> None:
    outcome = advice.content.outcomes["seek_consent"]
    assert outcome.variants is not None
    assert set(outcome.variants.text) >= {"under_12", "age_12_15", "age_16_17", "adult"}
    assert "12" in outcome.variants.text["age_12_15"]
    assert "Mental Capacity Act" in outcome.variants.text["adult"]


def test_sources_name_guidance_files_that_exist(library: Library, advice: Dialogue) -> None:
    texts = [q.source for q in advice.content.steps.values()]
    texts += [o.source for o in advice.content.outcomes.values()]
    texts += [r.source for r in library.reference.rules.values()]
    for text in texts:
        cited = {key for key, _ in citations(text)}
        assert cited & {
            s for s in library.sources if re.fullmatch(r"\d{3}_[0-9a-f]{16}\.txt", s)
        }, f"no guidance file named in source: {text}"
        assert cited <= set(library.sources), cited - set(library.sources)


def test_every_guidance_file_in_the_catalogue_is_in_the_guidance_folder(library: Library) -> None:
    files = {found.file for found in library.sources.values() if found.file}
    assert files and all((GUIDANCE / name).is_file() for name in files), files


def test_the_law_update_is_stated(library: Library) -> None:
    reference = library.reference
    assert "UK GDPR" in reference.law_update and "Data Protection Act 2018" in reference.law_update
    assert reference.rules[1].note and "Data Protection Act 2018" in reference.rules[1].note
    assert "legal advice" in reference.disclaimer


def test_golden_rules_are_word_for_word_from_the_source(library: Library) -> None:
    source = " ".join((GUIDANCE / "001_5cfef4ee18eec730.txt").read_text().split())
    for number, rule in library.reference.rules.items():
        assert " ".join(rule.text.split()) in source, f"rule {number} differs from the source"


@pytest.mark.parametrize("transcript", SCRIPTS, ids=lambda t: t.name)
def test_transcripts_through_the_core(transcript: Script) -> None:
    library = load_library(**transcript.scope)
    advice = library["advice"]
    state = advice.start
    for expected_step, said in transcript.turns:
        assert state.step == expected_step
        if said == "back":
            state = back(state)
            continue
        result = answer(advice, state, said)
        assert not isinstance(result, Unrecognised), f"{said!r} not accepted at {state.step}"
        state = result.state
    assert state.step == transcript.outcome
    shown = render.plain(everything(library, advice, state, [], date(2026, 12, 6)))
    for phrase in transcript.says:
        assert phrase in shown, phrase


@pytest.mark.parametrize("edition", editions(DIALOGUES_DIR))
def test_transcripts_cover_every_outcome_of_every_edition(edition: str) -> None:
    outcomes = load_library(edition=edition)["advice"].content.outcomes
    assert {t.outcome for t in SCRIPTS if t.edition == edition} == set(outcomes)


@pytest.mark.parametrize(
    ("typed", "band"),
    [
        ("3", "under_12"),
        ("0", "under_12"),
        ("11", "under_12"),
        ("12", "age_12_15"),
        ("14", "age_12_15"),
        ("16", "age_16_17"),
        ("17", "age_16_17"),
        ("18", "adult"),
        ("Under 12", "under_12"),
        ("16 or 17", "age_16_17"),
    ],
)
def test_a_typed_number_at_the_age_question_is_an_age_not_a_menu_choice(
    advice: Dialogue, typed: str, band: str
) -> None:
    state = State("advice", "age_band", (("immediate_danger", "no"), ("about_whom", "child")))
    result = answer(advice, state, typed)
    assert isinstance(result, Moved)
    assert result.state.history[-1] == ("age_band", band)


def test_a_question_mark_is_not_an_answer(advice: Dialogue) -> None:
    assert not isinstance(answer(advice, advice.start, "?"), Moved)


def test_unsure_about_danger_gets_urgent_advice(library: Library, advice: Dialogue) -> None:
    from states import variant_text

    assert advice.content.steps["immediate_danger"].unrecognised == (
        "If anyone is in immediate danger, call 999 now."
    )
    unsure = State("advice", "seek_advice", (("immediate_danger", "not_sure"),))
    text = variant_text(advice, advice.content.outcomes["seek_advice"], unsure)
    assert text is not None and "now" in text and "999" in text


@pytest.mark.skipif(not SHARED_GUIDANCE.is_dir(), reason="no ../shared/guidance to compare with")
def test_the_guidance_copy_matches_the_shared_texts() -> None:
    """tests/guidance is a copy so CI can check the content anywhere; it must not drift."""
    shared = {p.name: p.read_bytes() for p in SHARED_GUIDANCE.iterdir()}
    copied = {p.name: p.read_bytes() for p in GUIDANCE.iterdir()}
    assert copied == shared
