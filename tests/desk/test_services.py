"""The desk's services (bot/desk/services.py): a finished week's count is reused for a few
minutes by the overview's chart, the week holding now never is."""

from __future__ import annotations

from datetime import timedelta

from bot.desk.services import PAST_WEEKS_KEPT
from bot.transcripts.trends import weeks
from tests.support.desk import NORTH_PRACTITIONER, DeskSite
from tests.support.storage import transcript_write


async def test_finished_weeks_are_counted_once_a_while_and_this_week_always(
    desk: DeskSite,
) -> None:
    services, store = desk.services, desk.store
    last_week, this_week = weeks(desk.clock(), services.config.zone, 2)
    scope = frozenset({"north"})
    await store.join_organisation(NORTH_PRACTITIONER, "north", last_week.since)

    assert await services.week_count(last_week, scope) == 0
    assert await services.week_count(this_week, scope) == 0
    for name, at in (("old", last_week.since + timedelta(hours=1)), ("new", desk.clock())):
        await store.record(transcript_write(name, "share", at=at, practitioner=NORTH_PRACTITIONER))
    assert await services.week_count(last_week, scope) == 0  # reused: a chart may lag a little
    assert await services.week_count(this_week, scope) == 1  # never reused
    assert await services.week_count(last_week, None) == 1  # another scope, its own count
    assert await services.week_count(last_week, frozenset({"south"})) == 0
    desk.clock.advance(PAST_WEEKS_KEPT)
    assert await services.week_count(last_week, scope) == 1
