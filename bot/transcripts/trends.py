"""Week by week, for safeguarding leads: decisions, outcomes and "not sure" per question. Pure.

A week is an ISO week, Monday to Sunday in the deployment's time zone: a decision made at 23:30
on a summer Sunday belongs to that Sunday's week, not to Monday's as UTC would have it. The
store adds up each week on its own (`StatsInputs`, one query a week) and `compute_stats` names
and orders what it found; this module lines the weeks up and draws them with bars as long as
the counts and the rate beside them, so 4 unsure answers of 32 draw longer than 1 of 4.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from bot import render, words
from bot.transcripts.model import EVERY, Filters
from bot.transcripts.stats import Stats, percent

DEFAULT_WEEKS: Final = 12
MOST_WEEKS: Final = 52
MOST_ROWS: Final = 5
"""Questions (and outcomes) a reply in Telegram lists: the most often counted."""
BAR_WIDTH: Final = 10
"""Characters the longest bar of a table takes."""
EIGHTHS: Final = "▏▎▍▌▋▊▉█"
"""A bar's last character, by how many eighths of a character it fills."""
MARKS: Final = "▂▃▄▅▆▇█"
"""A week's mark in a row, by its count; `NO_MARK` for none."""
NO_MARK: Final = "▁"


@dataclass(frozen=True, slots=True)
class Week:
    """One week, as the store is asked for it."""

    start: date
    """Its Monday, local."""
    since: datetime
    until: datetime
    """UTC; the next Monday's midnight, or where the period asked for ends."""
    so_far: bool = False
    """The week holding now: not over yet."""
    cut: bool = False
    """The period asked for starts or ends inside it."""

    @property
    def partial(self) -> bool:
        return self.so_far or self.cut

    def filters(self, base: Filters = EVERY) -> Filters:
        """`base` narrowed to this week's decisions."""
        return replace(base, since=self.since, until=self.until)

    def label(self) -> str:
        """Its Monday, and whether it is only part of a week: "30 Nov (so far)"."""
        day = f"{self.start.day} {self.start:%b}"
        if self.so_far:
            return words.TRENDS_WEEK_SO_FAR.format(day=day)
        return words.TRENDS_WEEK_PART.format(day=day) if self.cut else day


def weeks(
    now: datetime,
    zone: ZoneInfo,
    count: int = DEFAULT_WEEKS,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[Week, ...]:
    """The `count` weeks up to the one holding `now` (or the end of the period `since` to
    `until`), oldest first, each cut to the period; weeks wholly outside it are left out."""
    last = now if until is None else min(now, until - timedelta(microseconds=1))
    local = last.astimezone(zone).date()
    monday = local - timedelta(days=local.weekday())

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(), zone).astimezone(UTC)

    found: list[Week] = []
    for back in range(count - 1, -1, -1):
        start = monday - timedelta(weeks=back)
        begin, end = midnight(start), midnight(start + timedelta(weeks=1))
        low = begin if since is None else max(begin, since)
        high = end if until is None else min(end, until)
        if low < high:
            so_far = begin <= now < high  # a period ending before now ends it: (part)
            found.append(Week(start, low, high, so_far, (low, high) != (begin, end)))
    return tuple(found)


@dataclass(frozen=True, slots=True)
class Row:
    """One question (or outcome) week by week: how many, of how many."""

    id: str | None
    """None: the unfinished decisions."""
    label: str
    counts: tuple[int, ...]
    """Per week: "not sure" answers at the question, or decisions with the outcome."""
    totals: tuple[int, ...]
    """Per week: answers given at the question, or decisions started."""

    @property
    def count(self) -> int:
        return sum(self.counts)

    @property
    def total(self) -> int:
        return sum(self.totals)


@dataclass(frozen=True, slots=True)
class Trends:
    """Everything the text reply and the HTML report show of the weeks."""

    weeks: tuple[Week, ...]
    started: tuple[int, ...]
    """Decisions started in each week."""
    unsure: tuple[Row, ...]
    """Questions answered "not sure" in any of the weeks, the most often first."""
    outcomes: tuple[Row, ...]
    """Outcomes reached (and unfinished decisions) in any of the weeks, the most often first."""
    zone: str


Line = tuple[str, str, int, int]
"""(id, label, count, of how many): one question or outcome in one week."""


def compute_trends(weekly: Sequence[tuple[Week, Stats]], zone: ZoneInfo) -> Trends:
    """The weeks lined up, from each week's statistics (named and ordered by `compute_stats`)."""
    every = [stats for _, stats in weekly]
    started = tuple(stats.total for stats in every)
    questions = _rows(
        every, lambda s: [(u.id, u.label, u.unsure, u.answered) for u in s.unsure], lambda _: 0
    )
    outcomes = _rows(
        every, lambda s: [(c.id, c.label, c.count, s.total) for c in s.outcomes], lambda s: s.total
    )
    unfinished = Row(None, words.TRENDS_UNFINISHED, tuple(s.unfinished for s in every), started)
    return Trends(
        weeks=tuple(week for week, _ in weekly),
        started=started,
        unsure=_most_first(questions),
        outcomes=_most_first([*outcomes, unfinished]),
        zone=zone.key,
    )


def _rows(
    every: Sequence[Stats],
    lines: Callable[[Stats], Iterable[Line]],
    absent: Callable[[Stats], int],
) -> list[Row]:
    """A row for each id met in any week, in the order first met (the dialogue's, then any it
    lost); a week without it counts none of `absent(stats)` (no answers, or all decisions)."""
    found: dict[str, tuple[str, list[int], list[int]]] = {}
    for week, stats in enumerate(every):
        for key, label, count, total in lines(stats):
            row = found.setdefault(key, (label, [0] * len(every), [absent(s) for s in every]))
            row[1][week], row[2][week] = count, total
    return [Row(key, label, tuple(c), tuple(t)) for key, (label, c, t) in found.items()]


def _most_first(rows: Iterable[Row]) -> tuple[Row, ...]:
    """Rows counted at all, the most counted first; ties keep their order."""
    return tuple(sorted((row for row in rows if row.count), key=lambda row: -row.count))


# ---- drawing -------------------------------------------------------------------------------


def bar(count: int, most: int, width: int = BAR_WIDTH) -> str:
    """A bar as long as `count` against the table's largest, `most`, to an eighth of a
    character; any count above none shows at least a sliver."""
    if count <= 0 or most <= 0:
        return ""
    eighths = math.ceil(count * width * 8 / most)
    whole, rest = divmod(eighths, 8)
    return "█" * whole + (EIGHTHS[rest - 1] if rest else "")


def marks(counts: Sequence[int], most: int) -> str:
    """A row of weeks, a mark each, as tall as its count against the table's largest."""
    return "".join(
        MARKS[math.ceil(n * len(MARKS) / most) - 1] if n > 0 and most > 0 else NO_MARK
        for n in counts
    )


def of(count: int, total: int) -> str:
    """ "4 of 32 (12%)"."""
    rate = count / total if total else 0.0
    return f"{count:,} of {total:,} ({percent(rate)})"


def span(trends: Trends) -> str:
    """The weeks in words for headings: "the 12 weeks from 14 Sep to 6 Dec 2026"."""
    first, last = trends.weeks[0], trends.weeks[-1]
    end = last.start + timedelta(days=6)
    return words.TRENDS_SPAN.format(
        count=len(trends.weeks),
        s="" if len(trends.weeks) == 1 else "s",
        first=f"{first.start.day} {first.start:%b}",
        last=f"{end.day} {end:%b %Y}",
    )


def trends_blocks(trends: Trends, most: int = MOST_ROWS) -> list[render.Block]:
    """The weeks as a short text for Telegram and the terminal: decisions as bars a week a line,
    then a line a question (and outcome) with a mark a week and the rate of all the weeks."""
    blocks: list[render.Block] = [render.Heading(words.TRENDS_HEADING.format(span=span(trends)))]
    if not any(trends.started):
        return [*blocks, render.Para(words.TRENDS_NONE)]
    partial = [w.label() for w in trends.weeks if w.partial]
    note = words.TRENDS_READING.format(zone=trends.zone)
    if partial:
        note += " " + words.TRENDS_PARTIAL.format(weeks=", ".join(partial))
    busiest = max(trends.started)
    blocks += [
        render.Para(note, italic=True),
        render.Heading(words.TRENDS_STARTED),
        render.Bullets(
            tuple(
                f"{week.label()}  {bar(n, busiest)} {n:,}"
                for week, n in zip(trends.weeks, trends.started, strict=True)
            )
        ),
        render.Heading(words.TRENDS_UNSURE),
    ]
    if trends.unsure:
        blocks += _marked(trends.unsure, most, words.TRENDS_MORE_QUESTIONS)
    else:
        blocks.append(render.Para(words.TRENDS_NO_UNSURE))
    outcomes = _marked(trends.outcomes, most, words.TRENDS_MORE_OUTCOMES)
    return [*blocks, render.Heading(words.TRENDS_OUTCOMES), *outcomes]


def _marked(rows: Sequence[Row], most: int, more: str) -> list[render.Block]:
    """The `most` most counted rows, a mark a week, scaled to the largest week among them."""
    shown = rows[:most]
    tallest = max(max(row.counts) for row in shown)
    lines = tuple(
        f"{marks(row.counts, tallest)} {row.label}: {of(row.count, row.total)}" for row in shown
    )
    blocks: list[render.Block] = [render.Bullets(lines)]
    if len(rows) > most:
        blocks.append(render.Para(more.format(count=len(rows) - most)))
    return blocks
