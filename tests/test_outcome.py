"""An outcome on a phone (bot/outcome.py): the decision on one screen, every part within
Telegram's limits, and nothing the full outcome said lost, on every edition, nation and path."""

from __future__ import annotations

from datetime import date

import pytest

from bot import outcome, render, words
from bot.config import Contact
from bot.content import DIALOGUES_DIR, JURISDICTIONS, editions, load_library, validate
from states import answer, paths, variant_text
from tests.support.outcomes import everything
from tests.support.tiny import ADVICE, texts

ON = date(2026, 12, 6)
CONTACTS = (Contact(name="Children's social care front door", phone="0118 908 8002"),)
SCOPES = [(e, j) for e in editions(DIALOGUES_DIR) for j in JURISDICTIONS]


@pytest.mark.parametrize(("edition", "jurisdiction"), SCOPES)
def test_every_outcome_fits_one_screen_each_part_one_message_and_nothing_is_lost(
    edition: str, jurisdiction: str
) -> None:
    library = load_library(edition=edition, jurisdiction=jurisdiction)
    dialogue = library["advice"]
    reference = library.reference
    for final in paths(dialogue):
        summary = outcome.summary(dialogue, final)
        assert len(render.plain(summary)) <= outcome.SUMMARY_CHARS, final
        assert len(render.telegram_html(summary)) == 1
        for name in outcome.PARTS:
            blocks = outcome.part(name, library, dialogue, final, CONTACTS, ON)
            assert len(render.telegram_html(blocks)) == 1, (final, name)
        found = dialogue.content.outcomes[final.step]
        shown = render.plain(everything(library, dialogue, final, CONTACTS, ON))
        assert found.title.upper() in shown  # headings are capitalised in plain text
        said = [found.decision, found.explain, *found.next_steps]
        said += [reference.rules[n].text for n in found.rules]
        said += [reference.disclaimer, reference.law_update, render.edition_line(library)]
        said += list(reference.checklists[found.checklist].items) if found.checklist else []
        said += [variant_text(dialogue, found, final) or "", "0118 908 8002", "999"]
        said += ["INFORMATION SHARING DECISION RECORD", render.cite(library, found.source)]
        for text in said:
            assert text in shown, (final.step, text[:60])


def test_the_summary_says_why_from_the_answers_and_who_to_call() -> None:
    library = load_library(edition="england-2024")
    dialogue = library["advice"]
    final = next(s for s in paths(dialogue) if s.step == "refer_safeguarding")
    last_step, last_answer = final.history[-1]
    reason = next(
        a.record for a in dialogue.content.steps[last_step].answers if a.id == last_answer
    )
    shown = render.plain(outcome.summary(dialogue, final))
    assert f"Why: {reason}" in shown
    assert words.CALL_999 in shown
    assert "0118 908 8002" not in shown  # local numbers: a tap away, never the wrong team here
    quiet = next(s for s in paths(dialogue) if s.step == "share_anonymised")
    assert words.WHO_TO_ASK in render.plain(outcome.summary(dialogue, quiet))


@pytest.mark.parametrize(("edition", "jurisdiction"), SCOPES)
def test_the_shipped_outcomes_show_their_key_steps_whole(edition: str, jurisdiction: str) -> None:
    """No referral route is ever cut from the first message: the content fits as written."""
    dialogue = load_library(edition=edition, jurisdiction=jurisdiction)["advice"]
    for final in paths(dialogue):
        steps = dialogue.content.outcomes[final.step].next_steps[: outcome.KEY_STEPS]
        listed = next(b for b in outcome.summary(dialogue, final) if isinstance(b, render.Bullets))
        assert listed.items == steps, final.step


def test_the_summary_drops_next_steps_from_the_end_rather_than_overflow_the_screen() -> None:
    long = "x" * 390
    advice = ADVICE.replace(
        "next_steps: [Share securely.]", f"next_steps: [First., {long}, {long}]"
    )
    library, problems = validate(texts(advice=advice))
    assert library is not None, problems
    dialogue = library["advice"]
    final = answer(dialogue, dialogue.start, "yes").state
    crowded = outcome.summary(dialogue, final)
    listed = next(b for b in crowded if isinstance(b, render.Bullets))
    assert listed.items == ("First.", long)
    assert len(render.plain(crowded)) <= outcome.SUMMARY_CHARS
