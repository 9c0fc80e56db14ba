"""/transcripts: the same filters as Telegram and the CLI (`parse_filters`), a search over
outcomes, tags and practitioner codes, sorting and paging."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Final
from urllib.parse import urlencode

from bot import words
from bot.desk.base import DeskHandler
from bot.errors import UsageError
from bot.transcripts.model import PSEUDONYM, TAGS, Filters, Summary, parse_filters
from bot.transcripts.view import outcome_title, short_when, step_name, tag_words

PAGE: Final = 25
MOST_PAGES: Final = 100_000
SORTS: Final = ("newest", "oldest", "steps")
MOST_TO_SORT: Final = 5000
"""Sorting by steps is done here, not in the database: only for this many transcripts."""
FLAGS: Final = ("unsure", "redacted", "unfinished")
FIELDS: Final = ("outcome", "period", "tag", "practitioner", "org")


@dataclass(frozen=True, slots=True)
class Query:
    """What the filter form asked for, as it goes back into links."""

    values: dict[str, str]
    flags: frozenset[str]
    q: str
    sort: str
    page: int

    def link(self, **changes: object) -> str:
        chosen = {**self.values, **{f: "1" for f in self.flags}, "q": self.q, "sort": self.sort}
        chosen["page"] = str(self.page)
        chosen.update({k: str(v) for k, v in changes.items()})
        return "?" + urlencode({k: v for k, v in chosen.items() if v and v != "newest"})


class Listing(DeskHandler):
    """Reads the filter form; shared by the list and the exports."""

    def query(self) -> Query:
        page_text = self.arg("page") or "1"
        if (
            not page_text.isascii()
            or not page_text.isdigit()
            or not 1 <= int(page_text) <= MOST_PAGES
        ):
            raise UsageError(words.DESK_BAD_PAGE.format(most=MOST_PAGES))
        sort = self.arg("sort") or "newest"
        if sort not in SORTS:
            raise UsageError(words.DESK_BAD_SORT)
        flags = frozenset(f for f in FLAGS if self.arg(f) not in ("", "0"))
        values = {name: self.arg(name) for name in FIELDS}
        return Query(values, flags, self.arg("q"), sort, int(page_text))

    def filters(self, query: Query) -> Filters:
        """The lead's filters, within what they may see; search words narrow them further."""
        services = self.services
        typed = [f"{k}={v}" for k, v in query.values.items() if v] + sorted(query.flags)
        ids = [o.id for o in services.config.organisations if self.lead.sees(o.id)]
        parsed = parse_filters(
            typed, services.clock(), services.config.zone, services.outcomes, organisations=ids
        )
        return self.lead.within(self.search(parsed.filters, query.q))

    def search(self, filters: Filters, q: str) -> Filters:
        """Each word names an outcome (its id, its title, or a word of its title: the first
        in the dialogue's order), a question (its id or a word of its short label), a tag (id
        or label) or a practitioner code; a word that names none of them is a UsageError
        saying what search covers."""
        dialogue = self.services.dialogue
        titles = {o: outcome_title(dialogue, o).lower() for o in self.services.outcomes}
        labels = {q: step_name(dialogue, q).lower() for q in dialogue.content.steps}
        for word in q.lower().split():
            outcomes = _named(word, titles)
            questions = _named(word, labels)
            tags = [t for t, label in TAGS.items() if word in (t, label.lower())]
            if PSEUDONYM.match(word):
                filters = replace(filters, practitioner=word)
            elif word in labels:  # a question's own id before any word of an outcome's title
                filters = replace(filters, question=word)
            elif outcomes:
                filters = replace(filters, outcome=outcomes[0])
            elif questions:
                filters = replace(filters, question=questions[0])
            elif tags:
                filters = replace(filters, tag=tags[0])
            else:
                raise UsageError(words.DESK_NO_MATCH.format(word=word[:40]))
        return filters


def _named(word: str, names: dict[str, str]) -> list[str]:
    """Ids that `word` names: the id itself, the whole name, or a word of the name."""
    return (
        [i for i in names if word == i]
        or [i for i, name in names.items() if word == name]
        or [i for i, name in names.items() if word in re.findall(r"[a-z']+", name)]
    )


class TranscriptList(Listing):
    async def get(self) -> None:
        query = self.query()
        filters = self.filters(query)
        zone = self.services.config.zone
        offset = (query.page - 1) * PAGE
        items, total = await self.page_of(filters, query.sort, offset)
        await self.audit("list", f"{filters.describe(zone)}; from {offset + 1}; {query.sort}")
        dialogue = self.services.dialogue
        rows = [
            (
                s,
                short_when(s.started_at, zone),
                outcome_title(dialogue, s.outcome),
                tag_words(s.tags),
            )
            for s in items
        ]
        organisations = [o for o in self.services.config.organisations if self.lead.sees(o.id)]
        self.render(
            "list.html",
            query=query,
            described=filters.describe(zone),
            rows=rows,
            total=total,
            first=offset + 1,
            previous=query.link(page=query.page - 1) if query.page > 1 else None,
            next=query.link(page=query.page + 1) if offset + PAGE < total else None,
            outcomes=[(o, outcome_title(dialogue, o)) for o in self.services.outcomes],
            tags=TAGS,
            organisations=organisations,
            sorts=SORTS,
        )

    async def page_of(self, filters: Filters, sort: str, offset: int) -> tuple[list[Summary], int]:
        store = self.services.store
        if sort == "newest":
            page = await store.list_transcripts(filters, offset=offset, limit=PAGE)
            return page.items, page.total
        total = await store.count_transcripts(filters)
        if sort == "oldest":  # the newest-first order read from its end
            start = max(0, total - offset - PAGE)
            size = max(0, min(PAGE, total - offset))
            if size == 0:
                return [], total
            page = await store.list_transcripts(filters, offset=start, limit=size)
            return list(reversed(page.items)), total
        if total > MOST_TO_SORT:
            raise UsageError(words.DESK_TOO_MANY_TO_SORT.format(total=total, most=MOST_TO_SORT))
        every: list[Summary] = []
        while len(every) < total:
            page = await store.list_transcripts(filters, offset=len(every), limit=500)
            if not page.items:
                break
            every += page.items
        every.sort(key=lambda s: (-s.steps, -s.id))
        return every[offset : offset + PAGE], total
