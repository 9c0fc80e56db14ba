"""Turn content and conversation state into messages, once, for every front end.

Messages are built as a few kinds of block and then formatted as plain text (console) or as
Telegram HTML with every dynamic piece escaped. Long messages split at block boundaries so
each part stays within Telegram's 4096 characters.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot import words
from bot.config import Contact
from bot.content.limits import TELEGRAM_TEXT_LIMIT
from states import (
    Dialogue,
    Library,
    Question,
    Source,
    State,
    Topic,
    citations,
    offered,
    wording,
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


def question(dialogue: Dialogue, state: State, *, numbered: bool) -> list[Block]:
    """The question in this path's words; the front end shows the choices (buttons or numbers)."""
    asked, _ = wording(dialogue, state)
    blocks: list[Block] = [Para(asked)]
    if numbered:  # where a typed number is not a choice (an age), the choices are not numbered
        labels = [a.label for a in offered(dialogue, state)]
        blocks.append(Bullets(tuple(labels), numbered=dialogue.content.steps[state.step].numbered))
    return blocks


def explain(library: Library, dialogue: Dialogue, state: State) -> list[Block]:
    q = dialogue.content.steps[state.step]
    _, meaning = wording(dialogue, state)
    return [
        Heading(words.EXPLAIN_HEADING.format(short=q.short)),
        Para(meaning),
        Para(words.SOURCE.format(source=cite(library, q.source, addresses=False)), True),
    ]


def unsure(dialogue: Dialogue, state: State, note: str, *, numbered: bool) -> list[Block]:
    """Not sure at a question with a note: what to check, then the question again."""
    return [
        Heading(words.UNSURE_HEADING),
        Para(note),
        Para(words.UNSURE_CHOICE),
        *question(dialogue, state, numbered=numbered),
    ]


def _named(found: Source) -> str:
    """A publication as a reader knows it: publisher, title and year."""
    year = f" ({found.year})" if found.year else ""
    return f"{found.publisher}, {found.title}{year}"


def cite(library: Library, source: str, *, addresses: bool = True) -> str:
    """A `source:` as a reader sees it: publisher, title, year and section, never a file name
    (and each publication's address, unless `addresses` is False: /sources lists them)."""
    shown = []
    for key, section in citations(source):
        found = library.sources.get(key)
        if found is None:  # small test content has no catalogue: show the text as written
            shown.append(f"{key}: {section}" if section else key)
            continue
        where = f", {section}" if section else ""
        address = f" ({found.url})" if found.url and addresses else ""
        shown.append(f"{_named(found)}{where}{address}")
    return "; ".join(shown) + "."


def titled(library: Library, number: int) -> str:
    """'Title: text', or just the text where the rule's own words already start with it."""
    rule = library.reference.rules[number]
    if rule.text.casefold().startswith(rule.title.casefold()):
        return rule.text
    return f"{rule.title}: {rule.text}"


def edition_line(library: Library) -> str:
    """Which edition, for which nation, checked against the law when: on every outcome."""
    scope = library.scope
    version = library.reference.content_version
    if not scope.title:
        return words.FOOTER_VERSION.format(version=version)
    nation = words.FOR_NATION.format(nation=scope.nation) if scope.nation else ""
    checked = scope.checked or library.reference.edition.checked
    return words.FOOTER_EDITION.format(
        title=scope.title, nation=nation, checked=f"{checked:%-d %B %Y}", version=version
    )


def contact_blocks(contacts: Sequence[Contact]) -> list[Block]:
    lines = [words.EMERGENCY_CONTACT]
    for contact in contacts:
        when = f" ({contact.when})" if contact.when else ""
        lines.append(f"{contact.name}{when}: {contact.phone}")
    if not contacts:
        lines.append(words.NO_CONTACTS)
    return [Heading(words.CONTACTS_HEADING), Bullets(tuple(lines))]


def rules(library: Library, only: int | None = None) -> list[Block]:
    """All seven golden rules, or one, with what has changed in the law since."""
    reference = library.reference
    numbers = [only] if only is not None else sorted(reference.rules)
    blocks: list[Block] = [Heading(words.RULES_HEADING)]
    for number in numbers:
        rule = reference.rules[number]
        blocks.append(Para(f"{number}. {titled(library, number)}"))
        if rule.wording == "summary":
            blocks.append(Para(words.RULE_SUMMARY, italic=True))
        if rule.note:
            blocks.append(Para(rule.note, italic=True))
    source = cite(library, reference.rules[numbers[0]].source)
    blocks.append(Para(words.SOURCE.format(source=source), True))
    return blocks


def sources(library: Library) -> list[Block]:
    """/sources: the edition, when it was checked, and every publication and law it cites."""
    lines = []
    cited = _cited(library)
    for key, found in library.sources.items():
        if key not in cited:
            continue
        address = f" {found.url}" if found.url else ""
        note = f" {found.note}" if found.note else ""
        lines.append(f"{_named(found)}.{note}{address}")
    return [Heading(words.SOURCES_HEADING), Para(edition_line(library)), Bullets(tuple(lines))]


def _cited(library: Library) -> set[str]:
    """The source keys this edition, as read in this nation, cites anywhere."""
    trees: list[object] = [library.reference.model_dump()]
    trees += [d.content.model_dump() for d in library.dialogues.values()]
    trees += [q.model_dump() for q in library.quizzes.values()]
    trees += [c.model_dump() for c in library.cases.values()]
    keys: set[str] = set()
    while trees:
        tree = trees.pop()
        if isinstance(tree, dict):
            source = tree.get("source")
            if isinstance(source, str):
                keys.update(key for key, _ in citations(source))
            trees.extend(tree.values())
        elif isinstance(tree, list | tuple):
            trees.extend(tree)
    return keys


def topic(library: Library, found: Topic) -> list[Block]:
    blocks: list[Block] = [Heading(found.title)]
    for section in found.sections:
        source = cite(library, section.source)
        if section.checked is not None:
            source += " " + words.CHECKED_ON.format(checked=f"{section.checked:%-d %B %Y}")
        blocks += [
            Heading(section.heading),
            Para(section.text),
            Para(words.SOURCE.format(source=source), True),
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
    return words.REDACTION_NOTICE.format(listed=_kinds_listed(kinds))


def note_redaction_notice(kinds: Iterable[str], said: str = words.NOTE_REDACTION_NOTICE) -> str:
    """Tell a lead (or, with `said`, a practitioner commenting) what was taken out of what they
    wrote before it was kept."""
    return said.format(listed=_kinds_listed(kinds))


def _kinds_listed(kinds: Iterable[str]) -> str:
    named = [KIND_WORDS.get(kind, "identifying details") for kind in sorted(kinds)]
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]


def not_an_answer(q: Question | None, found: Iterable[str], fallback: str) -> str:
    """What to say to typed text that is not an answer: the question's urgent reminder first
    (e.g. call 999), then what was removed from it, or the fallback."""
    kinds = list(found)
    said = redaction_notice(kinds) if kinds else fallback
    return f"{q.unrecognised} {said}" if q is not None and q.unrecognised else said


def privacy(retention_days: int) -> list[Block]:
    """What the bot keeps, for how long, who may see it, and how to remove it."""
    points = tuple(p.format(retention_days=retention_days) for p in words.PRIVACY_POINTS)
    return [Heading(words.PRIVACY_HEADING), Para(words.PRIVACY_INTRO), Bullets(points)]


def forget_question() -> list[Block]:
    return [Heading(words.FORGET_HEADING), Para(words.FORGET_QUESTION)]


def forgotten(count: int) -> list[Block]:
    return [Para(words.FORGOTTEN.format(count=count, s="" if count == 1 else "s"))]
