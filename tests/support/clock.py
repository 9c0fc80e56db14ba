"""The tests' clock: a fixed moment, moved only when a test says so, never today's date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)


class FixedClock:
    """A `bot.telegram.services.Clock` that stands still until told to move."""

    def __init__(self, at: datetime = NOW) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, by: timedelta) -> None:
        self.at += by
