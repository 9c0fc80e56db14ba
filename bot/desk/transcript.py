"""/transcripts/N: one transcript, who viewed it, and the lead's writes (tags, notes).

A transcript of another organisation is answered exactly as one that is not there (404), and
the attempt is logged as refused.
"""

from __future__ import annotations

import logging
from typing import Final

import tornado.web

from bot import words
from bot.desk.base import DeskHandler
from bot.desk.record import rebuilt_record
from bot.errors import UsageError
from bot.transcripts.model import MAX_ID, NOTE_LIMIT, TAGS, Access, Note, Transcript, clean_note
from bot.transcripts.view import outcome_title, rule_line, step_line, tag_words, when

log = logging.getLogger(__name__)
MOST_TYPED: Final = NOTE_LIMIT * 10
"""Characters of a note accepted before redaction (the rest would be cut anyway)."""
VIEWERS: Final = 1000
"""Access-log lines looked through for who viewed a transcript (the newest)."""


class One(DeskHandler):
    """Shared by the page and its forms."""

    async def visible(self, number: int, action: str, *, audit: bool = True) -> Transcript:
        """Transcript `number` if there and the lead may see it; else 404 (logged)."""
        if not 1 <= number <= MAX_ID:
            raise tornado.web.HTTPError(404)
        store = self.services.store
        found = await store.get_transcript(number)
        if found is not None and not self.lead.sees(found.organisation):
            log.warning("a lead asked for a transcript of another organisation (access log)")
            await self.audit(action, "another organisation", allowed=False)
            raise tornado.web.HTTPError(404)
        if found is None:
            await self.audit(action, "not found")
            raise tornado.web.HTTPError(404)
        if audit:
            await self.audit(action)
        return found


class TranscriptPage(One):
    async def get(self, text: str) -> None:
        number = int(text)
        found = await self.visible(number, f"show {number}")
        services = self.services
        zone, library = services.config.zone, services.library
        dialogue = library.dialogues.get(found.dialogue, services.dialogue)
        day = found.started_at.astimezone(zone).date()
        viewed = await services.store.accesses(limit=VIEWERS, about=number)
        self.render(
            "transcript.html",
            t=found,
            started=when(found.started_at, zone),
            ended=when(found.ended_at, zone) if found.ended_at else None,
            updated=when(found.updated_at, zone),
            steps=[step_line(s, dialogue, zone, day) for s in found.steps],
            outcome=outcome_title(dialogue, found.outcome),
            rules=[rule_line(library, n) for n in found.rules],
            record=rebuilt_record(found, dialogue, library, zone),
            tag_words=tag_words(found.tags),
            tags=TAGS,
            notes=[(when(n.at, zone), services.sign(n.lead), n.text) for n in found.notes],
            viewed=[(when(a.at, zone), services.sign(a.who), a.action, a) for a in viewed],
            note_limit=NOTE_LIMIT,
        )


class Tags(One):
    async def post(self, text: str) -> None:
        number, tag = int(text), self.get_body_argument("tag", "")
        if tag not in TAGS:
            raise UsageError(words.DESK_NO_TAG.format(tag=tag[:40]))
        # What the button said (Add or Remove), never a toggle: a stale page, a double press
        # or another lead's change meanwhile cannot turn it into the opposite.
        on = self.get_query_argument("on", "1") != "0"
        await self.visible(number, f"tag {number} {tag}", audit=False)
        action = f"tag {number} {tag}{'' if on else ' off'}"
        done = await self.services.store.set_tag(number, tag, on)
        await self.audit(action, "" if done else "not found")
        self.redirect(f"/transcripts/{number}", status=303)


class Notes(One):
    async def post(self, text: str) -> None:
        number, typed = int(text), self.get_body_argument("text", "")
        if len(typed) > MOST_TYPED:
            raise UsageError(words.DESK_NOTE_TOO_LONG.format(most=NOTE_LIMIT))
        if not typed.strip():
            raise UsageError(words.DESK_NOTE_EMPTY)
        await self.visible(number, f"note {number}", audit=False)
        cleaned = clean_note(typed.strip())
        store, now = self.services.store, self.services.clock()
        done = await store.add_note(number, Note(now, self.lead.who, cleaned.text))
        await store.log_access(
            Access(now, self.lead.who, "desk", f"note {number}", "" if done else "not found")
        )
        self.redirect(f"/transcripts/{number}", status=303)
