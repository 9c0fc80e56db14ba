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
    PractitionerSums("p-unsure", decisions=4, finished=2, unsure=3, urgent=0, last_seen=seen(19)),
    PractitionerSums("p-urgent", decisions=2, finished=2, unsure=0, urgent=1, last_seen=seen(2)),
    PractitionerSums("p-busier", decisions=8, finished=8, unsure=6, urgent=0, last_seen=seen(3)),
]


def test_urgent_first_then_the_most_often_unsure_then_the_busiest() -> None:
    order = [r.who for r in ranked(ROWS)]
    # p-unsure (75%) and p-busier (75%) tie on the rate: more decisions first
    assert order == ["p-urgent", "p-busier", "p-unsure", "p-steady"]


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
        "- p-busier",
    ]
    assert text.endswith("And 2 more with fewer urgent or unsure decisions.")


def test_nobody() -> None:
    text = render.plain(practitioner_blocks([], LONDON, "Practitioners"))
    assert "No practitioners in this period." in text
