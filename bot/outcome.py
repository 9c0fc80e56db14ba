"""An outcome as a practitioner reads it on a phone: the decision on one screen, the rest in
parts one tap away (the rules and why, how to share safely, the record, who to contact, the
sources and edition). Every front end shows the same blocks; `everything` is all of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Final, Literal, get_args

from bot import words
from bot.config import Contact
from bot.render import (
    Block,
    Bullets,
    Copyable,
    Heading,
    Para,
    cite,
    contact_blocks,
    edition_line,
    plain,
    titled,
)
from states import DecisionRecord, Dialogue, Library, State, decision_record, variant_text

Part = Literal["why", "safely", "record", "contacts", "sources"]
PARTS: Final[tuple[Part, ...]] = get_args(Part)
"""The parts of an outcome, in the order their buttons are shown."""
SUMMARY_CHARS: Final = 900
"""The first message of an outcome fits one phone screen: at most this many characters."""
KEY_STEPS: Final = 3
"""The next steps the first message shows at most (all of them are in 'How to share safely')."""


def summary(dialogue: Dialogue, state: State) -> list[Block]:
    """The decision, why (from their own answers), what matters most next, and who to call.

    Local numbers are one tap away ('Who to contact'): the first message names 999 where it
    applies, never one local number that may be the wrong team for this case.
    """
    found = dialogue.content.outcomes[state.step]
    why = _reason(dialogue, state)
    call = words.CALL_999 if found.contacts else words.WHO_TO_ASK
    for shown in range(min(KEY_STEPS, len(found.next_steps)), 0, -1):
        blocks: list[Block] = [
            Heading(found.title),
            Para(found.decision),
            *([Para(words.WHY_LINE.format(reason=why))] if why else []),
            Heading(words.NEXT_STEPS),
            Bullets(found.next_steps[:shown]),
            Para(call),
        ]
        if len(plain(blocks)) <= SUMMARY_CHARS or shown == 1:
            return blocks
    raise AssertionError("unreachable: an outcome has at least one next step")


def part(
    name: Part,
    library: Library,
    dialogue: Dialogue,
    state: State,
    contacts: Sequence[Contact],
    on: date,
) -> list[Block]:
    """One part of the outcome `state` reached, complete in itself."""
    found = dialogue.content.outcomes[state.step]
    if name == "why":
        extra = variant_text(dialogue, found, state)
        return [
            Heading(words.WHY_HEADING.format(title=found.title)),
            Para(found.explain),
            *([Para(extra)] if extra else []),
            Heading(words.RULES_THAT_APPLY),
            Bullets(tuple(rule_line(library, n) for n in found.rules)),
        ]
    if name == "safely":
        blocks: list[Block] = [Heading(words.NEXT_STEPS), Bullets(found.next_steps)]
        if found.checklist is not None:
            checklist = library.reference.checklists[found.checklist]
            blocks += [Heading(checklist.title), Bullets(checklist.items)]
        return blocks
    if name == "record":
        return [Heading(words.RECORD_HEADING), Copyable(record(library, dialogue, state, on))]
    if name == "contacts":
        return contact_blocks(contacts)
    reference = library.reference
    return [
        Heading(words.SOURCES_HEADING),
        Para(edition_line(library)),
        Para(words.FOOTER_SOURCES.format(sources=cite(library, found.source))),
        Para(reference.law_update, italic=True),
        Para(reference.disclaimer, italic=True),
    ]


def rule_line(library: Library, number: int) -> str:
    summary_only = library.reference.rules[number].wording == "summary"
    return f"Rule {number}: {titled(library, number)}" + (
        words.SUMMARY_MARK if summary_only else ""
    )


def _reason(dialogue: Dialogue, state: State) -> str:
    """The record sentence of the answer that decided it: the last one given."""
    if not state.history:
        return ""
    step, answer_id = state.history[-1]
    question = dialogue.content.steps[step]
    return next(a.record for a in question.answers if a.id == answer_id)


def record(library: Library, dialogue: Dialogue, state: State, on: date) -> str:
    """The decision record of the outcome `state` reached on `on`, ready to paste."""
    return record_text(library, decision_record(dialogue, state, on))


def record_text(library: Library, record: DecisionRecord) -> str:
    """The decision record as plain text to paste into case notes: categories, no identities."""
    lines = [
        "INFORMATION SHARING DECISION RECORD",
        f"Date: {record.on:%d %B %Y}",
        f"Decision: {record.record}",
        f"Summary: {record.decision}",
        "Reasons:",
        *(f"- {reason}" for reason in record.reasons),
        "Answers given:",
        *(f"- {short}: {label}" for short, label in record.answers),
        f"Golden rules applied: {', '.join(str(n) for n in record.rules)}",
    ]
    lines += [f"{field}: " for field in record.fields]
    lines += [
        f"Guidance used: {edition_line(library)} (infoshare-bot; guidance, not legal advice).",
        "No names or identifying details are in this record; add them only in your "
        "organisation's secure case record as its policy allows.",
    ]
    return "\n".join(lines)
