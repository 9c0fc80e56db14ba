"""Transcripts in words, for a lead reading them in Telegram, the terminal or the HTML report.

Steps and answers are stored as ids; they are shown with today's wording. Content edited since
a transcript was made may have lost an id: it is then shown as it was stored, never an error.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, tzinfo

from bot import render
from bot.transcripts.model import (
    BACK,
    FREE_TEXT,
    MARKERS,
    STOPPED,
    TAGS,
    Entry,
    Summary,
    Transcript,
)
from states import Dialogue, Library, Question


def when(moment: datetime, zone: tzinfo) -> str:
    """A local date and time a lead reads at a glance, with the zone's abbreviation (GMT/BST)."""
    return moment.astimezone(zone).strftime("%a %d %b %Y, %H:%M %Z")


def duration_words(seconds: float) -> str:
    """2 min 30 s, 1 h 5 min, 45 s."""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    return f"{secs} s"


def short_when(moment: datetime, zone: tzinfo) -> str:
    """A local date and time for lists and tables: 21 Nov 2026 09:30."""
    return f"{moment.astimezone(zone):%d %b %Y %H:%M}"


def outcome_title(dialogue: Dialogue, outcome: str | None) -> str:
    return "unfinished" if outcome is None else step_name(dialogue, outcome)


def step_name(dialogue: Dialogue, step: str) -> str:
    """A question's short label or an outcome's title; the raw id if the content lost it."""
    node = dialogue.node_or_none(step)
    if node is None:
        return step
    return node.short if isinstance(node, Question) else node.title


def answer_name(dialogue: Dialogue, step: Entry) -> str:
    """What was done at a step: the answer's label, Back, or typing (never the text)."""
    if step.answer == BACK:
        return "Back"
    if step.answer == STOPPED:
        return "stopped here to get advice"
    if step.answer == FREE_TEXT:
        typed = "typed something that was not an answer"
        return f"{typed}; removed: {step.removed}" if step.removed else typed
    node = dialogue.node_or_none(step.step)
    labels = {a.id: a.label for a in node.answers} if isinstance(node, Question) else {}
    return labels.get(step.answer, step.answer)


def step_line(step: Entry, dialogue: Dialogue, zone: tzinfo, day: date | None = None) -> str:
    """One step: its local time (with the date if not `day`), the question and what was done."""
    local = step.at.astimezone(zone)
    clock = f"{local:%H:%M:%S}" if local.date() == day else f"{local:%d %b %Y %H:%M:%S}"
    kind = "Outcome" if dialogue.is_outcome(step.step) else "Q"
    did = answer_name(dialogue, step)
    if step.answer not in MARKERS:
        did = f"A: {did}"
    return f"{clock}  {kind}: {step_name(dialogue, step.step)} — {did}"


def rule_line(library: Library, number: int) -> str:
    found = library.reference.rules.get(number)
    return f"Rule {number}: {found.title}" if found is not None else f"Rule {number}"


def tag_words(tags: frozenset[str]) -> str:
    return ", ".join(TAGS.get(tag, tag) for tag in sorted(tags))


def transcript_blocks(
    t: Transcript,
    dialogue: Dialogue,
    library: Library,
    zone: tzinfo,
    *,
    sign: Callable[[str], str] = str,
) -> list[render.Block]:
    """One whole transcript: who (a pseudonym), when, each step in order, outcome, tags, notes
    (each signed by `sign`: a lead as config names them, e.g. `Config.signature`)."""
    dialogue = library.dialogues.get(t.dialogue, dialogue)
    about = [f"Practitioner: {t.practitioner}", f"Started: {when(t.started_at, zone)}"]
    if t.ended_at is not None:
        took = duration_words((t.ended_at - t.started_at).total_seconds())
        about.append(f"Ended: {when(t.ended_at, zone)} (took {took})")
    else:
        about.append(f"Unfinished: last activity {when(t.updated_at, zone)}")
    version = f"Content version: {t.content_version}"
    if t.content_version != dialogue.content.content_version:
        version += f" (shown in today's wording, {dialogue.content.content_version})"
    about.append(version)
    if t.tags:
        about.append(f"Tags: {tag_words(t.tags)}")
    day = t.started_at.astimezone(zone).date()
    blocks: list[render.Block] = [
        render.Heading(f"Transcript {t.id}"),
        render.Bullets(tuple(about)),
        render.Heading("Steps"),
    ]
    if t.steps:
        lines = tuple(step_line(s, dialogue, zone, day) for s in t.steps)
        blocks.append(render.Bullets(lines, numbered=True))
    else:
        blocks.append(render.Para("No answers were given."))
    blocks.append(render.Heading(f"Outcome: {outcome_title(dialogue, t.outcome)}"))
    if t.rules:
        blocks.append(render.Bullets(tuple(rule_line(library, n) for n in t.rules)))
    if t.notes:
        notes = (f"{when(n.at, zone)}, {sign(n.lead)}: {n.text}" for n in t.notes)
        blocks += [render.Heading("Notes"), render.Bullets(tuple(notes))]
    return blocks


def summary_line(s: Summary, dialogue: Dialogue, zone: tzinfo, *, mark: str = "/t") -> str:
    """One transcript in a list, starting with its number after `mark`: in Telegram `/t42` is
    a command a tap sends (opening it); on the command line `#42` reads better."""
    parts = [
        f"{mark}{s.id} {short_when(s.started_at, zone)}",
        outcome_title(dialogue, s.outcome),
        f"{s.steps} step{'' if s.steps == 1 else 's'}",
    ]
    flags = [word for flag, word in ((s.unsure, "not sure"), (s.redacted, "redacted")) if flag]
    if flags:
        parts.append(", ".join(flags))
    if s.tags:
        parts.append(tag_words(s.tags))
    return " · ".join(parts)
