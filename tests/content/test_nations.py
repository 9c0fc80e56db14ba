"""One edition read in each nation: `{word}` placeholders, `nations:` overrides, the source
catalogue and the nations file's own checks (bot/content/nations.py, bot/content/sources.py)."""

from __future__ import annotations

from datetime import date

import pytest

from bot import render
from bot.content import validate
from states import Library, answer
from tests.support.outcomes import everything
from tests.support.tiny import ADVICE, BRANCHED, SOURCES, nations, texts

WITH_WORDS = BRANCHED.replace(
    "next_steps: [Ask your safeguarding lead.]",
    'next_steps: [Ask your safeguarding lead., "Refer to {place}."]\n'
    "    nations:\n"
    "      scotland: {decision: Ask someone in Scotland first.}",
)


def shared(**files: str) -> dict[str, str]:
    return {"sources.yaml": SOURCES, "nations.yaml": nations(), **files}


def read_in(nation: str, advice: str = WITH_WORDS, **files: str) -> Library:
    library, problems = validate(
        {**texts(advice=advice), **shared(**files)}, edition="tiny", jurisdiction=nation
    )
    assert problems == [] and library is not None
    return library


def problems_of(advice: str = WITH_WORDS, nation: str = "wales", **files: str) -> list[str]:
    found, problems = validate(
        {**texts(advice=advice), **shared(**files)}, edition="tiny", jurisdiction=nation
    )
    assert found is None
    return problems


def test_words_and_overrides_are_each_nations_own() -> None:
    wales, scotland = read_in("wales"), read_in("scotland")
    outcome = wales["advice"].content.outcomes["seek_advice"]
    assert outcome.next_steps == ("Ask your safeguarding lead.", "Refer to the wales place.")
    assert outcome.decision == "Ask someone first."
    assert scotland["advice"].content.outcomes["seek_advice"].decision == (
        "Ask someone in Scotland first."
    )
    assert (scotland.scope.edition, scotland.scope.jurisdiction) == ("tiny", "scotland")
    assert scotland.scope.nation == "Scotland"


def test_a_list_item_that_is_only_a_word_that_says_nothing_is_dropped() -> None:
    whole = WITH_WORDS.replace('"Refer to {place}."', '"{place}"')
    quiet = nations(wales={"place": ""})
    said = read_in("england", whole)["advice"].content.outcomes["seek_advice"].next_steps
    assert said == ("Ask your safeguarding lead.", "the england place")
    silent = read_in("wales", whole, **{"nations.yaml": quiet})["advice"]
    assert silent.content.outcomes["seek_advice"].next_steps == ("Ask your safeguarding lead.",)


def test_nation_pages_join_the_reference_topics() -> None:
    assert "duties" in read_in("england").reference.topics


def test_sources_are_shown_by_publisher_title_year_and_section_never_a_file() -> None:
    library = read_in("england")
    shown = render.cite(library, "003.txt: Module 1; 001.txt: Rule 3")
    assert shown == (
        "A partnership, An e-learning course (2016), Module 1 (https://example.org/course); "
        "A council, The golden rules (2015), Rule 3."
    )
    blocks = render.explain(library, library["advice"], library["advice"].start)
    assert ".txt" not in render.plain(blocks)


def test_every_outcome_names_the_edition_nation_and_checked_date() -> None:
    library = read_in("wales")
    dialogue = library["advice"]
    state = dialogue.start
    for said in ("no", "not sure", "stop"):
        state = answer(dialogue, state, said).state
    assert state.step == "seek_advice"
    text = render.plain(everything(library, dialogue, state, [], date(2026, 12, 6)))
    assert "Edition: Tiny edition. Where you work: Wales." in text
    assert "Checked against the law on 21 November 2026" in text  # the earlier of the two dates


@pytest.mark.parametrize(
    ("advice", "files", "expected"),
    [
        (
            WITH_WORDS.replace("{place}", "{town}"),
            {},
            "advice.yaml: seek_advice: {town} is not a word from nations.yaml (known: place)",
        ),
        (
            WITH_WORDS.replace("Refer to {place}.", "Refer to {place} }."),
            {},
            "advice.yaml: seek_advice: a { or } that is not part of a {word}: remove it",
        ),
        (
            WITH_WORDS.replace("scotland: {decision", "alba: {decision"),
            {},
            "advice.yaml: seek_advice: nations: 'alba' is not one of england, wales, scotland, "
            "northern_ireland",
        ),
        (
            WITH_WORDS.replace("scotland: {decision", "scotland: {rules"),
            {},
            "advice.yaml: seek_advice: nations.scotland: may only replace decision, explain, "
            "next_steps, not_sure, question, source, variants",
        ),
        (
            WITH_WORDS,
            {"nations.yaml": nations(scotland={"region": "x"})},
            "nations.yaml: scotland: words: 'place' is missing (every nation needs it)",
        ),
        (
            WITH_WORDS,
            {"nations.yaml": nations().replace('checked: "2026-12-01"}', "}")},
            "nations.yaml: england: topics.duties.sections.0: needs checked: the date this was "
            "last checked against the law (YYYY-MM-DD)",
        ),
        (
            WITH_WORDS.replace("source: 003.txt", "source: 999.txt", 1),
            {},
            "advice.yaml: first: source: '999.txt' is not a source in sources.yaml",
        ),
    ],
    ids=[
        "unknown-word",
        "stray-brace",
        "unknown-nation",
        "not-overridable",
        "missing-word",
        "law-undated",
        "unknown-source",
    ],
)
def test_problems_name_file_step_and_what_to_fix(
    advice: str, files: dict[str, str], expected: str
) -> None:
    assert expected in problems_of(advice, **files)


def test_the_nations_are_the_four_in_order() -> None:
    three = nations().split("  northern_ireland:")[0]
    assert (
        "nations.yaml: nations: must be exactly england, wales, scotland, northern_ireland, in "
        "that order (found england, wales, scotland)" in problems_of(**{"nations.yaml": three})
    )


def test_when_versions_and_notes_are_checked() -> None:
    broken = BRANCHED.replace('when: {first: ["no"]}', 'when: {first: ["perhaps"]}')
    assert (
        "advice.yaml: second: answer 'later': when: 'perhaps' is not an answer of 'first'"
        in validate(texts(advice=broken))[1]
    )
    no_stop = BRANCHED.replace(', stop: [stop, "stop here"]', "")
    assert (
        "advice.yaml: second: not_sure: aliases needs 'stop:' words to stop at a note"
        in (validate(texts(advice=no_stop))[1])
    )
    bad_version = BRANCHED.replace('text: {"no": {question', 'text: {"nope": {question')
    assert (
        "advice.yaml: second: versions.text: 'nope' is not an answer of those steps"
        in (validate(texts(advice=bad_version))[1])
    )


def test_an_outcome_only_a_when_led_to_is_on_no_path() -> None:
    only_later = (
        BRANCHED.replace(
            '{id: later, label: "Later", next: seek_advice',
            '{id: later, label: "Later", next: lost',
        )
        .replace(
            "outcomes:\n",
            "outcomes:\n  lost:\n    title: Lost\n    decision: D.\n    explain: E.\n"
            "    rules: [3]\n    next_steps: [S.]\n    record: R\n    record_fields: [F]\n"
            "    source: 003.txt\n",
        )
        .replace('when: {first: ["no"]}', 'when: {second: ["yes"]}')
    )
    assert (
        "advice.yaml: lost: is on no path once each answer's when: is applied"
        in (validate(texts(advice=only_later))[1])
    )


def test_small_sets_without_nations_still_validate() -> None:
    library, problems = validate(texts(advice=ADVICE))
    assert problems == [] and library is not None and library.scope.jurisdiction == ""
