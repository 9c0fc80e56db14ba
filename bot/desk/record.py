"""A finished transcript's decision record, rebuilt from its steps as the practitioner got it
(the same text `bot.outcome.record_text` gives them to paste into case notes)."""

from __future__ import annotations

from datetime import tzinfo

from bot.outcome import record_text
from bot.transcripts.model import BACK, FREE_TEXT, STOPPED, Transcript
from states import NOT_SURE, Dialogue, Library, State, decision_record


def rebuilt_record(t: Transcript, dialogue: Dialogue, library: Library, zone: tzinfo) -> str | None:
    """The record, or None: unfinished, or the content changed since so the steps no longer
    lead to the outcome (a record in today's wording of other answers would mislead)."""
    if t.outcome is None or t.ended_at is None:
        return None
    history: list[tuple[str, str]] = []
    for entry in t.steps:
        if entry.answer == BACK:
            if history:
                history.pop()
        elif entry.answer != FREE_TEXT and not dialogue.is_outcome(entry.step):
            history.append((entry.step, NOT_SURE if entry.answer == STOPPED else entry.answer))
    state = State(t.dialogue, t.outcome, tuple(history))
    if not dialogue.knows(state):
        return None
    return record_text(
        library, decision_record(dialogue, state, t.ended_at.astimezone(zone).date())
    )
