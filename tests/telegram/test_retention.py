"""The daily purge (bot/telegram/retention.py): conversations, transcripts and quiz answers
past `retention_days` are deleted, and the web desk's spent links and sessions after a day."""

from __future__ import annotations

from datetime import timedelta

from bot.desk.links import digest
from bot.telegram.retention import DESK_KEPT
from bot.transcripts.model import Filters
from tests.support.chat import started
from tests.support.clock import NOW
from tests.support.offline import Harness


async def test_the_daily_purge_deletes_conversations_past_retention(harness: Harness) -> None:
    user = await started(harness)
    services = harness.services
    assert "purge" in [job.name for job in harness.app.job_queue.jobs()]
    harness.clock.at = NOW + timedelta(days=services.config.retention_days - 1)
    await harness.app.features.retention.purge_old(None)  # type: ignore[arg-type]
    assert await services.store.load(user.id) is not None
    harness.clock.at = NOW + timedelta(days=services.config.retention_days, seconds=1)
    await harness.app.features.retention.purge_old(None)  # type: ignore[arg-type]
    assert await services.store.load(user.id) is None


async def test_the_daily_purge_deletes_old_transcripts_too(harness: Harness) -> None:
    await started(harness)
    services = harness.services
    harness.clock.at = NOW + timedelta(days=services.config.retention_days, seconds=1)
    await harness.app.features.retention.purge_old(None)  # type: ignore[arg-type]
    assert await services.store.count_transcripts(Filters()) == 0


async def test_the_daily_purge_deletes_spent_desk_links_and_sessions(harness: Harness) -> None:
    store = harness.services.store
    await store.desk_link(digest("link"), 7, NOW, NOW + timedelta(minutes=10))
    await store.desk_session(digest("session"), 7, NOW)
    idle = timedelta(minutes=harness.services.config.desk.idle_minutes)
    harness.clock.at = NOW + DESK_KEPT + timedelta(minutes=11)  # the link expired at 10
    await harness.app.features.retention.purge_old(None)  # type: ignore[arg-type]
    assert await store.use_desk_link(digest("link"), NOW) == ("unknown", None)
    assert await store.desk_session_lead(digest("session"), NOW, idle) is None
    assert await store.purge_desk(NOW + DESK_KEPT * 2) == 0


async def test_every_purge_leaves_a_trace_without_content(harness: Harness) -> None:
    """Who ("retention", never a person or a code), how many went, and when."""
    await started(harness)
    services = harness.services
    days = services.config.retention_days
    await harness.app.features.retention.purge_old(None)  # type: ignore[arg-type]
    harness.clock.at = later = NOW + timedelta(days=days, seconds=1)
    await harness.app.features.retention.purge_old(None)  # type: ignore[arg-type]
    traces = await services.store.accesses()
    assert [(a.at, a.who, a.action, a.detail) for a in traces] == [
        (
            later,
            "retention",
            "purge",
            f"1 transcript(s), 0 quiz answer(s) and 1 conversation(s) older than {days} days "
            "deleted",
        ),
        (
            NOW,
            "retention",
            "purge",
            f"0 transcript(s), 0 quiz answer(s) and 0 conversation(s) "
            f"older than {days} days deleted",
        ),
    ]


async def test_the_daily_purge_deletes_quiz_answers_past_retention(harness: Harness) -> None:
    services = harness.services
    days = services.config.retention_days
    early, late = harness.user("Early"), harness.user("Late")
    await early.send("/quiz golden_rules")
    await early.press("False")
    harness.clock.at = NOW + timedelta(days=1)
    await late.send("/quiz golden_rules")
    await late.press("False")
    assert sum((await services.store.quiz_stats()).answered.values()) == 2
    harness.clock.at = NOW + timedelta(days=days, seconds=1)  # only the early answer is too old
    await harness.app.features.retention.purge_old(None)  # type: ignore[arg-type]
    stats = await services.store.quiz_stats()
    assert sum(stats.answered.values()) == 1, "the answer older than retention is deleted"
    assert stats.takers == {"golden_rules": 1}
    harness.clock.at = NOW + timedelta(days=days + 1, seconds=1)
    await harness.app.features.retention.purge_old(None)  # type: ignore[arg-type]
    assert (await services.store.quiz_stats()).answered == {}
