"""Trends for leads, week by week: ISO weeks in local time across both clock changes, the
current week so far, bars as long as counts with the rate beside them, and empty weeks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import render, words
from bot.transcripts.model import Filters
from bot.transcripts.stats import compute_stats
from bot.transcripts.trends import (
    BAR_WIDTH,
    MARKS,
    MOST_ROWS,
    NO_MARK,
    Trends,
    Week,
    bar,
    compute_trends,
    marks,
    of,
    trends_blocks,
    weeks,
)
from states import Dialogue, Library
from tests.emulator.entities import parse_html
from tests.support.clock import NOW
from tests.support.samples import week_sums

LONDON = ZoneInfo("Europe/London")


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def advice(library: Library) -> Dialogue:
    return library["advice"]


def trends_of(
    dialogue: Dialogue,
    found: Sequence[Week],
    outcomes: Sequence[Mapping[str | None, int]],
    unsure: Sequence[Mapping[str, tuple[int, int]]] = (),
) -> Trends:
    """The trends of these weeks, as the store and `compute_stats` would give them."""
    sums = [
        week_sums(week, counted, unsure[n] if unsure else None)
        for n, (week, counted) in enumerate(zip(found, outcomes, strict=True))
    ]
    pairs = [
        (week, compute_stats(s, dialogue, LONDON)) for week, s in zip(found, sums, strict=True)
    ]
    return compute_trends(pairs, LONDON)


# ---- weeks ---------------------------------------------------------------------------------


def test_weeks_are_local_mondays_across_the_october_clock_change() -> None:
    """Clocks go back at 01:00 UTC on Sunday 25 October 2026: that week has 169 hours, and the
    week before it starts at 23:00 UTC on the Sunday (midnight BST)."""
    before, during, after = weeks(utc(10, 27, 12), LONDON, 3)
    assert before == Week(date(2026, 10, 12), utc(10, 11, 23), utc(10, 18, 23))
    assert (during.start, during.since, during.until) == (
        date(2026, 10, 19),
        utc(10, 18, 23),
        utc(10, 26, 0),
    )
    assert during.until - during.since == timedelta(hours=169)
    assert (after.start, after.since, after.until) == (
        date(2026, 10, 26),
        utc(10, 26, 0),
        utc(11, 2, 0),
    )
    assert after.so_far and not during.partial and not before.partial


def test_weeks_are_local_mondays_across_the_march_clock_change() -> None:
    """Clocks go forward at 01:00 UTC on Sunday 29 March 2026: that week has 167 hours."""
    during, after = weeks(utc(3, 31, 8), LONDON, 2)
    assert (during.start, during.since, during.until) == (
        date(2026, 3, 23),
        utc(3, 23, 0),
        utc(3, 29, 23),
    )
    assert during.until - during.since == timedelta(hours=167)
    assert (after.start, after.since) == (date(2026, 3, 30), utc(3, 29, 23))


@pytest.mark.parametrize(
    ("moment", "monday"),
    [
        # 23:30 BST on Sunday 28 June is 22:30 UTC: still that Sunday's week
        (utc(6, 28, 22, 30), date(2026, 6, 22)),
        # 00:30 BST on Monday 29 June is 23:30 UTC on the Sunday: already Monday's week
        (utc(6, 28, 23, 30), date(2026, 6, 29)),
        # in winter, local time is UTC
        (utc(11, 29, 23, 59), date(2026, 11, 23)),
        (utc(11, 30, 0, 0), date(2026, 11, 30)),
    ],
)
def test_a_sunday_night_belongs_to_its_local_week(moment: datetime, monday: date) -> None:
    (week,) = weeks(moment, LONDON, 1)
    assert week.start == monday and week.since <= moment < week.until


def test_the_current_week_is_so_far_and_labelled_so() -> None:
    found = weeks(NOW, LONDON)  # Saturday 21 November 2026
    assert len(found) == 12
    assert [w.start for w in found] == [date(2026, 8, 31) + timedelta(weeks=n) for n in range(12)]
    assert [w.partial for w in found] == [False] * 11 + [True]
    assert found[-1].label() == "16 Nov (so far)" and found[0].label() == "31 Aug"
    assert found[-1].since <= NOW < found[-1].until


def test_a_period_cuts_its_first_and_last_weeks_and_leaves_out_the_rest() -> None:
    """2026-11-04..2026-11-10 (Wednesday to Tuesday): two part weeks of the twelve asked for."""
    since, until = utc(11, 4, 0), utc(11, 11, 0)
    first, last = weeks(NOW, LONDON, 12, since=since, until=until)
    assert (first.start, first.since, first.until) == (date(2026, 11, 2), since, utc(11, 9, 0))
    assert (last.start, last.since, last.until) == (date(2026, 11, 9), utc(11, 9, 0), until)
    assert first.cut and last.cut and not last.so_far
    assert (first.label(), last.label()) == ("2 Nov (part)", "9 Nov (part)")
    assert weeks(NOW, LONDON, 12, since=utc(12, 1, 0)) == ()  # a period still to come
    (yesterday,) = weeks(NOW, LONDON, 12, since=utc(11, 20, 0), until=utc(11, 21, 0))
    assert yesterday.label() == "16 Nov (part)" and not yesterday.so_far


def test_a_week_narrows_other_filters_to_itself() -> None:
    (week,) = weeks(NOW, LONDON, 1)
    base = Filters(outcome="share", unsure=True, since=utc(1, 1, 0))
    assert week.filters(base) == Filters(
        outcome="share", unsure=True, since=week.since, until=week.until
    )
    assert week.filters() == Filters(since=week.since, until=week.until)


# ---- numbers -------------------------------------------------------------------------------


def test_weeks_line_up_with_zeros_filled_in_the_most_counted_first(advice: Dialogue) -> None:
    found = weeks(NOW, LONDON, 3)
    trends = trends_of(
        advice,
        found,
        [{"share": 2, None: 1}, {}, {"refer_now": 5, "retired_outcome": 1}],
        [{"consent": (1, 3)}, {}, {"immediate_danger": (2, 5), "retired_question": (1, 1)}],
    )
    assert trends.weeks == found and trends.started == (3, 0, 6)
    assert [(r.id, r.counts, r.totals) for r in trends.outcomes] == [
        ("refer_now", (0, 0, 5), (3, 0, 6)),
        ("share", (2, 0, 0), (3, 0, 6)),
        # ties in the dialogue's order, then what the content lost, then the unfinished
        ("retired_outcome", (0, 0, 1), (3, 0, 6)),
        (None, (1, 0, 0), (3, 0, 6)),
    ]
    assert [r.label for r in trends.outcomes][-2:] == ["retired_outcome", "Unfinished"]
    # only questions with a "not sure" in the weeks; the answers of weeks without one count too
    assert [(r.id, r.label, r.counts, r.totals) for r in trends.unsure] == [
        ("immediate_danger", "Immediate danger", (0, 0, 2), (0, 0, 5)),
        ("consent", "Consent", (1, 0, 0), (3, 0, 0)),
        ("retired_question", "retired_question", (0, 0, 1), (0, 0, 1)),
    ]
    assert (trends.unsure[0].count, trends.unsure[0].total) == (2, 5)


def test_rates_are_of_how_many_never_rounded_to_nothing() -> None:
    assert of(4, 32) == "4 of 32 (12%)"
    assert of(1, 4) == "1 of 4 (25%)"
    assert of(1, 1000) == "1 of 1,000 (<1%)"
    assert of(0, 0) == "0 of 0 (0%)"


# ---- bars ----------------------------------------------------------------------------------


def test_bars_are_as_long_as_their_counts_to_an_eighth() -> None:
    assert bar(32, 32) == "█" * BAR_WIDTH
    assert bar(16, 32) == "█" * (BAR_WIDTH // 2)
    assert bar(4, 32) == "█▎"  # 4/32 of 10 characters: 1.25
    assert len(bar(4, 32)) > len(bar(1, 32))
    assert bar(1, 1000) == "▏"  # a sliver, never nothing
    assert bar(0, 32) == bar(0, 0) == ""


def test_marks_are_as_tall_as_their_counts() -> None:
    assert marks([0, 1, 16, 32], 32) == NO_MARK + MARKS[0] + MARKS[3] + MARKS[-1]
    assert marks([0, 0], 0) == NO_MARK * 2


def test_four_of_32_draws_longer_than_one_of_4(advice: Dialogue) -> None:
    """The rate of 1 of 4 is the higher, but 4 of 32 is where more practitioners were unsure."""
    found = weeks(NOW, LONDON, 2)
    trends = trends_of(
        advice,
        found,
        [{"share": 4}, {"share": 32}],
        [{"consent": (1, 4), "immediate_danger": (0, 4)}, {"consent": (4, 32)}],
    )
    (consent,) = trends.unsure
    assert consent.counts == (1, 4)
    line = next(
        item
        for block in trends_blocks(trends)
        if isinstance(block, render.Bullets)
        for item in block.items
        if "Consent" in item
    )
    assert line == f"{MARKS[1]}{MARKS[-1]} Consent: 5 of 36 (14%)"
    assert MARKS.index(line[1]) > MARKS.index(line[0])
    # two questions in one week: the one with more "not sure" answers first, and taller
    (week,) = weeks(NOW, LONDON, 1)
    both = trends_of(
        advice, [week], [{"share": 32}], [{"consent": (1, 4), "identifiable": (4, 32)}]
    )
    text = render.plain(trends_blocks(both))
    assert (
        f"- {MARKS[-1]} Identifies a living person: 4 of 32 (12%)\n- {MARKS[1]} Consent: 1 of 4"
        in text
    )


# ---- text ----------------------------------------------------------------------------------


def test_the_text_for_a_phone(advice: Dialogue) -> None:
    found = weeks(NOW, LONDON, 3)
    trends = trends_of(
        advice,
        found,
        [{"share": 20, None: 4}, {}, {"refer_now": 1, "share": 2}],
        [{"consent": (3, 20)}, {}, {"consent": (1, 2)}],
    )
    text = render.plain(trends_blocks(trends))
    assert text.startswith(
        "TRENDS: THE 3 WEEKS FROM 2 NOV TO 22 NOV 2026\n\n"
        "Weeks run Monday to Sunday (Europe/London), oldest first."
    )
    assert "Part weeks: 16 Nov (so far)." in text
    assert "- 2 Nov  ██████████ 24\n- 9 Nov   0\n- 16 Nov (so far)  █▎ 3" in text
    assert f"- {MARKS[-1]}{NO_MARK}{MARKS[2]} Consent: 4 of 22 (18%)" in text  # 3, 0, 1
    assert f"- {MARKS[-1]}{NO_MARK}{MARKS[0]} Share: the information is not confidential: " in text
    assert text.endswith(
        f"- {NO_MARK}{NO_MARK}{MARKS[0]} Act now: refer your concerns without delay: 1 of 27 (4%)"
    )
    messages = render.telegram_html(trends_blocks(trends))
    assert len(messages) == 1 and len(parse_html(messages[0])[0]) < 1500


def test_a_year_of_weeks_still_fits_in_telegram(advice: Dialogue) -> None:
    found = weeks(NOW, LONDON, 52)
    everything = {o: 3 for o in advice.content.outcomes} | {None: 2}
    questions = {q: (1, 9) for q in advice.content.steps}
    trends = trends_of(advice, found, [everything] * 52, [questions] * 52)
    messages = render.telegram_html(trends_blocks(trends))
    assert len(messages) == 1
    text = render.plain(trends_blocks(trends))
    assert f"And {len(trends.unsure) - MOST_ROWS} more question(s)" in text
    assert f"And {len(trends.outcomes) - MOST_ROWS} more outcome(s)" in text
    everyone = render.plain(trends_blocks(trends, most=len(trends.unsure)))
    assert "more question(s)" not in everyone


def test_no_decisions_says_so(advice: Dialogue) -> None:
    found = weeks(NOW, LONDON, 4)
    trends = trends_of(advice, found, [{}] * 4)
    assert trends.started == (0, 0, 0, 0) and trends.unsure == () and trends.outcomes == ()
    assert render.plain(trends_blocks(trends)) == (
        f"TRENDS: THE 4 WEEKS FROM 26 OCT TO 22 NOV 2026\n\n{words.TRENDS_NONE}"
    )


def test_decisions_without_a_not_sure_say_so(advice: Dialogue) -> None:
    (week,) = weeks(NOW, LONDON, 1)
    text = render.plain(
        trends_blocks(trends_of(advice, [week], [{"share": 1}], [{"consent": (0, 1)}]))
    )
    assert "TRENDS: THE 1 WEEK FROM 16 NOV" in text
    assert words.TRENDS_NO_UNSURE in text and "Consent" not in text
