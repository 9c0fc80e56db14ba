"""Turn content and conversation state into messages, once, for every front end.

Messages are built as a few kinds of block and then formatted as plain text (console) or as
Telegram HTML with every dynamic piece escaped. Long messages split at block boundaries so
each part stays within Telegram's 4096 characters.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from bot.config import Contact
from bot.content.limits import TELEGRAM_TEXT_LIMIT
from states import (
    DecisionRecord,
    Dialogue,
    Library,
    Outcome,
    Question,
    State,
    Topic,
    decision_record,
    variant_text,
)


@dataclass(frozen=True, slots=True)
class Heading:
    text: str


@dataclass(frozen=True, slots=True)
class Para:
    text: str
    italic: bool = False


@dataclass(frozen=True, slots=True)
class Bullets:
    items: tuple[str, ...]
    numbered: bool = False


@dataclass(frozen=True, slots=True)
class Copyable:
    """A block the practitioner copies whole (Telegram shows a copy button on <pre>)."""

    text: str


Block = Heading | Para | Bullets | Copyable


def plain(blocks: Iterable[Block]) -> str:
    """Format blocks for a terminal."""
    return "\n\n".join(_plain(block) for block in blocks)


def _plain(block: Block) -> str:
    if isinstance(block, Heading):
        return block.text.upper()
    if isinstance(block, Bullets):
        marks = [f"{n}." if block.numbered else "-" for n in range(1, len(block.items) + 1)]
        return "\n".join(f"{mark} {item}" for mark, item in zip(marks, block.items, strict=True))
    return block.text


def telegram_html(blocks: Iterable[Block]) -> list[str]:
    """Format blocks as Telegram HTML messages, each within the 4096-character limit."""
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for block in (piece for whole in blocks for piece in _fit(whole)):
        text, visible = _html(block), len(_plain(block))
        if current and size + visible + 2 > TELEGRAM_TEXT_LIMIT:
            parts.append("\n\n".join(current))
            current, size = [], 0
        current.append(text)
        size += visible + 2
    if current:
        parts.append("\n\n".join(current))
    return parts


def _fit(block: Block, limit: int = TELEGRAM_TEXT_LIMIT) -> list[Block]:
    """Split a block too long for one message: lists by item, text by line, then by length."""
    if len(_plain(block)) <= limit:
        return [block]
    if isinstance(block, Bullets) and len(block.items) > 1:
        half = len(block.items) // 2
        return [
            *_fit(Bullets(block.items[:half], block.numbered), limit),
            *_fit(Bullets(block.items[half:], block.numbered), limit),
        ]
    text = _plain(block)
    cut = text.rfind("\n", 0, limit)
    cut = cut if cut > 0 else limit
    head, tail = text[:cut], text[cut:].lstrip("\n")
    kind = Copyable if isinstance(block, Copyable) else Para
    return [kind(head), *_fit(kind(tail), limit)]


def _html(block: Block) -> str:
    if isinstance(block, Heading):
        return f"<b>{html.escape(block.text)}</b>"
    if isinstance(block, Para):
        text = html.escape(block.text)
        return f"<i>{text}</i>" if block.italic else text
    if isinstance(block, Bullets):
        text = html.escape(_plain(block))
        return text if block.numbered else "• " + text.removeprefix("- ").replace("\n- ", "\n• ")
    return f"<pre>{html.escape(block.text)}</pre>"


def question(q: Question, *, numbered: bool) -> list[Block]:
    """The question itself; the front end shows the choices (buttons or numbers)."""
    blocks: list[Block] = [Para(q.question)]
    if numbered and q.numbered:
        labels = [a.label for a in q.answers]
        blocks.append(Bullets(tuple(labels), numbered=True))
    return blocks


def explain(q: Question) -> list[Block]:
    return [
        Heading(f"What this means: {q.short}"),
        Para(q.explain),
        Para(f"Source: {q.source}", True),
    ]


def outcome(
    library: Library, dialogue: Dialogue, state: State, contacts: Sequence[Contact], on: date
) -> list[Block]:
    """The full outcome: decision, rules, next steps, checklist, contacts, record, disclaimer."""
    found = dialogue.content.outcomes[state.step]
    reference = library.reference
    blocks: list[Block] = [Heading(found.title), Para(found.decision), Para(found.explain)]
    extra = variant_text(dialogue, found, state)
    if extra:
        blocks.append(Para(extra))
    blocks.append(Heading("Golden rules that apply"))
    blocks.append(Bullets(tuple(_rule_line(library, n) for n in found.rules)))
    blocks.append(Heading("Next steps"))
    blocks.append(Bullets(found.next_steps))
    if found.checklist is not None:
        checklist = reference.checklists[found.checklist]
        blocks += [Heading(checklist.title), Bullets(checklist.items)]
    if found.contacts:
        blocks += contact_blocks(contacts)
    blocks.append(Heading("Decision record for your case notes"))
    blocks.append(Copyable(record_text(library, decision_record(dialogue, state, on))))
    blocks += _footer(library, found)
    return blocks


def _rule_line(library: Library, number: int) -> str:
    return f"Rule {number}: {_titled(library, number)}"


def _titled(library: Library, number: int) -> str:
    """'Title: text', or just the text where the rule's own words already start with it."""
    rule = library.reference.rules[number]
    if rule.text.casefold().startswith(rule.title.casefold()):
        return rule.text
    return f"{rule.title}: {rule.text}"


def _footer(library: Library, found: Outcome) -> list[Block]:
    reference = library.reference
    return [
        Para(reference.disclaimer, italic=True),
        Para(f"Content version {reference.content_version}. Sources: {found.source}.", True),
        Para(reference.law_update, italic=True),
    ]


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
        f"Guidance used: infoshare-bot content version {record.content_version} "
        "(guidance, not legal advice).",
        "No names or identifying details are in this record; add them only in your "
        "organisation's secure case record as its policy allows.",
    ]
    return "\n".join(lines)


def contact_blocks(contacts: Sequence[Contact]) -> list[Block]:
    lines = ["Emergency, or a child or adult in immediate danger: 999"]
    for contact in contacts:
        when = f" ({contact.when})" if contact.when else ""
        lines.append(f"{contact.name}{when}: {contact.phone}")
    if not contacts:
        lines.append(
            "No local contacts are configured: use your organisation's safeguarding procedures "
            "and your designated safeguarding lead."
        )
    return [Heading("Who to contact"), Bullets(tuple(lines))]


def rules(library: Library, only: int | None = None) -> list[Block]:
    """All seven golden rules, or one, with what has changed in the law since."""
    reference = library.reference
    numbers = [only] if only is not None else sorted(reference.rules)
    blocks: list[Block] = [Heading("The seven golden rules for information sharing")]
    for number in numbers:
        rule = reference.rules[number]
        blocks.append(Para(f"{number}. {_titled(library, number)}"))
        if rule.note:
            blocks.append(Para(rule.note, italic=True))
    blocks.append(Para(f"Source: {reference.rules[numbers[0]].source}", italic=True))
    return blocks


def topic(found: Topic) -> list[Block]:
    blocks: list[Block] = [Heading(found.title)]
    for section in found.sections:
        blocks += [
            Heading(section.heading),
            Para(section.text),
            Para(f"Source: {section.source}", True),
        ]
    return blocks


KIND_WORDS = {
    "NAME": "names",
    "PHONE": "phone numbers",
    "EMAIL": "email addresses",
    "POSTCODE": "postcodes",
    "NHS_NUMBER": "NHS numbers",
    "NI_NUMBER": "National Insurance numbers",
    "DATE": "dates",
    "ADDRESS": "addresses",
    "URL": "web addresses",
    "HANDLE": "social media handles",
    "CASE_REF": "case or record numbers",
    "SCHOOL": "names of schools, nurseries or GP practices",
}


def redaction_notice(kinds: Iterable[str]) -> str:
    """Tell the practitioner, kindly, what was taken out of their message and why (rule 3)."""
    words = [KIND_WORDS.get(kind, "identifying details") for kind in sorted(kinds)]
    listed = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    return (
        f"I removed what looked like {listed} from your message, and I don't keep what you "
        "type. Golden rule 3: seek advice without disclosing the identity of the person where "
        "possible. I only need your answers to my questions."
    )


def not_an_answer(q: Question | None, found: Iterable[str], fallback: str) -> str:
    """What to say to typed text that is not an answer: the question's urgent reminder first
    (e.g. call 999), then what was removed from it, or the fallback."""
    kinds = list(found)
    said = redaction_notice(kinds) if kinds else fallback
    return f"{q.unrecognised} {said}" if q is not None and q.unrecognised else said


def privacy(retention_days: int) -> list[Block]:
    """What the bot keeps, for how long, who may see it, and how to remove it."""
    return [
        Heading("Your privacy"),
        Para(
            "I never ask who anyone is: my questions only take categories (such as an age band) "
            "and your answers (yes, no, not sure). Please don't type names or other identifying "
            "details."
        ),
        Bullets(
            (
                "Kept: where you are in the current decision and your last decision record, so "
                "you can carry on after a break and use /record.",
                "Kept for safeguarding leads: an anonymised transcript of each decision: the "
                "questions, the answers you chose and when, the outcome and the rules cited. "
                "It names you only by a code that cannot be turned back into your Telegram "
                "account without a secret key. If you type something that is not an answer, "
                "only the fact that you typed, and which kinds of detail (a name, a phone "
                "number...) were removed, are kept: never the text itself.",
                "Kept for leads' statistics: your quiz answers (right or wrong), under the same "
                "code.",
                "Not kept: files, photos, voice notes, locations, contacts or forwarded messages. "
                "I don't download them.",
                f"For how long: at most {retention_days} days after your last message in that "
                "decision, then deleted automatically.",
                "Who can see it: your organisation's safeguarding leads, to support staff and "
                "find training needs (every time they look is logged), and the service's "
                "administrators, only to run it.",
                "To stop the current decision: /cancel. To delete every transcript kept about "
                "you, and your progress, now: /forget.",
            )
        ),
    ]


def forget_question() -> list[Block]:
    return [
        Heading("Delete what is kept about you?"),
        Para(
            "This deletes every anonymised transcript of your decisions, your quiz answers and "
            "your current progress. Safeguarding leads will no longer see them, and they "
            "cannot be brought back. Decision records you copied into your own notes are not "
            "affected."
        ),
    ]


def forgotten(count: int) -> list[Block]:
    return [
        Para(
            f"Done: {count} transcript{'' if count == 1 else 's'} and your progress deleted. "
            "Send /advice whenever you need to start a new decision."
        )
    ]
