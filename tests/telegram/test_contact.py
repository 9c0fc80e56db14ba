"""'Ask my lead to contact me' (bot/telegram/contact.py): nothing is sent until the practitioner
confirms what will be passed on; leads get an alert with no identity and see it only by opening
the request, which is logged and ends the chance to withdraw it."""

from __future__ import annotations

from typing import Any

from bot import words
from bot.config import Lead
from tests.support.chat import send_alerts
from tests.support.offline import Harness, Practitioner


def popups(harness: Harness, after: int) -> list[str | None]:
    calls = harness.bot_calls(after)
    return [c["params"].get("text") for c in calls if c["method"] == "answerCallbackQuery"]


async def setup(
    harness: Harness, *, username: str | None = "priya_s"
) -> tuple[Practitioner, Practitioner]:
    """A lead with a started chat, and a practitioner at a finished decision."""
    lead = harness.user("Lee")
    services = harness.services
    services.config = services.config.model_copy(update={"leads": (Lead(id=lead.id),)})
    await lead.send("/alerts")
    raw = harness.world.create_user("Priya", "Shah", username, "en")
    priya = Practitioner(harness, raw["id"])
    await priya.send("/advice")
    await priya.press("Yes")
    return lead, priya


def requests_to(harness: Harness, lead: Practitioner) -> list[dict[str, Any]]:
    return [
        dict(m.payload)
        for m in harness.world.bot_messages(lead.id, 0)
        if m.payload["text"].startswith("🙋")
    ]


async def test_the_button_shows_only_where_there_are_leads(harness: Harness) -> None:
    user = harness.user("Sam")
    await user.send("/advice")
    await user.press("Yes")
    assert words.ASK_LEAD_BUTTON not in user.buttons()
    _, priya = await setup(harness)
    assert words.ASK_LEAD_BUTTON in priya.buttons()


async def test_asking_says_exactly_what_is_passed_on_and_sends_nothing_yet(
    harness: Harness,
) -> None:
    lead, priya = await setup(harness)
    (question,) = await priya.press(words.ASK_LEAD_BUTTON)
    assert "Priya Shah" in question["text"] and "@priya_s" in question["text"]
    assert "transcript" in question["text"] and "withdraw" in question["text"]
    await send_alerts(harness)
    assert requests_to(harness, lead) == []
    calls = len(harness.world.calls)
    await priya.press(words.ASK_CANCEL_BUTTON)
    assert popups(harness, calls) == [words.ASK_CANCELLED]
    await send_alerts(harness)
    assert requests_to(harness, lead) == []
    assert [a.action for a in await harness.services.store.accesses()] == []


async def test_a_confirmed_request_reaches_the_lead_who_opens_it(harness: Harness) -> None:
    lead, priya = await setup(harness)
    await priya.press(words.ASK_LEAD_BUTTON)
    (sent,) = await priya.press(words.ASK_CONFIRM_BUTTON)
    assert sent["text"] == words.ASK_SENT.format(whom="your safeguarding lead")
    await send_alerts(harness)
    (alert,) = requests_to(harness, lead)
    pseudonym = harness.services.pseudonyms.of(priya.id)
    title = harness.services.dialogue.content.outcomes["refer_now"].title
    assert pseudonym in alert["text"] and f"({title}, /t1)" in alert["text"]
    assert "Priya" not in alert["text"] and "priya_s" not in alert["text"]
    await lead.press(words.OPEN_REQUEST_BUTTON, alert["message_id"])
    opened = harness.world.bot_messages(lead.id, 0)[-1].payload
    assert "Priya Shah (@priya_s)" in opened["text"] and "/t1" in opened["text"]
    (button,) = [b for row in opened["reply_markup"]["inline_keyboard"] for b in row]
    assert button["url"] == "https://t.me/priya_s"
    told = harness.world.bot_messages(priya.id, 0)[-1].payload
    assert told["text"] == words.TOLD_OPENED
    calls = len(harness.world.calls)
    await priya.press(words.WITHDRAW_BUTTON)
    assert popups(harness, calls) == [words.WITHDRAW_TOO_LATE]
    log = [(a.who, a.action, a.allowed) for a in await harness.services.store.accesses()]
    assert log[::-1] == [
        (f"telegram:{pseudonym}", "request 1", True),
        (f"telegram:{lead.id}", "open request 1", True),
    ]


async def test_a_second_lead_opening_it_sees_who_opened_it_first(harness: Harness) -> None:
    lead, priya = await setup(harness)
    other = harness.user("Mo")
    services = harness.services
    named = Lead(id=lead.id, name="Sam Patel", role="DSL")
    services.config = services.config.model_copy(update={"leads": (named, Lead(id=other.id))})
    await other.send("/alerts")
    await priya.press(words.ASK_LEAD_BUTTON)
    await priya.press(words.ASK_CONFIRM_BUTTON)
    await send_alerts(harness)
    (first,) = requests_to(harness, lead)
    (second,) = requests_to(harness, other)
    await lead.press(words.OPEN_REQUEST_BUTTON, first["message_id"])
    await other.press(words.OPEN_REQUEST_BUTTON, second["message_id"])
    shown = harness.world.bot_messages(other.id, 0)[-1].payload["text"]
    assert "Priya Shah" in shown and "It was first opened by Sam Patel (DSL)." in shown
    told = [
        m for m in harness.world.bot_messages(priya.id, 0) if m.payload["text"] == words.TOLD_OPENED
    ]
    assert len(told) == 1  # told once, by the first opening


async def test_without_a_username_the_button_opens_the_chat_by_id(harness: Harness) -> None:
    lead, priya = await setup(harness, username=None)
    (question,) = await priya.press(words.ASK_LEAD_BUTTON)
    assert f"({words.NO_USERNAME})" in question["text"]
    await priya.press(words.ASK_CONFIRM_BUTTON)
    await send_alerts(harness)
    (alert,) = requests_to(harness, lead)
    await lead.press(words.OPEN_REQUEST_BUTTON, alert["message_id"])
    opened = harness.world.bot_messages(lead.id, 0)[-1].payload
    (button,) = [b for row in opened["reply_markup"]["inline_keyboard"] for b in row]
    assert button["url"] == f"tg://user?id={priya.id}"


async def test_a_withdrawn_request_shows_the_lead_nothing(harness: Harness) -> None:
    lead, priya = await setup(harness)
    await priya.press(words.ASK_LEAD_BUTTON)
    await priya.press(words.ASK_CONFIRM_BUTTON)
    await send_alerts(harness)
    (alert,) = requests_to(harness, lead)
    calls = len(harness.world.calls)
    await priya.press(words.WITHDRAW_BUTTON)
    assert popups(harness, calls) == [words.WITHDRAWN]
    calls = len(harness.world.calls)
    await lead.press(words.OPEN_REQUEST_BUTTON, alert["message_id"])
    assert popups(harness, calls) == [words.REQUEST_WITHDRAWN]
    assert all("Priya" not in m.payload["text"] for m in harness.world.bot_messages(lead.id, 0))


async def test_withdrawn_before_it_was_sent_never_reaches_a_lead(harness: Harness) -> None:
    lead, priya = await setup(harness)
    await priya.press(words.ASK_LEAD_BUTTON)
    await priya.press(words.ASK_CONFIRM_BUTTON)
    await priya.press(words.WITHDRAW_BUTTON)
    await send_alerts(harness)
    assert requests_to(harness, lead) == []


async def test_confirming_twice_asks_once(harness: Harness) -> None:
    lead, priya = await setup(harness)
    finished = priya.keyboard_message().payload["message_id"]
    await priya.press(words.ASK_LEAD_BUTTON, finished)
    await priya.press(words.ASK_CONFIRM_BUTTON)
    await priya.press(words.ASK_LEAD_BUTTON, finished)
    (again,) = await priya.press(words.ASK_CONFIRM_BUTTON)
    assert again["text"] == words.ASK_ALREADY
    await send_alerts(harness)
    assert len(requests_to(harness, lead)) == 1


async def test_a_non_lead_or_a_forged_request_button_reveals_nothing(harness: Harness) -> None:
    lead, priya = await setup(harness)
    await priya.press(words.ASK_LEAD_BUTTON)
    await priya.press(words.ASK_CONFIRM_BUTTON)
    stranger = harness.user("Sid")
    await stranger.send("/start")
    message = stranger.keyboard_message().payload["message_id"]
    calls = len(harness.world.calls)
    assert await stranger.forge("R:1", message) == []
    assert popups(harness, calls) == [words.NOT_THIS_BUTTON]
    # a lead pressing for a request that does not exist or a malformed one, a forged ask
    # button, a withdraw button altered to name another request: each refused and logged
    anchor = harness.world.bot_messages(lead.id, 0)[-1].payload["message_id"]
    calls = len(harness.world.calls)
    await lead.forge("R:999", anchor)
    await lead.forge("R:x", anchor)
    assert popups(harness, calls) == [words.REQUEST_GONE, words.NOT_THIS_BUTTON]
    calls = len(harness.world.calls)
    finished = priya.keyboard_message().payload["message_id"]
    await priya.forge("o:g:AbCd-_12:0:9000:AAAAAAAA", finished)
    # the real button names request 1; altered to name request 2, its signature fails
    data = harness.app.features.outcome.seal.withdraw_button(priya.id, 1).replace("W:1:", "W:2:")
    await priya.forge(data, finished)
    assert popups(harness, calls) == [words.NOT_THIS_BUTTON] * 2
    refused = [
        (a.action, a.detail) for a in await harness.services.store.accesses() if not a.allowed
    ]
    assert sorted(refused) == [
        ("open request", ""),
        ("open request", "malformed"),
        ("open request 999", "gone"),
        ("request button", "forged or stale"),
        ("withdraw button", "forged or stale"),
    ]


async def test_after_forget_the_decision_cannot_be_asked_about(harness: Harness) -> None:
    _, priya = await setup(harness)
    finished = priya.keyboard_message().payload["message_id"]
    await priya.send("/forget")
    await priya.press("Yes, delete them")
    calls = len(harness.world.calls)
    await priya.press(words.ASK_LEAD_BUTTON, finished)
    assert popups(harness, calls) == [words.PART_CLEARED]
