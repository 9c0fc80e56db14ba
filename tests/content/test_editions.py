"""The shipped content in every edition and every nation: each path walked to its outcome and
read as a practitioner would see it, the 2024 edition's own facts, and the folder's layout
checks (bot/content/loader.py)."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from bot import render, words
from bot.content import DIALOGUES_DIR, JURISDICTIONS, check, editions, load_library
from bot.errors import ContentError
from states import Library, Moved, State, answer, offered, paths, wording
from tests.support.outcomes import everything

ON = date(2026, 12, 6)
SCOPES = [(e, j) for e in editions(DIALOGUES_DIR) for j in JURISDICTIONS]
HEADLINES_2024 = {
    1: "All children have a right to be protected from abuse and neglect. Protecting a child "
    "from such harm takes priority over protecting their privacy, or the privacy rights of the "
    "person(s) failing to protect them.",
    2: "When you have a safeguarding concern, wherever it is practicable and safe to do so, "
    "engage with the child and/or their carer(s), and explain who you intend to share "
    "information with, what information you will be sharing and why.",
    3: "You do not need consent to share personal information about a child and/or members of "
    "their family if a child is at risk or there is a perceived risk of harm.",
    4: "Seek advice promptly whenever you are uncertain or do not fully understand how the legal "
    "framework supports information sharing in a particular case.",
    5: "When sharing information, ensure you and the person or agency/organisation that receives "
    "the information take steps to protect the identities of any individuals (e.g., the child, "
    "a carer, a neighbour, or a colleague) who might suffer harm if their details became known "
    "to an abuser or one of their associates.",
    6: "Only share relevant and accurate information with individuals or agencies/organisations "
    "that have a role in safeguarding the child and/or providing their family with support, and "
    "only share the information they need to support the provision of their services.",
}
"""Rules 1-6 of the 2024 advice as two independent copies give them (research source check 1b)."""
QUESTION_CHARS = 500
"""A question with its choices listed, as the console shows it: one phone screen with room
for the buttons."""
EXPLAIN_CHARS = 900
"""'What does this mean?' (dialogues/README.md asks editors to keep it under about 900)."""
LEFTOVERS = re.compile(r"[{}]|\.txt\b|README\.md|designated senior member")


def library_for(edition: str, jurisdiction: str) -> Library:
    return load_library(edition=edition, jurisdiction=jurisdiction)


def prefixes(final: State) -> list[State]:
    """Every question a finished conversation passed through, as it stood there."""
    return [
        State(final.dialogue, step, final.history[:index])
        for index, (step, _) in enumerate(final.history)
    ]


def adult(state: State) -> bool:
    given = dict(state.history)
    return given.get("about_whom") == "adult" or given.get("age_band") == "adult"


@pytest.fixture(params=SCOPES, ids=["-".join(scope) for scope in SCOPES])
def scoped(request: pytest.FixtureRequest) -> Library:
    """Each edition as each nation reads it."""
    return library_for(*request.param)


def test_every_path_reads_cleanly_and_ends_in_an_outcome_with_rules(scoped: Library) -> None:
    library = scoped
    dialogue = library["advice"]
    finished = list(paths(dialogue))
    assert {state.step for state in finished} == set(dialogue.content.outcomes)
    for final in finished:
        found = dialogue.content.outcomes[final.step]
        assert found.rules and set(found.rules) <= set(library.reference.rules)
        if found.shares is not None:
            assert 7 in found.rules, final.step
        shown = render.plain(everything(library, dialogue, final, [], ON))
        for state in prefixes(final):
            shown += render.plain(render.question(dialogue, state, numbered=True))
            shown += render.plain(render.explain(library, dialogue, state))
        assert not LEFTOVERS.search(shown), (final, LEFTOVERS.search(shown))
        assert f"Where you work: {library.scope.nation}." in shown
        assert "Checked against the law on 6 December 2026" in shown


@pytest.mark.parametrize("jurisdiction", JURISDICTIONS)
def test_no_child_wording_on_the_adult_path_and_no_adult_answer_on_the_child_path(
    jurisdiction: str,
) -> None:
    dialogue = library_for("england-2024", jurisdiction)["advice"]
    for final in paths(dialogue):
        for state in prefixes(final):
            asked, _ = wording(dialogue, state)
            choices = {a.id for a in offered(dialogue, state)}
            if adult(state):
                assert "parental responsibility" not in asked, (state.step, asked)
            else:
                assert "lacks_capacity" not in choices
                assert "capacity" not in asked.casefold() or state.step != "consent"
        assert (final.step == "best_interests") <= adult(final)


def test_the_2024_rules_are_word_for_word_and_rule_7_says_it_is_a_summary() -> None:
    library = library_for("england-2024", "england")
    rules = library.reference.rules
    for number, headline in HEADLINES_2024.items():
        assert " ".join(rules[number].text.split()) == headline, number
        assert rules[number].wording == "verbatim"
    assert rules[7].wording == "summary"
    shown = render.plain(render.rules(library, 7))
    assert "given as a summary, not in the publication's own words" in shown
    assert "Department for Education" in shown
    dialogue = library["advice"]
    final = next(state for state in paths(dialogue) if state.step == "share")
    shown = render.plain(everything(library, dialogue, final, [], ON))
    assert "Rule 7: Keep a record: " in shown
    assert shown.count(words.SUMMARY_MARK) == 1


def test_the_first_question_is_about_an_emergency_only_in_both_editions() -> None:
    for edition in editions(DIALOGUES_DIR):
        first = library_for(edition, "england")["advice"].content.steps["immediate_danger"]
        assert "significant harm" not in first.question
        assert "999" in first.question


def test_significant_harm_is_asked_before_any_duty_and_its_referral_names_them() -> None:
    dialogue = library_for("england-2024", "england")["advice"]
    for final in paths(dialogue):
        steps = [step for step, _ in final.history]
        if "statutory_duty" in steps:
            assert {"significant_harm", "adult_at_risk"} & set(
                steps[: steps.index("statutory_duty")]
            )
    refer = dialogue.content.outcomes["refer_safeguarding"]
    child = render.plain(
        everything(
            library_for("england-2024", "england"),
            dialogue,
            State(
                "advice",
                "refer_safeguarding",
                (
                    ("immediate_danger", "no"),
                    ("about_whom", "child"),
                    ("age_band", "age_12_15"),
                    ("significant_harm", "yes"),
                ),
            ),
            [],
            ON,
        )
    )
    assert "court order" in child and ("FGM" in child or "female genital mutilation" in child)
    assert refer.shares is True and 7 in refer.rules


@pytest.mark.parametrize("jurisdiction", JURISDICTIONS)
def test_law_not_confirmed_in_force_is_worded_as_something_to_check(jurisdiction: str) -> None:
    library = library_for("england-2024", jurisdiction)
    texts = [s.text for t in library.reference.topics.values() for s in t.sections]
    texts += [q.explain for q in library["advice"].content.steps.values()]
    texts += [
        " ".join(o.next_steps) + o.explain for o in library["advice"].content.outcomes.values()
    ]
    for text in texts:
        for duty in ("16LA", "Crime and Policing Act 2026", "Children's Wellbeing and Schools"):
            if duty in text and "do not apply" not in text:  # saying where it does not apply
                assert "check" in text.casefold(), text


def test_the_nations_differ_where_the_law_does() -> None:
    england, scotland = (
        library_for("england-2024", "england"),
        library_for("england-2024", "scotland"),
    )
    wales, ireland = (
        library_for("england-2024", "wales"),
        library_for("england-2024", "northern_ireland"),
    )

    def age(library: Library) -> str:
        return library["advice"].content.steps["age_band"].explain

    assert (
        "Scotland" in age(scotland)
        and "presumed" in age(scotland)
        and age(scotland) != age(england)
    )
    duties = {
        lib.scope.jurisdiction: render.plain(render.topic(lib, lib.reference.topics["duties"]))
        for lib in (england, wales, scotland, ireland)
    }
    assert "female genital mutilation" in duties["england"].casefold()
    assert "female genital mutilation" in duties["wales"].casefold()
    assert "relevant offence" in duties["northern_ireland"]
    assert "arrestable offence" not in duties["northern_ireland"]
    assert "Gateway" in render.plain(
        render.topic(ireland, ireland.reference.topics["where_you_work"])
    )


def test_no_contact_number_is_stated_that_a_source_does_not_support() -> None:
    numbers = re.compile(r"\b0\d{3}[ \d]{6,9}\b")
    for path in DIALOGUES_DIR.rglob("*.yaml"):
        for found in numbers.findall(path.read_text(encoding="utf-8")):
            assert found.replace(" ", "") in {"08088005000", "08001111"}, (path.name, found)
        assert "24 hours" not in path.read_text(encoding="utf-8"), path


# ---- the folder: editions, shared files, problems reported once -----------------------------


def test_the_shipped_folder_checks_clean_for_every_edition_and_nation() -> None:
    libraries, problems = check(DIALOGUES_DIR)
    assert problems == [] and libraries is not None
    assert set(libraries) == set(SCOPES)


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    shutil.copytree(DIALOGUES_DIR, tmp_path / "dialogues")
    return tmp_path / "dialogues"


def test_a_problem_in_every_nation_is_said_once_and_one_in_a_single_nation_says_which(
    copy: Path,
) -> None:
    advice = copy / "hmg-2015" / "advice.yaml"
    text = advice.read_text(encoding="utf-8").replace("{capacity_law}", "{oops}", 1)
    scottish = '  refer_now:\n    nations:\n      scotland: {decision: "Act {now}."}\n'
    advice.write_text(text.replace("  refer_now:\n", scottish, 1), encoding="utf-8")
    _, problems = check(copy)
    assert [p for p in problems if "{oops}" in p] == [
        "hmg-2015/advice.yaml: consent: {oops} is not a word from nations.yaml (known: "
        "adult_referral, capacity_law, child_referral, consent_age, guidance, nation, "
        "reporting_duty)"
    ]
    assert [p for p in problems if "{now}" in p] == [
        "hmg-2015/advice.yaml: refer_now: {now} is not a word from nations.yaml (known: "
        "adult_referral, capacity_law, child_referral, consent_age, guidance, nation, "
        "reporting_duty) (for scotland)"
    ]


def test_stray_files_and_missing_shared_files_are_named(copy: Path) -> None:
    (copy / "nations.yaml").unlink()
    (copy / "advice.yaml").write_text("kind: dialogue\n", encoding="utf-8")
    _, problems = check(copy)
    assert (
        f"nations.yaml: (file): is missing: every edition needs {copy / 'nations.yaml'}" in problems
    )
    assert any(p.startswith("advice.yaml: (file): belongs in an edition folder") for p in problems)


def test_an_unknown_edition_names_the_ones_there_are(copy: Path) -> None:
    with pytest.raises(ContentError) as raised:
        load_library(copy, edition="wales-2099")
    assert "has no edition 'wales-2099' (editions: england-2024, hmg-2015)" in str(raised.value)


def test_every_question_fits_a_phone_screen_and_its_meaning_stays_short(
    scoped: Library,
) -> None:
    library = scoped
    dialogue = library["advice"]
    asked_on_some_path = {state for final in paths(dialogue) for state in prefixes(final)}
    for state in asked_on_some_path:
        asked = render.plain(render.question(dialogue, state, numbered=True))
        assert len(asked) <= QUESTION_CHARS, (state.step, len(asked))
        assert len(wording(dialogue, state)[1]) <= EXPLAIN_CHARS, state.step
        shown = render.plain(render.explain(library, dialogue, state))
        assert "http" not in shown  # addresses are on /sources, not under every answer


def test_each_nation_reads_its_own_sources_under_a_referral() -> None:
    shown = {}
    for jurisdiction in JURISDICTIONS:
        library = library_for("england-2024", jurisdiction)
        found = library["advice"].content.outcomes["refer_safeguarding"]
        shown[jurisdiction] = render.cite(library, found.source)
    assert "Care Act 2014" in shown["england"]
    assert "Social Services and Well-being (Wales) Act 2014" in shown["wales"]
    assert "Care Act 2014" not in shown["scotland"] and "Scotland" in shown["scotland"]
    assert "Care Act 2014" not in shown["northern_ireland"]
    assert "Northern Ireland" in shown["northern_ireland"]


@pytest.mark.parametrize("typed", ["a child", "A child or young person", "1", "teenager"])
def test_a_hurried_practitioner_can_type_who_it_is_about(typed: str) -> None:
    for edition in editions(DIALOGUES_DIR):
        dialogue = library_for(edition, "england")["advice"]
        at_whom = State("advice", "about_whom", (("immediate_danger", "no"),))
        moved = answer(dialogue, at_whom, typed)
        assert isinstance(moved, Moved) and moved.state.step == "age_band", (edition, typed)
