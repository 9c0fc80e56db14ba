"""Urgent alerts (bot/telegram/alerts.py): leads told within a look of the outcome, once each,
never an identity; /alerts on|off; quiet hours; failures retried for those not yet told."""

from __future__ import annotations

from datetime import time, timedelta

from bot import words
from bot.config import Alerts, Lead, QuietHours
from bot.telegram.alerts import LEASE
from bot.transcripts.model import Filters
from tests.support.chat import send_alerts
from tests.support.clock import NOW
from tests.support.offline import Fault, Harness, Practitioner

UNKNOWN = "I don't know that command. /help lists what I can do."


async def leads(harness: Harness, *names: str) -> list[Practitioner]:
    """Leads from now on, each with a started chat (Telegram lets a bot write only then)."""
    made = [harness.user(name) for name in names]
    services = harness.services
    ids = tuple(Lead(id=lead.id) for lead in made)
    services.config = services.config.model_copy(update={"leads": ids})
    for lead in made:
        await lead.send("/alerts")
    return made


def alerts_to(harness: Harness, lead: Practitioner) -> list[str]:
    return [
        m.payload["text"]
        for m in harness.world.bot_messages(lead.id, 0)
        if m.payload["text"].startswith("⚠️")
    ]


async def refer_now(harness: Harness, name: str = "Sam") -> Practitioner:
    user = harness.user(name)
    await user.send("/advice")
    await user.press("Yes")  # immediate danger: refer now
    return user


async def test_every_lead_is_told_once_without_an_identity(harness: Harness) -> None:
    ann, bo = await leads(harness, "Ann", "Bo")
    priya = await refer_now(harness, "Priya")
    await send_alerts(harness)
    await send_alerts(harness)
    page = await harness.services.store.list_transcripts(Filters(), offset=0, limit=5)
    (number,) = [s.id for s in page.items]
    pseudonym = harness.services.pseudonyms.of(priya.id)
    for lead in (ann, bo):
        (alert,) = alerts_to(harness, lead)
        title = harness.services.dialogue.content.outcomes["refer_now"].title
        assert alert.startswith(f"⚠️ Urgent outcome: {title}. Reached ")
        assert f"/t{number}" in alert and "at 09:30 on 21 Nov 2026" in alert
        assert f"practitioner {pseudonym}" in alert and "/alerts off" in alert
        assert "Priya" not in alert and str(priya.id) not in alert
        assert words.ALERT_HELD not in alert


async def test_a_lead_who_turned_alerts_off_is_not_told_and_can_turn_them_on(
    harness: Harness,
) -> None:
    ann, bo = await leads(harness, "Ann", "Bo")
    replies = await ann.send("/alerts off")
    assert "Your urgent alerts are off" in replies[0]["text"]
    assert "on" in (await ann.send("/alerts maybe"))[0]["text"]  # usage
    await refer_now(harness)
    await send_alerts(harness)
    assert alerts_to(harness, ann) == [] and len(alerts_to(harness, bo)) == 1
    replies = await ann.send("/alerts ON")
    assert "Your urgent alerts are on" in replies[0]["text"]
    await refer_now(harness, "Kim")
    await send_alerts(harness)
    assert len(alerts_to(harness, ann)) == 1 and len(alerts_to(harness, bo)) == 2
    log = await harness.services.store.accesses()
    assert {a.action for a in log} >= {"alerts off", "alerts on"}


async def test_a_non_lead_asking_for_alerts_is_refused_and_logged(harness: Harness) -> None:
    await leads(harness, "Ann")
    sam = harness.user("Sam")
    replies = await sam.send("/alerts on")
    assert replies[0]["text"] == UNKNOWN
    refused = [a for a in await harness.services.store.accesses() if not a.allowed]
    assert [a.action for a in refused] == ["alerts"]


async def test_no_urgent_outcome_no_alert_and_none_when_alerts_are_disabled(
    harness: Harness,
) -> None:
    (ann,) = await leads(harness, "Ann")
    user = harness.user("Sam")
    await user.send("/advice")
    await user.press("No")  # not in danger: carries on with questions
    services = harness.services
    services.config = services.config.model_copy(update={"alerts": Alerts(enabled=False)})
    await refer_now(harness, "Kim")
    await send_alerts(harness)
    assert alerts_to(harness, ann) == []
    replies = await ann.send("/alerts")
    assert "turned off for everyone" in replies[0]["text"]


async def test_quiet_hours_hold_an_alert_until_they_end(harness: Harness) -> None:
    (ann,) = await leads(harness, "Ann")
    services = harness.services
    quiet = QuietHours(start=time(9, 0), end=time(10, 0))  # 09:30 UTC is 09:30 in London
    services.config = services.config.model_copy(update={"alerts": Alerts(quiet_hours=quiet)})
    await refer_now(harness)
    await send_alerts(harness)
    assert alerts_to(harness, ann) == []
    harness.clock.at = NOW + timedelta(minutes=29)
    await send_alerts(harness)
    assert alerts_to(harness, ann) == []
    harness.clock.at = NOW + timedelta(minutes=30)
    await send_alerts(harness)
    (alert,) = alerts_to(harness, ann)
    assert words.ALERT_HELD in alert and "at 09:30" in alert


async def test_a_failed_send_is_retried_for_that_lead_only(harness: Harness) -> None:
    ann, bo = await leads(harness, "Ann", "Bo")
    await refer_now(harness)
    harness.request.plan("sendMessage", Fault(status=500, description="Internal Server Error"))
    await send_alerts(harness)
    told = [len(alerts_to(harness, lead)) for lead in (ann, bo)]
    assert sorted(told) == [0, 1]
    await send_alerts(harness)  # claimed: not due again until the lease runs out
    assert [len(alerts_to(harness, lead)) for lead in (ann, bo)] == told
    harness.clock.at = NOW + LEASE
    await send_alerts(harness)
    assert [len(alerts_to(harness, lead)) for lead in (ann, bo)] == [1, 1]


async def test_a_lead_who_blocked_the_bot_does_not_hold_up_the_others(harness: Harness) -> None:
    ann, bo = await leads(harness, "Ann", "Bo")
    await refer_now(harness)
    harness.request.plan(
        "sendMessage", Fault(status=403, description="Forbidden: bot was blocked by the user")
    )
    await send_alerts(harness)
    harness.clock.at = NOW + LEASE
    await send_alerts(harness)
    assert sorted(len(alerts_to(harness, lead)) for lead in (ann, bo)) == [0, 1]
