"""What the transcripts say in numbers, for safeguarding leads: pure, no I/O.

The store adds things up in the database (`StatsInputs`); this module turns those sums into
what a lead reads: outcomes in the dialogue's order with their titles, where practitioners were
not sure, where unfinished conversations stopped, and when the bot is busiest in local time.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final
from zoneinfo import ZoneInfo

from bot import render
from bot.transcripts.model import ABANDONED, EMPTY, StatsInputs
from bot.transcripts.view import duration_words, step_name
from states import NOT_SURE, Dialogue, Question

BUSIEST = 3
"""How many of the busiest hours the summary names."""
DEFAULT_PERIOD: Final = "30d"
"""The period statistics cover unless a lead names one, in Telegram and on the command line."""


@dataclass(frozen=True, slots=True)
class Count:
    """Transcripts with one outcome, or stopped at one step, and their share of all of them."""

    id: str
    label: str
    """The outcome's title or the question's short label; the raw id if the content lost it."""
    count: int
    share: float
    """count / all transcripts in the period (0 when there are none)."""


@dataclass(frozen=True, slots=True)
class Unsure:
    """How often one question was answered "not sure"."""

    id: str
    label: str
    unsure: int
    answered: int

    @property
    def rate(self) -> float:
        return self.unsure / self.answered if self.answered else 0.0


@dataclass(frozen=True, slots=True)
class Day:
    """Transcripts started on one local day, by outcome id (None: unfinished)."""

    day: date
    outcomes: Mapping[str | None, int]

    @property
    def total(self) -> int:
        return sum(self.outcomes.values())


@dataclass(frozen=True, slots=True)
class Stats:
    """Everything the text summary, the charts and the HTML report show."""

    total: int
    finished: int
    unfinished: int
    abandoned: int
    """Unfinished, and no answer for `abandoned_after_hours` (a lead may follow them up)."""
    empty: int
    """Unfinished without a single step: opened, and nothing answered."""
    abandoned_after_hours: int | None
    """What counts as abandoned (None: nothing was counted as abandoned)."""
    outcomes: tuple[Count, ...]
    """Every outcome of the dialogue in its order (zeros too), then any the content lost."""
    unsure: tuple[Unsure, ...]
    """Questions that offer "not sure" (or got one), in dialogue order."""
    dropoff: tuple[Count, ...]
    """Steps where unfinished transcripts stopped, in dialogue order; only those with any."""
    median_s: float | None
    """Median seconds from start to outcome; None when nothing was finished."""
    hours: tuple[int, ...]
    """24 counts: transcripts started in each local hour of the day."""
    busiest: tuple[tuple[int, int], ...]
    """(local hour, count), busiest first, at most `BUSIEST`, only hours with any."""
    days: tuple[Day, ...]
    """Local days with any transcripts, oldest first."""
    zone: str

    @property
    def in_progress(self) -> int:
        return self.unfinished - self.abandoned - self.empty

    def unfinished_parts(self) -> list[tuple[str, int]]:
        """How the unfinished stand, in words a lead reads, each with its count."""
        hours = self.abandoned_after_hours
        if hours is None:
            return [("with answers", self.in_progress), ("empty (nothing answered)", self.empty)]
        if hours % 24:
            idle = "an hour" if hours == 1 else f"{hours} hours"
        else:
            idle = "a day" if hours == 24 else f"{hours // 24} days"
        return [
            ("in progress", self.in_progress),
            (f"abandoned (no answer for {idle})", self.abandoned),
            ("empty (nothing answered)", self.empty),
        ]


def compute_stats(
    inputs: StatsInputs,
    dialogue: Dialogue,
    zone: ZoneInfo,
    abandoned_after_hours: int | None = None,
) -> Stats:
    """The numbers a lead reads, from the store's sums; hours and days are local to `zone`.

    `abandoned_after_hours` says what the store was asked to count as abandoned."""
    content = dialogue.content
    by_outcome: Counter[str | None] = Counter()
    hours = [0] * 24
    days: dict[date, Counter[str | None]] = {}
    for (hour, outcome), count in inputs.by_hour.items():
        local = hour.astimezone(zone)
        by_outcome[outcome] += count
        hours[local.hour] += count
        days.setdefault(local.date(), Counter())[outcome] += count
    total = sum(by_outcome.values())
    unfinished = by_outcome.pop(None, 0)

    def share(count: int) -> float:
        return count / total if total else 0.0

    outcomes = tuple(
        Count(o, step_name(dialogue, o), n, share(n))
        for o in _in_order(content.outcomes, {*content.outcomes, *by_outcome})
        for n in [by_outcome.get(o, 0)]
    )
    listed = {q for q, a in content.steps.items() if _offers_not_sure(a)}
    listed |= {q for q, n in inputs.unsure.items() if n}
    unsure = tuple(
        Unsure(q, step_name(dialogue, q), inputs.unsure.get(q, 0), inputs.answered.get(q, 0))
        for q in _in_order(content.steps, listed)
    )
    stopped = {step: n for step, n in inputs.stopped_at.items() if n}
    dropoff = tuple(
        Count(step, step_name(dialogue, step), stopped[step], share(stopped[step]))
        for step in _in_order([*content.steps, *content.outcomes], stopped)
    )
    ranked = sorted(((n, -h) for h, n in enumerate(hours) if n), reverse=True)[:BUSIEST]
    return Stats(
        total=total,
        finished=total - unfinished,
        unfinished=unfinished,
        # not asked for (no cut-off given), none is abandoned: those are with answers
        abandoned=0 if abandoned_after_hours is None else inputs.unfinished.get(ABANDONED, 0),
        empty=inputs.unfinished.get(EMPTY, 0),
        abandoned_after_hours=abandoned_after_hours,
        outcomes=outcomes,
        unsure=unsure,
        dropoff=dropoff,
        median_s=statistics.median(inputs.durations_s) if inputs.durations_s else None,
        hours=tuple(hours),
        busiest=tuple((-h, n) for n, h in ranked),
        days=tuple(Day(day, dict(days[day])) for day in sorted(days)),
        zone=zone.key,
    )


def _in_order(known: Iterable[str], present: Collection[str | None]) -> list[str]:
    """The ids present, in the dialogue's order, then any the dialogue no longer has."""
    order = list(known)
    return [i for i in order if i in present] + sorted(
        i for i in present if i is not None and i not in order
    )


def _offers_not_sure(question: Question) -> bool:
    return any(a.id == NOT_SURE for a in question.answers)


# ---- words ---------------------------------------------------------------------------------


def percent(part: float) -> str:
    """A share as a whole percentage, never rounding a few to a misleading 0% (or all but a few
    to 100%)."""
    if 0 < part < 0.005:
        return "<1%"
    if 0.995 <= part < 1:
        return ">99%"
    return f"{part:.0%}"


def hour_span(hour: int) -> str:
    return f"{hour:02d}:00–{(hour + 1) % 24:02d}:00"


def stats_blocks(stats: Stats, heading: str = "Statistics") -> list[render.Block]:
    """The numbers as a short text for Telegram and the terminal (one or two messages)."""
    if not stats.total:
        return [
            render.Heading(heading),
            render.Para(
                "No conversations were recorded in this period, so there is nothing to count "
                "yet. Try a longer period."
            ),
        ]
    plural = "" if stats.total == 1 else "s"
    overview = (
        f"{stats.total:,} conversation{plural}: {stats.finished:,} reached an outcome, "
        f"{stats.unfinished:,} unfinished"
    )
    if stats.unfinished:
        overview += ": " + ", ".join(f"{n:,} {words}" for words, n in stats.unfinished_parts())
    overview += "."
    if stats.median_s is not None:
        overview += f" Median time to an outcome: {duration_words(stats.median_s)}."
    busy = ", ".join(f"{hour_span(h)} ({n:,})" for h, n in stats.busiest)
    unfinished = Count("", "Unfinished", stats.unfinished, stats.unfinished / stats.total)
    blocks: list[render.Block] = [
        render.Heading(heading),
        render.Para(overview),
        render.Para(f"Busiest hours ({stats.zone}): {busy}."),
        render.Heading("Outcomes"),
        render.Bullets(tuple(_counted(c) for c in (*stats.outcomes, unfinished))),
    ]
    rates = [u for u in stats.unsure if u.answered]
    if rates:
        blocks += [
            render.Heading("Answered “Not sure”"),
            render.Bullets(
                tuple(
                    f"{u.label}: {u.unsure:,} of {u.answered:,} ({percent(u.rate)})" for u in rates
                )
            ),
        ]
    blocks.append(render.Heading("Where unfinished conversations stopped"))
    if stats.dropoff:
        blocks.append(render.Bullets(tuple(_counted(c) for c in stats.dropoff)))
    else:
        blocks.append(render.Para("Every conversation reached an outcome."))
    return blocks


def _counted(count: Count) -> str:
    return f"{count.label}: {count.count:,} ({percent(count.share)})"
