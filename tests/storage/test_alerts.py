"""The AlertStore contract on every backend: urgent alerts written with their outcome, claimed
once, delivered lead by lead; requests to get in touch with their identity sealed, withdrawn
and opened; feedback and comments. Deleting a practitioner's transcripts takes all of it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.alerts import CONTACT, URGENT, Identity
from bot.storage import SqlStore, StaleWrite
from bot.storage.sql import driver_url
from bot.storage.tables import access_log, alerts, alerts_off, contact_requests
from bot.transcripts.model import EVERY, Filters, TranscriptWrite
from tests.support.storage import conversation, transcript_write

AT = datetime(2026, 11, 2, 9, 15, tzinfo=UTC)
LEASE = timedelta(seconds=30)
Reopen = Callable[[], Awaitable[SqlStore]]
ALICE = Identity(987654321012, "Alice Example", "alice_example")


def reach(
    conversation_id: str,
    outcome: str | None,
    *,
    at: datetime = AT,
    alert_at: datetime | None = None,
    practitioner: str = "p-alice",
) -> TranscriptWrite:
    return transcript_write(
        conversation_id,
        outcome,
        at=at,
        started_at=AT,
        practitioner=practitioner,
        answer="yes",
        alert_at=alert_at,
    )


async def decided(
    store: SqlStore,
    chat_id: int,
    conversation_id: str,
    outcome: str = "refer_now",
    *,
    alert_at: datetime | None = AT,
    practitioner: str = "p-alice",
) -> int:
    """A conversation saved at `outcome`; its transcript's id."""
    conv = conversation(chat_id, conversation_id=conversation_id, step=outcome)
    write = reach(conversation_id, outcome, alert_at=alert_at, practitioner=practitioner)
    await store.save(conv, expected_version=None, transcript=write)
    page = await store.list_transcripts(Filters(practitioner=practitioner), offset=0, limit=50)
    return next(s.id for s in page.items if s.started_at == AT)


def table(store_url: str, which: sa.Table) -> list[sa.Row[object]]:
    engine = sa.create_engine(driver_url(store_url))
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.select(which)).all())
    finally:
        engine.dispose()


# ---- urgent alerts ---------------------------------------------------------------------------


async def test_an_urgent_outcome_is_alerted_once_with_its_save(store: SqlStore) -> None:
    number = await decided(store, 1, "conv-urg")
    due = await store.claim_alerts(AT, LEASE, 10)
    assert [(a.kind, a.transcript_id, a.outcome, a.practitioner) for a in due] == [
        (URGENT, number, "refer_now", "p-alice")
    ]
    assert due[0].at == AT and due[0].delivered == frozenset()
    # the same outcome reached again (Back, then the same answer): still one alert
    again = conversation(1, conversation_id="conv-urg", step="refer_now", turn=2)
    write = reach("conv-urg", "refer_now", alert_at=AT)
    await store.save(again, expected_version=1, transcript=write)
    # not settled: due again once the lease runs out, and still the one alert
    assert [a.id for a in await store.claim_alerts(AT + LEASE, LEASE, 10)] == [due[0].id]


async def test_no_alert_without_alert_at_and_none_from_a_stale_save(store: SqlStore) -> None:
    await decided(store, 1, "conv-plain", "share_with_consent", alert_at=None)
    stale = conversation(2, conversation_id="conv-stale", step="refer_now")
    await store.save(stale, expected_version=None)
    with pytest.raises(StaleWrite):
        await store.save(
            stale, expected_version=None, transcript=reach("conv-stale", "refer_now", alert_at=AT)
        )
    assert await store.claim_alerts(AT + timedelta(days=1), LEASE, 10) == []


async def test_an_alert_held_for_quiet_hours_is_not_due_until_then(store: SqlStore) -> None:
    morning = AT + timedelta(hours=9)
    await decided(store, 1, "conv-night", alert_at=morning)
    assert await store.claim_alerts(morning - timedelta(seconds=1), LEASE, 10) == []
    assert len(await store.claim_alerts(morning, LEASE, 10)) == 1


async def test_a_claim_is_one_senders_until_its_lease_runs_out(
    store: SqlStore, reopen: Reopen
) -> None:
    await decided(store, 1, "conv-lease")
    other = await reopen()
    first, second = await asyncio.gather(
        store.claim_alerts(AT, LEASE, 10), other.claim_alerts(AT, LEASE, 10)
    )
    assert sorted([len(first), len(second)]) == [0, 1]
    assert await store.claim_alerts(AT + LEASE - timedelta(seconds=1), LEASE, 10) == []
    retried = await store.claim_alerts(AT + LEASE, LEASE, 10)
    assert len(retried) == 1  # a sender that died: due again after the lease


async def test_leads_told_are_skipped_on_retry_and_a_settled_alert_is_done(
    store: SqlStore, store_url: str
) -> None:
    await decided(store, 1, "conv-told")
    (alert,) = await store.claim_alerts(AT, LEASE, 10)
    await store.alert_delivered(alert.id, 9001)
    await store.alert_delivered(alert.id, 9001)
    (again,) = await store.claim_alerts(AT + LEASE, LEASE, 10)
    assert again.delivered == {store.lead_key(9001)}
    assert store.lead_key(9001) != store.lead_key(9002) and "9001" not in store.lead_key(9001)
    await store.alert_settled(alert.id)
    assert await store.claim_alerts(AT + timedelta(days=1), LEASE, 10) == []
    assert all("9001" not in str(row) for row in table(store_url, alerts))


async def test_alerts_are_on_until_a_lead_turns_them_off(store: SqlStore, store_url: str) -> None:
    assert await store.alerts_on([9001, 9002]) == {9001: True, 9002: True}
    await store.set_alerts(9001, False)
    await store.set_alerts(9001, False)
    assert await store.alerts_on([9001, 9002]) == {9001: False, 9002: True}
    assert all("9001" not in str(row) for row in table(store_url, alerts_off))
    await store.set_alerts(9001, True)
    assert await store.alerts_on([9001]) == {9001: True}


# ---- requests to get in touch ----------------------------------------------------------------


async def test_a_request_is_sealed_alerted_and_logged_in_one_go(
    store: SqlStore, store_url: str
) -> None:
    number = await decided(store, 1, "conv-ask", "share_with_consent", alert_at=None)
    made = await store.request_contact("conv-ask", "p-alice", ALICE, AT)
    assert made is not None and made.fresh and made.state == "pending"
    assert made.transcript_id == number and made.identity is None
    (alert,) = await store.claim_alerts(AT, LEASE, 10)
    assert (alert.kind, alert.request_id, alert.transcript_id) == (CONTACT, made.id, number)
    assert alert.outcome == "share_with_consent"
    again = await store.request_contact("conv-ask", "p-alice", ALICE, AT + timedelta(minutes=1))
    assert again is not None and again.id == made.id and not again.fresh
    stored = " ".join(str(row) for row in table(store_url, contact_requests))
    for secret in (str(ALICE.user_id), ALICE.name, "alice_example", "Alice"):
        assert secret not in stored
    log = [(row.who, row.action) for row in table(store_url, access_log)]
    assert log == [("telegram:p-alice", f"request {made.id}")]


async def test_confirmations_racing_on_replicas_make_one_request(
    store: SqlStore, reopen: Reopen, store_url: str
) -> None:
    await decided(store, 1, "conv-race", "share_with_consent", alert_at=None)
    replicas = [store, *[await reopen() for _ in range(3)]]
    made = await asyncio.gather(
        *(r.request_contact("conv-race", "p-alice", ALICE, AT) for r in replicas)
    )
    assert len({m.id for m in made if m is not None}) == 1
    assert sum(m is not None and m.fresh for m in made) == 1
    assert len(table(store_url, contact_requests)) == 1
    assert len(await store.claim_alerts(AT, LEASE, 10)) == 1


async def test_only_a_kept_decision_of_ones_own_can_be_asked_about(store: SqlStore) -> None:
    await decided(store, 1, "conv-mine", "share_with_consent", alert_at=None)
    assert await store.request_contact("conv-mine", "p-bob", ALICE, AT) is None
    assert await store.request_contact("conv-none", "p-alice", ALICE, AT) is None


async def test_a_lead_opens_a_request_once_and_it_can_no_longer_be_withdrawn(
    store: SqlStore, store_url: str
) -> None:
    await decided(store, 1, "conv-open", "share_with_consent", alert_at=None)
    made = await store.request_contact("conv-open", "p-alice", ALICE, AT)
    assert made is not None
    first = await store.open_request(made.id, "telegram:9001", AT + timedelta(minutes=5))
    assert first.state == "opened" and first.fresh and first.identity == ALICE
    second = await store.open_request(made.id, "telegram:9002", AT + timedelta(minutes=6))
    assert second.state == "opened" and not second.fresh and second.identity == ALICE
    assert second.opened_by == "telegram:9001"
    assert await store.withdraw_request(made.id, "p-alice", AT) == "opened"
    actions = [row.action for row in table(store_url, access_log)]
    assert actions == [f"request {made.id}", f"open request {made.id}", f"open request {made.id}"]


async def test_withdrawing_deletes_the_identity_and_stops_the_alert(
    store: SqlStore, store_url: str
) -> None:
    await decided(store, 1, "conv-wd", "share_with_consent", alert_at=None)
    made = await store.request_contact("conv-wd", "p-alice", ALICE, AT)
    assert made is not None
    assert await store.withdraw_request(made.id, "p-bob", AT) == "gone"  # not theirs
    assert await store.withdraw_request(made.id, "p-alice", AT) == "withdrawn"
    assert await store.withdraw_request(made.id, "p-alice", AT) == "withdrawn"  # said once
    assert [row.identity_sealed for row in table(store_url, contact_requests)] == [None]
    assert await store.claim_alerts(AT + timedelta(days=1), LEASE, 10) == []
    opened = await store.open_request(made.id, "telegram:9001", AT)
    assert opened.state == "withdrawn" and opened.identity is None
    assert (await store.open_request(made.id + 100, "telegram:9001", AT)).state == "gone"
    log = [(row.action, row.detail, row.allowed) for row in table(store_url, access_log)]
    assert log[1:] == [
        (f"withdraw {made.id}", "", True),
        (f"open request {made.id}", "withdrawn", False),
        (f"open request {made.id + 100}", "gone", False),
    ]
    # a new request after a withdrawal is a new one
    renewed = await store.request_contact("conv-wd", "p-alice", ALICE, AT)
    assert renewed is not None and renewed.fresh and renewed.id != made.id


async def test_forgetting_or_purging_takes_requests_alerts_and_feedback(
    store: SqlStore, store_url: str
) -> None:
    await decided(store, 1, "conv-f1")
    await decided(store, 2, "conv-f2", practitioner="p-bob")
    assert await store.request_contact("conv-f1", "p-alice", ALICE, AT) is not None
    assert await store.give_feedback("conv-f1", "p-alice", "yes", AT, 77)
    assert await store.forget_practitioner("p-alice", at=AT) == 1
    assert table(store_url, contact_requests) == []
    assert [row.practitioner for row in table(store_url, alerts)] == ["p-bob"]
    assert await store.feedback_sums(EVERY) == []
    assert await store.purge_transcripts(AT + timedelta(days=1)) == 1
    assert table(store_url, alerts) == []


# ---- feedback --------------------------------------------------------------------------------


async def test_feedback_is_one_per_decision_and_a_reply_adds_its_comment(store: SqlStore) -> None:
    await decided(store, 1, "conv-fb1", "share_with_consent", alert_at=None)
    await decided(store, 2, "conv-fb2", "share_with_consent", alert_at=None, practitioner="p-bob")
    await decided(store, 3, "conv-fb3", "refer_now", alert_at=None, practitioner="p-carol")
    assert await store.give_feedback("conv-fb1", "p-alice", "no", AT, 10)
    assert await store.give_feedback("conv-fb1", "p-alice", "yes", AT, 11)  # changed their mind
    assert await store.give_feedback("conv-fb2", "p-bob", "partly", AT, 10)
    assert await store.give_feedback("conv-fb3", "p-carol", "yes", AT, None)
    assert not await store.give_feedback("conv-fb1", "p-bob", "no", AT, 12)  # not theirs
    assert await store.feedback_comment("p-alice", 11, "clear and quick", AT)
    assert not await store.feedback_comment("p-alice", 10, "to the old prompt", AT)
    assert not await store.feedback_comment("p-carol", 11, "not her prompt", AT)
    sums = {s.outcome: s for s in await store.feedback_sums(EVERY)}
    assert sums["share_with_consent"].counts == {"yes": 1, "partly": 1, "no": 0}
    assert sums["share_with_consent"].comments == ("clear and quick",)
    assert sums["refer_now"].counts == {"yes": 1, "partly": 0, "no": 0}
    only = await store.feedback_sums(Filters(outcome="refer_now"))
    assert [s.outcome for s in only] == ["refer_now"]
