"""Exports for leads: JSON lines and CSV read back exactly, and the HTML report is one
well-formed, self-contained, escaped file that a real headless browser renders with its charts.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import re
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot import words
from bot.errors import UsageError
from bot.transcripts.charts import OUTCOME_COLOURS, UNSURE_COLOUR
from bot.transcripts.export import STEP_COLUMNS, TRANSCRIPT_COLUMNS, Format, export
from bot.transcripts.model import (
    BACK,
    FREE_TEXT,
    Entry,
    Filters,
    Note,
    StatsInputs,
    Transcript,
)
from bot.transcripts.stats import Stats, compute_stats
from bot.transcripts.trends import Trends, compute_trends, weeks
from states import NOT_SURE, Dialogue, Library, answer
from tests.support.samples import TRANSCRIPT, at, week_sums

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
HOSTILE = (
    '</details></div><script>alert("x")</script> & "quoted" \'single\', comma\n'
    "second line\u2028after a line separator"
)
FORMULA = '=HYPERLINK("http://example.com/x","click")'


# The transcript of the view tests, with hostile typed text and a note with markup in it.
FINISHED = replace(
    TRANSCRIPT,
    ended_at=at(9, 33, 1, 250),
    updated_at=at(9, 33, 1, 250),
    content_version="2026-11-21",
    rules=(3, 5, 7),
    steps=(
        *TRANSCRIPT.steps[:4],
        Entry("legitimate_purpose", FREE_TEXT, at(9, 32), True, HOSTILE),
        Entry("legitimate_purpose", FREE_TEXT, at(9, 32, 5), False, FORMULA),
        Entry("legitimate_purpose", NOT_SURE, at(9, 33, 1, 250), False),
    ),
    notes=(Note(at(10, 0), "cli:jane", '<img src="http://example.com/x.png"> -1'),),
)
UNFINISHED = Transcript(
    id=43,
    practitioner="p-<b>not-a-tag</b>",
    started_at=at(23, 15, day=30, month=6),
    ended_at=None,
    updated_at=at(23, 15, 5, day=30, month=6),
    dialogue="advice",
    content_version="2026-11-01",
    outcome=None,
    rules=(),
    steps=(),
)


async def stream(items: Iterable[Transcript]) -> AsyncIterator[Transcript]:
    for item in items:
        yield item


async def exported(
    library: Library,
    fmt: Format,
    items: Iterable[Transcript],
    stats: Stats | None = None,
    filters: Filters | None = None,
    trends: Trends | None = None,
) -> str:
    out = io.StringIO(newline="")
    count = await export(
        stream(items),
        fmt,
        out,
        dialogue=library["advice"],
        library=library,
        zone=LONDON,
        stats=stats,
        filters=filters,
        now=NOW,
        trends=trends,
    )
    assert count == len(list(items))
    return out.getvalue()


# ---- JSON lines ----------------------------------------------------------------------------


def _when(text: str | None) -> datetime | None:
    if text is None:
        return None
    assert text.endswith("Z")
    return datetime.fromisoformat(text)


def _transcript(record: dict[str, Any]) -> Transcript:
    """Read a JSON line back, as a lead's own tools would."""
    started, updated = _when(record["started_at"]), _when(record["updated_at"])
    assert started is not None and updated is not None
    return Transcript(
        id=record["id"],
        practitioner=record["practitioner"],
        started_at=started,
        ended_at=_when(record["ended_at"]),
        updated_at=updated,
        dialogue=record["dialogue"],
        content_version=record["content_version"],
        outcome=record["outcome"],
        rules=tuple(record["rules"]),
        steps=tuple(
            Entry(s["step"], s["answer"], _when(s["at"]), s["redacted"], s["removed"])  # type: ignore[arg-type]
            for s in record["steps"]
        ),
        tags=frozenset(record["tags"]),
        notes=tuple(Note(_when(n["at"]), n["lead"], n["text"]) for n in record["notes"]),  # type: ignore[arg-type]
    )


async def test_jsonl_has_exactly_these_fields_one_transcript_a_line(library: Library) -> None:
    text = await exported(library, "jsonl", [FINISHED, UNFINISHED])
    assert text.count("\n") == 2 and text.endswith("\n")
    lines = text.splitlines()  # splits at U+2028 too: it must be escaped inside the JSON
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert list(first) == [
        "id",
        "practitioner",
        "dialogue",
        "content_version",
        "started_at",
        "ended_at",
        "updated_at",
        "outcome",
        "rules",
        "tags",
        "steps",
        "notes",
    ]
    assert first["started_at"] == "2026-11-21T09:30:00Z"
    assert first["ended_at"] == "2026-11-21T09:33:01.000250Z"
    assert first["rules"] == [3, 5, 7] and first["tags"] == ["follow_up", "reviewed"]
    assert first["steps"][0] == {
        "step": "immediate_danger",
        "answer": "no",
        "at": "2026-11-21T09:30:10Z",
        "redacted": False,
        "removed": None,
    }
    assert first["steps"][4]["removed"] == HOSTILE and first["steps"][4]["redacted"] is True
    assert first["notes"] == [
        {"at": "2026-11-21T10:00:00Z", "lead": "cli:jane", "text": FINISHED.notes[0].text}
    ]
    assert (second["ended_at"], second["outcome"], second["steps"]) == (None, None, [])
    assert second["started_at"] == "2026-06-30T23:15:00Z"  # UTC, not local (BST) time


async def test_jsonl_round_trip(library: Library) -> None:
    text = await exported(library, "jsonl", [FINISHED, UNFINISHED])
    assert [_transcript(json.loads(line)) for line in text.splitlines()] == [
        FINISHED,
        UNFINISHED,
    ]


# ---- CSV -----------------------------------------------------------------------------------


async def test_csv_one_row_a_step_read_back(library: Library) -> None:
    text = await exported(library, "csv", [FINISHED, UNFINISHED])
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert list(rows[0]) == [*TRANSCRIPT_COLUMNS, *STEP_COLUMNS]
    assert len(rows) == len(FINISHED.steps) + 1  # a transcript with no steps still has a row
    assert {r["id"] for r in rows[:7]} == {"42"} and rows[7]["id"] == "43"
    first = rows[0]
    assert first["practitioner"] == "p-3f9a0c2e71b4"
    assert first["started_at"] == "2026-11-21T09:30:00Z"
    assert first["outcome"] == "seek_advice"
    assert first["outcome_title"] == "Seek advice before you decide"
    assert first["rules"] == "3, 5, 7" and first["tags"] == "follow_up, reviewed"
    assert (
        first["notes"] == '2026-11-21T10:00:00Z cli:jane: <img src="http://example.com/x.png"> -1'
    )
    assert (first["step_number"], first["step"], first["question"]) == (
        "1",
        "immediate_danger",
        "Immediate danger",
    )
    assert (first["answer"], first["answer_label"], first["at"], first["redacted"]) == (
        "no",
        "No",
        "2026-11-21T09:30:10Z",
        "false",
    )
    assert rows[2]["answer"] == BACK and rows[2]["answer_label"] == "Back"
    assert rows[4]["removed"] == HOSTILE and rows[4]["redacted"] == "true"  # newlines, quotes kept
    assert rows[5]["removed"] == "'" + FORMULA  # never a live formula
    assert rows[6]["answer_label"] == "Not sure"
    empty = rows[7]
    assert (empty["outcome"], empty["outcome_title"], empty["ended_at"]) == ("", "unfinished", "")
    assert all(empty[column] == "" for column in STEP_COLUMNS)


# ---- HTML ----------------------------------------------------------------------------------

VOID = {"meta", "br", "hr", "col", "img", "input", "link", "wbr", "source", "area", "base"}


class StrictHtml(HTMLParser):
    """Fails on a tag closed out of order or left open; collects attributes and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str | None]] = []
        self.text: list[str] = []
        self.styles: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [(tag, name, value) for name, value in attrs]
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [(tag, name, value) for name, value in attrs]

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.open[-1] if self.open else None}>")
            return
        self.open.pop()

    def handle_data(self, data: str) -> None:
        (self.styles if self.open and self.open[-1] == "style" else self.text).append(data)


def parsed(page: str) -> StrictHtml:
    parser = StrictHtml()
    parser.feed(page)
    parser.close()
    assert parser.problems == [] and parser.open == []
    return parser


def assert_self_contained(parser: StrictHtml) -> None:
    """Nothing the page could fetch, run or navigate to outside itself."""
    assert not {"script", "link", "img", "iframe", "object", "embed", "base", "image"} & set(
        parser.tags
    )
    for tag, name, value in parser.attributes:
        assert not name.startswith("on"), (tag, name)
        if name in ("src", "href", "xlink:href", "action", "srcset", "poster", "data"):
            assert (value or "").startswith("#"), (tag, name, value)
        if name == "style":
            assert "url(" not in (value or "").replace("url(#", ""), (tag, value)
    css = "".join(parser.styles)
    assert "@import" not in css and "url(" not in css
    policy = [v for t, n, v in parser.attributes if t == "meta" and n == "content" and v]
    assert any(v.startswith("default-src 'none'") for v in policy)


def sums(transcripts: Iterable[Transcript]) -> StatsInputs:
    """What the store would add up for these transcripts."""
    inputs = StatsInputs({}, {}, {}, {}, [])
    for t in transcripts:
        hour = (t.started_at.replace(minute=0, second=0, microsecond=0), t.outcome)
        inputs.by_hour[hour] = inputs.by_hour.get(hour, 0) + 1
        for s in t.steps:
            if s.answer not in (BACK, FREE_TEXT):
                inputs.answered[s.step] = inputs.answered.get(s.step, 0) + 1
                inputs.unsure[s.step] = inputs.unsure.get(s.step, 0) + (s.answer == NOT_SURE)
        if t.ended_at is None:
            last = t.steps[-1].step if t.steps else "immediate_danger"
            inputs.stopped_at[last] = inputs.stopped_at.get(last, 0) + 1
        else:
            inputs.durations_s.append((t.ended_at - t.started_at).total_seconds())
    return inputs


def walked(dialogue: Dialogue, count: int, seed: int = 7) -> list[Transcript]:
    """Plausible transcripts: random walks through the real dialogue, some left unfinished."""
    rnd = random.Random(seed)
    items: list[Transcript] = []
    for number in range(1, count + 1):
        started = datetime(2026, 10, 20, 8, tzinfo=UTC) + timedelta(minutes=rnd.randrange(43200))
        state, moment, steps = dialogue.start, started, []
        while not dialogue.is_outcome(state.step) and rnd.random() > 0.05:
            moment += timedelta(seconds=rnd.randint(5, 90))
            choice = rnd.choice(dialogue.content.steps[state.step].answers).id
            steps.append(Entry(state.step, choice, moment, False))
            state = answer(dialogue, state, choice).state
        done = dialogue.is_outcome(state.step)
        items.append(
            Transcript(
                id=number,
                practitioner=f"p-{rnd.getrandbits(48):012x}",
                started_at=started,
                ended_at=moment if done else None,
                updated_at=moment,
                dialogue="advice",
                content_version=dialogue.content.content_version,
                outcome=state.step if done else None,
                rules=dialogue.content.outcomes[state.step].rules if done else (),
                steps=tuple(steps),
            )
        )
    return sorted(items, key=lambda t: t.started_at)


@pytest.fixture
def report_items(library: Library) -> list[Transcript]:
    return [*walked(library["advice"], 60), FINISHED, UNFINISHED]


@pytest.fixture
def report_stats(library: Library, report_items: list[Transcript]) -> Stats:
    return compute_stats(sums(report_items), library["advice"], LONDON)


async def test_html_report_is_well_formed_self_contained_and_escaped(
    library: Library, report_items: list[Transcript], report_stats: Stats
) -> None:
    filters = Filters(unsure=True, tag="follow_up")
    page = await exported(library, "html", report_items, report_stats, filters)
    assert page.startswith("<!DOCTYPE html>")
    parser = parsed(page)
    assert_self_contained(parser)
    text = " ".join(parser.text)
    # The hostile text is shown, as text, exactly once per place it belongs.
    assert '</details></div><script>alert("x")</script> & "quoted"' in text
    assert "<script" not in page and '<img src="http' not in page
    assert "p-<b>not-a-tag</b>" in text and "<b>not-a-tag" not in page
    assert "answered not sure, tagged Follow up" in text  # the filters, in words
    assert "Sat 21 Nov 2026, 09:30 GMT" in text  # generated at, local time
    assert f"{len(report_items)} transcripts in this file" in text
    assert len(re.findall(r'<div class="row" role="row" id="t\d+">', page)) == len(report_items)
    assert page.count("<details>") == len(report_items)
    assert [v for t, n, v in parser.attributes if t == "figure" and n == "id"] == [
        "chart-outcomes",
        "chart-unsure",
        "chart-dropoff",
    ]
    assert parser.tags.count("svg") == 3


async def test_html_report_with_nothing_in_it(library: Library) -> None:
    empty = compute_stats(StatsInputs({}, {}, {}, {}, []), library["advice"], LONDON)
    page = await exported(library, "html", [], empty)
    parser = parsed(page)
    assert_self_contained(parser)
    text = " ".join(parser.text)
    assert "No transcripts match these filters." in text and "0 transcripts in this file" in text
    assert parser.tags.count("svg") == 3


async def test_html_without_stats_has_no_charts(library: Library) -> None:
    parser = parsed(await exported(library, "html", [FINISHED]))
    assert "svg" not in parser.tags and "all transcripts" in " ".join(parser.text)
    assert ("section", "id", "trends") not in parser.attributes


async def test_html_report_has_trends_by_week_bars_as_long_as_counts(library: Library) -> None:
    """Consent: 1 of 4 last week, 4 of 32 this week; the second bar is the longer, though its
    rate is the lower. A question id the content lost is shown as stored, escaped."""
    last, this = weeks(NOW, LONDON, 2)
    lost = '<b>retired</b> & "q"'
    sums = [
        week_sums(last, {"share": 4}, {"consent": (1, 4)}),
        week_sums(this, {"share": 30, None: 2}, {"consent": (4, 32), lost: (1, 1)}),
    ]
    advice = library["advice"]
    trends = compute_trends(
        [(w, compute_stats(s, advice, LONDON)) for w, s in zip((last, this), sums, strict=True)],
        LONDON,
    )
    page = await exported(library, "html", [FINISHED], trends=trends)
    parser = parsed(page)
    assert_self_contained(parser)
    text = " ".join(parser.text)
    assert "Trends by week: the 2 weeks from 9 Nov to 22 Nov 2026" in text
    assert "Consent: 5 of 36 (14%)" in text and "1 of 4 (25%)" in text and "4 of 32 (12%)" in text
    assert f"{lost}: 1 of 1 (100%)" in text and "<b>retired" not in page
    assert "16 Nov (so far)" in text
    widths = [
        float((value or "").removeprefix("width: ").removesuffix("%"))
        for tag, name, value in parser.attributes
        if tag == "span" and name == "style"
    ]
    # started (4, 32), consent (1, 4), the lost question (0: no bar, 1), outcomes
    assert widths[:2] == [12.5, 100.0]
    assert widths[2:5] == [25.0, 100.0, 25.0]
    section = page[
        page.index('<section id="trends">') : page.index(
            "</section>", page.index('<section id="trends">')
        )
    ]
    assert section.index("Share: the information is not confidential: 34 of 36") < section.index(
        "Unfinished: 2 of 36"
    )


async def test_html_report_trends_with_no_decisions_or_no_not_sure(library: Library) -> None:
    found = weeks(NOW, LONDON, 3)
    empty = [(w, compute_stats(week_sums(w, {}), library["advice"], LONDON)) for w in found]
    parser = parsed(await exported(library, "html", [], trends=compute_trends(empty, LONDON)))
    text = " ".join(parser.text)
    assert "Trends by week: the 3 weeks from 2 Nov to 22 Nov 2026" in text
    assert words.TRENDS_NONE in text
    assert not [tag for tag, name, _ in parser.attributes if name == "style"]  # no bars
    calm = [
        (w, compute_stats(week_sums(w, {"share": 1}), library["advice"], LONDON)) for w in found
    ]
    parser = parsed(await exported(library, "html", [], trends=compute_trends(calm, LONDON)))
    assert words.TRENDS_NO_UNSURE in " ".join(parser.text)


async def test_written_as_they_arrive_with_progress(library: Library) -> None:
    """Each transcript is written before the next is fetched; progress adds up to the total."""
    out = io.StringIO()
    items = walked(library["advice"], 250)

    async def watched() -> AsyncIterator[Transcript]:
        for number, item in enumerate(items):
            if number:
                assert f'id="t{items[number - 1].id}"' in out.getvalue()
            yield item

    steps: list[int] = []
    count = await export(
        watched(),
        "html",
        out,
        dialogue=library["advice"],
        library=library,
        zone=LONDON,
        progress=steps.append,
    )
    assert count == 250 and steps == [100, 100, 50]


async def test_unknown_format_is_a_usage_error(library: Library) -> None:
    with pytest.raises(UsageError, match="Formats: jsonl, csv, html"):
        await exported(library, "xml", [FINISHED])  # type: ignore[arg-type]


# ---- a real browser ------------------------------------------------------------------------


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if os.environ.get("INFOSHARE_SKIP_BROWSER") == "1":
        pytest.skip("INFOSHARE_SKIP_BROWSER=1: the HTML report was not opened in a browser")
    if found is None:
        pytest.fail(
            "Chromium is not installed, so the HTML report cannot be checked in a real browser. "
            "Install it (Debian: apt-get install chromium; CI does), or set "
            "INFOSHARE_SKIP_BROWSER=1 to skip this test."
        )
    return found


def browse(tmp_path: Path, page: Path, *mode: str) -> subprocess.CompletedProcess[str]:
    """Open `page` in headless Chromium with no network and a fresh profile."""
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    command = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        *mode,
        page.as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    # The page has no scripts, so any console message (an error, a blocked fetch) is a defect.
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    assert console == []
    return done


def _has_colour(pixels: set[tuple[int, int, int]], hex_colour: str) -> bool:
    want = tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return any(all(abs(a - b) <= 6 for a, b in zip(p, want, strict=True)) for p in pixels)


async def test_report_renders_in_a_real_browser(
    library: Library, report_items: list[Transcript], report_stats: Stats, tmp_path: Path
) -> None:
    chromium()  # fail (or skip) before doing any work
    page = tmp_path / "report.html"
    page.write_text(await exported(library, "html", report_items, report_stats), "utf-8")

    dom = browse(tmp_path, page, "--dump-dom").stdout
    assert len(re.findall(r"<svg\b", dom)) == 3
    assert len(re.findall(r'role="row" id="t\d+"', dom)) == len(report_items)
    assert "<script" not in dom

    shot = tmp_path / "report.png"
    browse(tmp_path, page, f"--screenshot={shot}", "--window-size=1280,2000", "--hide-scrollbars")
    from PIL import Image

    with Image.open(shot) as image:
        assert image.size == (1280, 2000)
        counted = image.convert("RGB").getcolors(1 << 24) or []
    pixels: set[tuple[int, int, int]] = {colour for _, colour in counted}  # type: ignore[misc]
    assert len(pixels) > 200, "the screenshot is (nearly) blank"
    # The charts were drawn: the stacked outcome bars and the "not sure" bars are on screen.
    assert _has_colour(pixels, OUTCOME_COLOURS[0]) and _has_colour(pixels, UNSURE_COLOUR)
