"""Transcripts out of the store for a lead's own tools: JSON lines, CSV, or one HTML report.

Each transcript is written as it arrives from the store (which fetches a batch at a time), so
an export of 100,000 transcripts never holds them all in memory. The HTML report is a single
self-contained file (inline CSS and SVG, no scripts, nothing fetched) that a browser opens with
no network; every piece of text in it that comes from data or content is escaped.
"""

from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from functools import cache
from html import escape
from importlib.resources import files
from string import Template
from typing import Any, Final, Literal, TextIO

from bot import render, words
from bot.errors import UsageError
from bot.transcripts.model import FREE_TEXT, TAGS, Filters, Transcript
from bot.transcripts.stats import Stats, hour_span, percent
from bot.transcripts.trends import Row, Trends, of, span
from bot.transcripts.view import (
    answer_name,
    duration_words,
    outcome_title,
    rule_line,
    short_when,
    step_line,
    step_name,
    when,
)
from states import Dialogue, Library

Format = Literal["jsonl", "csv", "html"]
FORMATS: Final[tuple[Format, ...]] = ("jsonl", "csv", "html")
PROGRESS_EVERY: Final = 100
"""Transcripts between two calls of the progress callback."""
TRANSCRIPT_COLUMNS: Final = (
    "id",
    "practitioner",
    "dialogue",
    "content_version",
    "started_at",
    "ended_at",
    "updated_at",
    "outcome",
    "outcome_title",
    "rules",
    "tags",
    "notes",
)
STEP_COLUMNS: Final = (
    "step_number",
    "step",
    "question",
    "answer",
    "answer_label",
    "at",
    "redacted",
    "removed",
)
_FORMULA: Final = ("=", "+", "-", "@", "\t", "\r")
"""How a spreadsheet cell that runs as a formula starts."""
_MARKER: Final = "<!-- transcripts -->"
"""Where the template's transcript rows go."""
CHART_CAPTIONS: Final = {
    "outcomes": "How many conversations started each day (or week, or month), by outcome.",
    "unsure": "How many answers at each question were “Not sure” (bar), of how many, and the "
    "rate: where guidance or training may help.",
    "dropoff": "The question where conversations that never reached an outcome stopped.",
}


@dataclass(frozen=True, slots=True)
class _Context:
    """What every format needs besides the transcripts."""

    dialogue: Dialogue
    library: Library
    zone: tzinfo
    stats: Stats | None
    filters: Filters
    now: datetime
    quiz: Sequence[render.Block] = ()
    trends: Trends | None = None
    sign: Callable[[str], str] = str
    """How the report names a note's author ("telegram:<id>" as config names that lead)."""


async def export(
    transcripts: AsyncIterator[Transcript],
    fmt: Format,
    out: TextIO,
    *,
    dialogue: Dialogue,
    library: Library,
    zone: tzinfo,
    stats: Stats | None = None,
    filters: Filters | None = None,
    progress: Callable[[int], None] | None = None,
    now: datetime | None = None,
    quiz: Sequence[render.Block] = (),
    trends: Trends | None = None,
    sign: Callable[[str], str] = str,
) -> int:
    """Write `transcripts` to `out` as `fmt`; return how many were written.

    `stats`, `trends`, `quiz` (the quiz results, as blocks) and `filters` are shown at the top of
    the HTML report (the other formats are only data). `progress` is called with how many more
    transcripts were written since its last call (tqdm's `update` fits). `now` is the report's
    "generated at" (default: the clock).
    """
    if fmt not in FORMATS:
        raise UsageError(f"There is no export format '{fmt}'. Formats: {', '.join(FORMATS)}.")
    context = _Context(
        dialogue,
        library,
        zone,
        stats,
        filters or Filters(),
        now or datetime.now(UTC),
        quiz,
        trends,
        sign,
    )
    writer = _WRITERS[fmt](out, context)
    writer.begin()
    count = pending = 0
    async for transcript in transcripts:
        writer.write(transcript)
        count += 1
        pending += 1
        if progress is not None and pending == PROGRESS_EVERY:
            progress(pending)
            pending = 0
    writer.end(count)
    if progress is not None and pending:
        progress(pending)
    return count


def utc(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, as every exported time is written."""
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def transcript_record(t: Transcript) -> dict[str, Any]:
    """A transcript as plain JSON data: ids as stored, times in UTC."""
    return {
        "id": t.id,
        "practitioner": t.practitioner,
        "dialogue": t.dialogue,
        "content_version": t.content_version,
        "started_at": utc(t.started_at),
        "ended_at": utc(t.ended_at),
        "updated_at": utc(t.updated_at),
        "outcome": t.outcome,
        "rules": list(t.rules),
        "tags": sorted(t.tags),
        "steps": [
            {
                "step": s.step,
                "answer": s.answer,
                "at": utc(s.at),
                "redacted": s.redacted,
                "removed": s.removed,
            }
            for s in t.steps
        ],
        "notes": [{"at": utc(n.at), "lead": n.lead, "text": n.text} for n in t.notes],
    }


class _Writer:
    """One format: something before the transcripts, each transcript, something after."""

    def __init__(self, out: TextIO, context: _Context) -> None:
        self.out, self.context = out, context

    def begin(self) -> None:
        """Nothing before the first transcript, unless the format needs it."""

    def write(self, t: Transcript) -> None:
        raise NotImplementedError

    def end(self, count: int) -> None:
        """Nothing after the last transcript, unless the format needs it."""


class _Jsonl(_Writer):
    def write(self, t: Transcript) -> None:
        # ASCII escapes keep every line break (\n, U+2028...) inside the JSON string: one
        # transcript is exactly one line for any reader.
        self.out.write(json.dumps(transcript_record(t), ensure_ascii=True) + "\n")


class _Csv(_Writer):
    """One row a step, with the transcript's columns repeated: it sorts and filters well."""

    def __init__(self, out: TextIO, context: _Context) -> None:
        super().__init__(out, context)
        self.rows = csv.writer(out)

    def begin(self) -> None:
        self.rows.writerow((*TRANSCRIPT_COLUMNS, *STEP_COLUMNS))

    def write(self, t: Transcript) -> None:
        record, dialogue = transcript_record(t), self.context.dialogue
        notes = " | ".join(f"{n['at']} {n['lead']}: {n['text']}" for n in record["notes"])
        head = [
            *(record[column] for column in TRANSCRIPT_COLUMNS[:8]),
            outcome_title(dialogue, t.outcome),
            ", ".join(str(n) for n in t.rules),
            ", ".join(record["tags"]),
            notes,
        ]
        steps: list[tuple[object, ...]] = [
            (
                number,
                step.step,
                step_name(dialogue, step.step),
                step.answer,
                answer_name(dialogue, step),
                utc(step.at),
                step.redacted,
                step.removed,
            )
            for number, step in enumerate(t.steps, 1)
        ]
        for row in steps or [(None,) * len(STEP_COLUMNS)]:
            self.rows.writerow([_cell(value) for value in (*head, *row)])


def _cell(value: object) -> str:
    """A CSV cell: empty for none, true/false, and text that a spreadsheet won't run."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return "'" + text if text.startswith(_FORMULA) else text


@cache
def _template() -> tuple[Template, Template]:
    """The report page before and after its transcript rows."""
    page = files("bot.transcripts").joinpath("report.html").read_text(encoding="utf-8")
    head, tail = page.split(_MARKER)
    return Template(head), Template(tail)


class _Html(_Writer):
    def begin(self) -> None:
        c = self.context
        content = c.dialogue.content
        head, _ = _template()
        self.out.write(
            head.substitute(
                title=escape(f"Transcripts: {content.title}"),
                filters=escape(c.filters.describe(c.zone)),
                generated=escape(when(c.now, c.zone)),
                zone=escape(str(c.zone)),
                content=escape(f"{content.id}, version {content.content_version}"),
                summary=(_summary(c.stats) if c.stats is not None else "")
                + _trends(c.trends)
                + _quiz(c.quiz),
            )
        )

    def write(self, t: Transcript) -> None:
        c = self.context
        dialogue = c.library.dialogues.get(t.dialogue, c.dialogue)
        day = t.started_at.astimezone(c.zone).date()
        if t.outcome is None:
            outcome = '<span class="unfinished">Unfinished</span>'
        else:
            outcome = escape(outcome_title(dialogue, t.outcome))
        flags = [("unsure", "not sure")] if t.unsure else []
        flags += [("redacted", "redacted")] if t.redacted else []
        flags += [("tag", TAGS.get(tag, tag)) for tag in sorted(t.tags)]
        badges = "".join(f'<span class="flag {k}">{escape(w)}</span>' for k, w in flags)
        steps = "".join(f"<li>{escape(step_line(s, dialogue, c.zone, day))}</li>" for s in t.steps)
        more = [f"Content version {t.content_version}"]
        if t.ended_at is not None:
            more.append(f"took {duration_words((t.ended_at - t.started_at).total_seconds())}")
        else:
            more.append(f"last activity {when(t.updated_at, c.zone)}")
        extra = "".join(f"<p>{escape(rule_line(c.library, n))}</p>" for n in t.rules)
        extra += "".join(
            f"<p>Note, {escape(when(n.at, c.zone))}, {escape(c.sign(n.lead))}: {escape(n.text)}</p>"
            for n in t.notes
        )
        count = len(t.steps)
        free = sum(s.answer == FREE_TEXT for s in t.steps)
        label = f"{count} step{'' if count == 1 else 's'}" + (f", {free} typed" if free else "")
        details = (
            f"<details><summary>{label}</summary>{f'<ol>{steps}</ol>' if steps else ''}"
            f"<p>{escape('; '.join(more))}</p>{extra}</details>"
        )
        cells = (
            ("", str(t.id)),
            (' class="when"', escape(short_when(t.started_at, c.zone))),
            (' class="p"', escape(t.practitioner)),
            ("", outcome),
            ("", badges),
            ("", details),
        )
        row = "".join(f'<div role="cell"{kind}>{html}</div>' for kind, html in cells)
        self.out.write(f'<div class="row" role="row" id="t{t.id}">{row}</div>\n')

    def end(self, count: int) -> None:
        if not count:
            self.out.write(
                '<div class="row" role="row"><div role="cell" class="empty none">'
                "No transcripts match these filters.</div></div>\n"
            )
        _, tail = _template()
        self.out.write(
            tail.substitute(
                count=f"{count:,} transcript{'' if count == 1 else 's'}",
                version=escape(self.context.dialogue.content.content_version),
            )
        )


def _summary(stats: Stats) -> str:
    """The numbers and the three charts, above the transcripts."""
    from bot.transcripts.charts import stats_svgs

    total = stats.total
    cards = [(f"{total:,}", "conversations")]
    if total:
        cards += [
            (f"{stats.finished:,}", f"reached an outcome ({percent(stats.finished / total)})"),
            (f"{stats.unfinished:,}", f"unfinished ({percent(stats.unfinished / total)})"),
        ]
    if stats.median_s is not None:
        cards.append((duration_words(stats.median_s), "median time to an outcome"))
    if stats.busiest:
        hour, busiest = stats.busiest[0]
        cards.append((hour_span(hour), f"busiest hour ({busiest:,} started)"))
    rows = "".join(
        f'<tr><td>{escape(c.label)}</td><td class="n">{c.count:,}</td>'
        f'<td class="n">{percent(c.share)}</td></tr>'
        for c in stats.outcomes
    )
    if total:
        rows += (
            f'<tr><td>Unfinished</td><td class="n">{stats.unfinished:,}</td>'
            f'<td class="n">{percent(stats.unfinished / total)}</td></tr>'
        )
        rows += "".join(
            f'<tr class="part"><td>of which {escape(words)}</td><td class="n">{n:,}</td>'
            f'<td class="n">{percent(n / total)}</td></tr>'
            for words, n in stats.unfinished_parts()
        )
    figures = "".join(
        f'<figure id="chart-{name}">{svg}<figcaption>{escape(CHART_CAPTIONS[name])}'
        "</figcaption></figure>\n"
        for name, svg in stats_svgs(stats).items()
    )
    return (
        '<section id="summary">\n<h2>Summary</h2>\n<div class="cards">'
        + "".join(
            f"<div class=card><b>{escape(big)}</b><span>{escape(small)}</span></div>"
            for big, small in cards
        )
        + "</div>\n<h3>Outcomes</h3>\n<table class=numbers><thead><tr><th>Outcome</th>"
        "<th>Conversations</th><th>Share</th></tr></thead><tbody>"
        + rows
        + "</tbody></table>\n</section>\n"
        + f'<section id="charts">\n<h2>Charts</h2>\n<div class="charts">\n{figures}</div>\n'
        "</section>"
    )


def _trends(trends: Trends | None) -> str:
    """Trends by week: a small table a question (and outcome), a row a week, each bar as long as
    its count against the largest week of its section, and "4 of 32 (12%)" beside it."""
    if trends is None or not trends.weeks:
        return ""
    labels = [escape(week.label()) for week in trends.weeks]

    def table(title: str, bars: Sequence[tuple[int, str]], most: int, kind: str) -> str:
        rows = "".join(
            f'<tr><th scope="row">{label}</th><td class="bar">'
            + (f'<span class="{kind}" style="width: {100 * n / most:.1f}%"></span>' if n else "")
            + f'</td><td class="n">{escape(said)}</td></tr>'
            for label, (n, said) in zip(labels, bars, strict=True)
        )
        heading = f"<h4>{escape(title)}</h4>" if title else ""
        return f'<div class="trend">{heading}<table class="weekly">{rows}</table></div>'

    def tables(rows: Sequence[Row], kind: str) -> str:
        most = max((max(row.counts) for row in rows), default=0)
        return "".join(
            table(
                f"{row.label}: {of(row.count, row.total)}",
                [(n, of(n, total)) for n, total in zip(row.counts, row.totals, strict=True)],
                most,
                kind,
            )
            for row in rows
        )

    parts = [f"<h2>{escape(words.TRENDS_REPORT_HEADING.format(span=span(trends)))}</h2>"]
    if any(trends.started):
        started = [(n, f"{n:,}") for n in trends.started]
        unsure = tables(trends.unsure, "unsure") or (
            f'<p class="none">{escape(words.TRENDS_NO_UNSURE)}</p>'
        )
        parts += [
            f"<p>{escape(words.TRENDS_REPORT_READING.format(zone=trends.zone))}</p>",
            f"<h3>{escape(words.TRENDS_STARTED)}</h3>",
            f'<div class="trends">{table("", started, max(trends.started), "started")}</div>',
            f"<h3>{escape(words.TRENDS_UNSURE)}</h3>",
            f'<div class="trends">{unsure}</div>',
            f"<h3>{escape(words.TRENDS_OUTCOMES)}</h3>",
            f'<div class="trends">{tables(trends.outcomes, "outcome")}</div>',
        ]
    else:
        parts.append(f'<p class="none">{escape(words.TRENDS_NONE)}</p>')
    return '\n<section id="trends">\n' + "\n".join(parts) + "\n</section>"


def _quiz(blocks: Sequence[render.Block]) -> str:
    """The quiz results as a section of their own (headings, paragraphs, lists)."""
    if not blocks:
        return ""
    parts = []
    for block in blocks:
        if isinstance(block, render.Heading):
            parts.append(f"<h2>{escape(block.text)}</h2>")
        elif isinstance(block, render.Bullets):
            items = "".join(f"<li>{escape(item)}</li>" for item in block.items)
            parts.append(f"<ol>{items}</ol>" if block.numbered else f"<ul>{items}</ul>")
        else:
            parts.append(f"<p>{escape(block.text)}</p>")
    return '\n<section id="quizzes">\n' + "\n".join(parts) + "\n</section>"


_WRITERS: Final[dict[Format, type[_Writer]]] = {"jsonl": _Jsonl, "csv": _Csv, "html": _Html}
