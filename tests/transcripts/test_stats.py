"""Statistics for leads: exact numbers from hand-made sums (across both DST changes), the text
summary, and the charts (PNG for Telegram, SVG for the report), empty periods included."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot import render
from bot.transcripts.charts import PAGE, _unsure, stats_png, stats_svgs, timeline
from bot.transcripts.model import StatsInputs
from bot.transcripts.stats import Count, Day, Stats, compute_stats, stats_blocks
from states import Dialogue, Library
from tests.emulator.entities import parse_html
from tests.support.contract import CONTRACT_OUTCOMES, CONTRACT_STEPS

LONDON = ZoneInfo("Europe/London")
NO_NOT_SURE = ("about_whom", "age_band")
"""The questions that offer no "not sure" answer."""
OFFER_NOT_SURE = [step for step in CONTRACT_STEPS if step not in NO_NOT_SURE]


def utc(year: int, month: int, day: int, hour: int) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


EMPTY = StatsInputs(by_hour={}, answered={}, unsure={}, stopped_at={}, durations_s=[])
SUMS = StatsInputs(
    by_hour={
        # 29 March 2026: clocks go forward at 01:00 UTC. 00:00 UTC is 00:00 GMT...
        (utc(2026, 3, 29, 0), "share"): 2,
        # ...and 01:00 UTC is already 02:00 BST: local hour 1 never happens that day.
        (utc(2026, 3, 29, 1), "share"): 1,
        # 25 October 2026: clocks go back at 01:00 UTC; both of these are local hour 1.
        (utc(2026, 10, 25, 0), None): 3,
        (utc(2026, 10, 25, 1), "refer_now"): 4,
        # 23:00 UTC on 30 June is midnight BST on 1 July: a different local day.
        (utc(2026, 6, 30, 23), "seek_advice"): 5,
        # An outcome the content no longer has (edited since).
        (utc(2026, 6, 30, 9), "retired_outcome"): 1,
    },
    answered={"immediate_danger": 10, "about_whom": 8, "consent": 4, "retired_question": 2},
    unsure={"immediate_danger": 3, "consent": 1, "retired_question": 2},
    stopped_at={"consent": 2, "immediate_danger": 1, "age_band": 0},
    durations_s=[600.0, 30.0, 90.0],
    unfinished={"abandoned": 1, "empty": 1, "in_progress": 1},
)


@pytest.fixture
def advice(library: Library) -> Dialogue:
    return library["advice"]


def test_counts_by_outcome_in_dialogue_order_with_titles(advice: Dialogue) -> None:
    stats = compute_stats(SUMS, advice, LONDON)
    assert (stats.total, stats.finished, stats.unfinished) == (16, 13, 3)
    # The dialogue's outcomes in its order (all of them, zeros too), then one it lost.
    assert [c.id for c in stats.outcomes] == [*advice.content.outcomes, "retired_outcome"]
    assert set(advice.content.outcomes) == CONTRACT_OUTCOMES
    found = {c.id: c for c in stats.outcomes}
    assert found["refer_now"] == Count(
        "refer_now", "Act now: refer your concerns without delay", 4, 4 / 16
    )
    assert found["share"].count == 3 and found["seek_advice"].count == 5
    assert found["must_share"] == Count(
        "must_share", "You must share: statutory duty or court order", 0, 0.0
    )
    assert found["retired_outcome"] == Count("retired_outcome", "retired_outcome", 1, 1 / 16)


def test_not_sure_rate_per_question_in_dialogue_order(advice: Dialogue) -> None:
    stats = compute_stats(SUMS, advice, LONDON)
    # Every question that offers "not sure" (zeros too), then one the content lost; not
    # about_whom, which offers no "not sure".
    assert [u.id for u in stats.unsure] == [*OFFER_NOT_SURE, "retired_question"]
    found = {u.id: u for u in stats.unsure}
    assert (found["immediate_danger"].label, found["immediate_danger"].rate) == (
        "Immediate danger",
        0.3,
    )
    assert (found["consent"].unsure, found["consent"].answered, found["consent"].rate) == (
        1,
        4,
        0.25,
    )
    assert found["identifiable"].rate == 0.0 and found["identifiable"].answered == 0
    assert (found["retired_question"].label, found["retired_question"].rate) == (
        "retired_question",
        1.0,
    )


def test_drop_off_by_step_as_count_and_share(advice: Dialogue) -> None:
    stats = compute_stats(SUMS, advice, LONDON)
    assert stats.dropoff == (
        Count("immediate_danger", "Immediate danger", 1, 1 / 16),
        Count("consent", "Consent", 2, 2 / 16),
    )


def test_median_time_to_an_outcome(advice: Dialogue) -> None:
    assert compute_stats(SUMS, advice, LONDON).median_s == 90.0
    even = StatsInputs({}, {}, {}, {}, [30.0, 90.0])
    assert compute_stats(even, advice, LONDON).median_s == 60.0


def test_busiest_hours_are_local_hours_across_both_clock_changes(advice: Dialogue) -> None:
    stats = compute_stats(SUMS, advice, LONDON)
    expected = [0] * 24
    expected[0] = 2 + 5  # 00:00 GMT in March, and midnight BST on 1 July
    expected[1] = 3 + 4  # 01:00 BST and 01:00 GMT on 25 October
    expected[2] = 1  # 02:00 BST on 29 March
    expected[10] = 1  # 10:00 BST
    assert list(stats.hours) == expected
    # Ties go to the earlier hour.
    assert stats.busiest == ((0, 7), (1, 7), (2, 1))
    in_utc = compute_stats(SUMS, advice, ZoneInfo("UTC"))
    assert (in_utc.hours[0], in_utc.hours[1], in_utc.hours[23], in_utc.hours[9]) == (5, 5, 5, 1)


def test_outcomes_per_local_day(advice: Dialogue) -> None:
    stats = compute_stats(SUMS, advice, LONDON)
    assert stats.days == (
        Day(date(2026, 3, 29), {"share": 3}),
        Day(date(2026, 6, 30), {"retired_outcome": 1}),
        Day(date(2026, 7, 1), {"seek_advice": 5}),
        Day(date(2026, 10, 25), {None: 3, "refer_now": 4}),
    )
    assert stats.days[-1].total == 7
    assert stats.zone == "Europe/London"


def test_no_transcripts(advice: Dialogue) -> None:
    stats = compute_stats(EMPTY, advice, LONDON)
    assert (stats.total, stats.finished, stats.unfinished, stats.median_s) == (0, 0, 0, None)
    assert [c.id for c in stats.outcomes] == list(advice.content.outcomes)
    assert all(c.count == 0 and c.share == 0.0 for c in stats.outcomes)
    assert [u.id for u in stats.unsure] == OFFER_NOT_SURE
    assert (stats.dropoff, stats.busiest, stats.days) == ((), (), ())
    text = render.plain(stats_blocks(stats))
    assert text == (
        "STATISTICS\n\nNo conversations were recorded in this period, so there is nothing to "
        "count yet. Try a longer period."
    )


def test_text_summary(advice: Dialogue) -> None:
    stats = compute_stats(SUMS, advice, LONDON, abandoned_after_hours=24)
    text = render.plain(stats_blocks(stats, "Statistics: last 30 days"))
    assert text.startswith(
        "STATISTICS: LAST 30 DAYS\n\n"
        "16 conversations: 13 reached an outcome, 3 unfinished: 1 in progress, 1 abandoned (no "
        "answer for a day), 1 empty (nothing answered). "
        "Median time to an outcome: 1 min 30 s.\n\n"
        "Busiest hours (Europe/London): 00:00–01:00 (7), 01:00–02:00 (7), 02:00–03:00 (1)."
    )
    lines = text.splitlines()
    assert "- Act now: refer your concerns without delay: 4 (25%)" in lines
    assert "- You must share: statutory duty or court order: 0 (0%)" in lines
    assert "- Unfinished: 3 (19%)" in lines
    assert "- Immediate danger: 3 of 10 (30%)" in lines
    assert "- Consent: 1 of 4 (25%)" in lines
    assert not any(line.startswith("- Identifiable") for line in lines)  # nobody answered it
    assert lines[-2:] == ["- Immediate danger: 1 (6%)", "- Consent: 2 (12%)"]
    messages = render.telegram_html(stats_blocks(stats))
    assert len(messages) == 1 and len(parse_html(messages[0])[0]) < 2500


def test_text_summary_when_everything_finished(advice: Dialogue) -> None:
    one = StatsInputs({(utc(2026, 11, 21, 9), "share"): 1}, {}, {}, {}, [45.0])
    text = render.plain(stats_blocks(compute_stats(one, advice, LONDON)))
    assert "1 conversation: 1 reached an outcome, 0 unfinished. Median time" in text
    assert text.endswith("Every conversation reached an outcome.")


def test_tiny_shares_are_not_rounded_to_zero(advice: Dialogue) -> None:
    many = StatsInputs(
        {(utc(2026, 11, 2, 9), "share"): 999, (utc(2026, 11, 2, 9), None): 1},
        {},
        {},
        {"consent": 1},
        [],
    )
    text = render.plain(stats_blocks(compute_stats(many, advice, LONDON)))
    assert "- Consent: 1 (<1%)" in text
    assert "- Share: the information is not confidential: 999 (>99%)" in text


# ---- charts --------------------------------------------------------------------------------


def test_timeline_buckets_by_day_week_or_month() -> None:
    days = (Day(date(2026, 11, 2), {"share": 1}), Day(date(2026, 11, 4), {None: 2}))
    unit, buckets = timeline(days)
    assert unit == "day"
    assert [(at, b.total) for at, b in buckets] == [
        (date(2026, 11, 2), 1),
        (date(2026, 11, 3), 0),
        (date(2026, 11, 4), 2),
    ]
    weeks = (Day(date(2026, 1, 1), {"share": 1}), Day(date(2026, 3, 4), {"share": 2}))
    unit, buckets = timeline(weeks)
    assert unit == "week"
    assert buckets[0][0] == date(2025, 12, 29)  # the Monday of 1 January 2026's week
    assert buckets[-1] == (date(2026, 3, 2), Day(date(2026, 3, 2), {"share": 2}))
    assert all(at.weekday() == 0 for at, _ in buckets) and len(buckets) == 10
    years = (
        Day(date(2025, 11, 30), {"share": 1}),
        Day(date(2026, 11, 1), {"share": 1}),
        Day(date(2026, 11, 30), {None: 1}),
    )
    unit, buckets = timeline(years)
    assert unit == "month"
    assert [at for at, _ in buckets][:2] == [date(2025, 11, 1), date(2025, 12, 1)]
    assert buckets[-1] == (date(2026, 11, 1), Day(date(2026, 11, 1), {"share": 1, None: 1}))
    assert len(buckets) == 13
    assert timeline(()) == ("day", [])


def _colours(png: bytes) -> int:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        return len(image.convert("RGB").getcolors(1 << 20) or ())


def test_png_for_a_phone(advice: Dialogue) -> None:
    from PIL import Image

    png = stats_png(compute_stats(SUMS, advice, LONDON))
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        width, height = image.size
    assert width == 1000 and 1000 < height < 3 * width  # one tall image, not a strip
    assert _colours(png) > 50  # bars in several colours and anti-aliased text


def test_png_with_no_transcripts(advice: Dialogue) -> None:
    png = stats_png(compute_stats(EMPTY, advice, LONDON))
    assert png.startswith(b"\x89PNG") and _colours(png) > 2


def _hostile(advice: Dialogue) -> Stats:
    """Ids the content no longer has are shown raw: they must stay text in every chart."""
    sums = StatsInputs(
        {(utc(2026, 11, 2, 9), "<script>x</script>"): 1, (utc(2026, 11, 2, 9), None): 1},
        {"a$b$c": 2},
        {"a$b$c": 1},
        {"<b>cost $5 & $6</b>": 1},
        [],
    )
    return compute_stats(sums, advice, LONDON)


def test_svgs_for_the_report(advice: Dialogue) -> None:
    svgs = stats_svgs(_hostile(advice))
    assert list(svgs) == ["outcomes", "unsure", "dropoff"]
    ids: list[str] = []
    for name, svg in svgs.items():
        assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
        assert "<script" not in svg and "<b>" not in svg
        found = re.findall(r'\bid="([^"]+)"', svg)
        assert found and all(i.startswith(f"{name}-") for i in found)
        ids += found
        # every reference points at an id in the same chart
        for target in re.findall(r'(?:href="#|url\(#)([^")]+)', svg):
            assert target in found
    assert len(ids) == len(set(ids))
    assert stats_svgs(_hostile(advice)) == svgs  # the same report twice is the same file


def test_svgs_with_no_transcripts(advice: Dialogue) -> None:
    svgs = stats_svgs(compute_stats(EMPTY, advice, LONDON))
    assert all(svg.startswith("<svg") for svg in svgs.values())


def test_not_sure_bars_are_as_long_as_their_counts_with_the_rate_beside(
    advice: Dialogue,
) -> None:
    """1 of 4 (25%) must not draw longer than 4 of 32 (13%): more practitioners were unsure."""
    import matplotlib.pyplot as plt

    sums = StatsInputs(
        by_hour={(utc(2026, 11, 2, 9), "share"): 32},
        answered={"immediate_danger": 32, "consent": 4},
        unsure={"immediate_danger": 4, "consent": 1},
        stopped_at={},
        durations_s=[],
    )
    stats = compute_stats(sums, advice, LONDON)
    figure, ax = plt.subplots()
    try:
        _unsure(ax, stats, PAGE)
        widths = [bar.get_width() for bar in ax.patches]
        words = [t.get_text() for t in ax.texts]
    finally:
        plt.close(figure)
    rows = [u for u in stats.unsure if u.answered]
    assert [u.id for u in rows] == ["immediate_danger", "consent"]
    assert widths == [4.0, 1.0]
    assert words[0].endswith("4 of 32 (12%)") and words[1].endswith("1 of 4 (25%)")


@pytest.mark.parametrize(
    ("hours", "said"),
    [
        (None, "3 unfinished: 2 with answers, 1 empty (nothing answered)."),
        (36, "3 unfinished: 1 in progress, 1 abandoned (no answer for 36 hours), 1 empty"),
        (72, "1 abandoned (no answer for 3 days)"),
        (1, "1 abandoned (no answer for an hour)"),
    ],
)
def test_unfinished_split_says_what_counts_as_abandoned(
    advice: Dialogue, hours: int | None, said: str
) -> None:
    """Without a cut-off nothing is called abandoned (the store was not asked to count them)."""
    stats = compute_stats(SUMS, advice, LONDON, abandoned_after_hours=hours)
    split = (1, 1, 1) if hours is not None else (2, 0, 1)
    assert (stats.in_progress, stats.abandoned, stats.empty) == split
    assert stats.unfinished == 3
    assert said in render.plain(stats_blocks(stats))
