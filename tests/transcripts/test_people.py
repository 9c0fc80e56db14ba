"""Practitioners by pseudonym (bot/transcripts/people.py): ranked for support, no identity."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot import render
from bot.transcripts.model import PractitionerSums
from bot.transcripts.people import practitioner_blocks, ranked

LONDON = ZoneInfo("Europe/London")


def seen(day: int) -> datetime:
    return datetime(2026, 11, day, 9, 30, tzinfo=UTC)


ROWS = [
    PractitionerSums("p-steady", decisions=12, finished=12, unsure=1, urgent=0, last_seen=seen(20)),
    PractitionerSums("p-once", decisions=1, finished=0, unsure=1, urgent=0, last_seen=seen(19)),
    PractitionerSums("p-urgent", decisions=2, finished=2, unsure=0, urgent=1, last_seen=seen(2)),
    PractitionerSums("p-often", decisions=40, finished=38, unsure=30, urgent=0, last_seen=seen(3)),
]


def test_urgent_first_then_the_most_unsure_decisions_then_the_rate() -> None:
    """30 unsure decisions of 40 come before 1 of 1: a rate alone would put 1 of 1 first and
    could hide the practitioner most often unsure behind a page of single decisions."""
    order = [r.who for r in ranked(ROWS)]
    # p-once and p-steady have one unsure decision each: the higher rate first
    assert order == ["p-urgent", "p-often", "p-once", "p-steady"]


def test_one_line_each_with_every_number_and_local_time() -> None:
    text = render.plain(practitioner_blocks(ROWS, LONDON, "Practitioners: all"))
    lines = [line for line in text.splitlines() if line.startswith("- ")]
    assert lines[0] == (
        "- p-urgent: 2 decisions (2 reached an outcome), not sure in 0 (0%), 1 urgent, "
        "last seen 2026-11-02 09:30"
    )
    assert "4 practitioners, by pseudonym (no names)" in text
    assert len(lines) == 4


def test_a_long_list_is_cut_and_says_how_many_more() -> None:
    text = render.plain(practitioner_blocks(ROWS, LONDON, "Practitioners", most=2))
    assert [line[:10] for line in text.splitlines() if line.startswith("- ")] == [
        "- p-urgent",
        "- p-often:",
    ]
    assert text.endswith("And 2 more, each with as many or fewer.")


def test_nobody() -> None:
    text = render.plain(practitioner_blocks([], LONDON, "Practitioners"))
    assert "No practitioners in this period." in text
