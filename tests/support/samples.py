"""A sample transcript, with every kind of entry, for views and exports; a week's sums."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from bot.transcripts.model import BACK, FREE_TEXT, Entry, Note, StatsInputs, Transcript
from bot.transcripts.trends import Week


def at(
    hour: int, minute: int, second: int = 0, micro: int = 0, *, day: int = 21, month: int = 11
) -> datetime:
    """A time in 2026 (UTC), 21 November unless said."""
    return datetime(2026, month, day, hour, minute, second, micro, tzinfo=UTC)


TRANSCRIPT = Transcript(
    id=42,
    practitioner="p-3f9a0c2e71b4",
    started_at=at(9, 30),
    ended_at=at(9, 33),
    updated_at=at(0, 5, day=22),
    dialogue="advice",
    content_version="2026-11-01",
    outcome="seek_advice",
    rules=(3, 7, 9),
    steps=(
        Entry("immediate_danger", "no", at(9, 30, 10), False),
        Entry("about_whom", "child", at(9, 30, 40), False),
        Entry("age_band", BACK, at(9, 31), False),
        Entry("about_whom", "adult", at(9, 31, 20), False),
        Entry("legitimate_purpose", FREE_TEXT, at(9, 32), True, "name, <b>phone</b>"),
        Entry("legitimate_purpose", FREE_TEXT, at(9, 32, 5), False),
        Entry("retired_question", "maybe", at(9, 32, 10), False),
        Entry("immediate_danger", "perhaps", at(9, 32, 20), False),
        Entry("legitimate_purpose", "not_sure", at(9, 33), False),
        Entry("seek_advice", BACK, at(0, 5, day=22), False),
    ),
    tags=frozenset({"reviewed", "follow_up"}),
    notes=(Note(at(10, 0, day=22), "cli:jane", "Discussed in supervision"),),
)


def week_sums(
    week: Week,
    outcomes: Mapping[str | None, int],
    unsure: Mapping[str, tuple[int, int]] | None = None,
) -> StatsInputs:
    """What the store would add up for one week: decisions by outcome (None: unfinished), all
    started in its first hour, and per question ("not sure" answers, answers)."""
    answers = unsure or {}
    return StatsInputs(
        by_hour={(week.since, outcome): n for outcome, n in outcomes.items()},
        answered={question: given for question, (_, given) in answers.items()},
        unsure={question: n for question, (n, _) in answers.items()},
        stopped_at={},
        durations_s=[],
    )
