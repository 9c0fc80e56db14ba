"""End to end, over HTTP against the Bot API emulator, with the real `infoshare-bot run`: an
urgent outcome reaches the lead (and nobody else) within seconds; a request to get in touch is
confirmed, opened by the lead (who then sees who asked), and another is withdrawn in time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot import words
from tests.emulator import BotMessage, EmulatorClient
from tests.support.e2e import Launcher, Practitioner, failed

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

ALERT_WITHIN = 10.0
"""Seconds: the alert job looks every second; a loaded CI machine gets ten."""


@pytest_asyncio.fixture(loop_scope="module")
async def lead_and_bot(
    telegram: EmulatorClient, tmp_path: Path
) -> AsyncIterator[tuple[Practitioner, Launcher]]:
    lead = Practitioner(await telegram.user("Lee"))
    runs = Launcher(telegram, tmp_path, top={"leads": [lead.actor.user_id]})
    try:
        await runs.start()
        await lead.actor.send("/alerts")  # a lead's chat is started like anyone's
        (said,) = await lead.actor.wait_for_messages(1, timeout=ALERT_WITHIN)
        assert said.text is not None and "Your urgent alerts are on" in said.text
        yield lead, runs
    finally:
        await runs.close()


async def decided_to_refer(telegram: EmulatorClient, name: str, username: str) -> Practitioner:
    user = Practitioner(await telegram.user(name, last_name="Shah", username=username))
    await user.start()
    await user.press("Yes")  # immediate danger: an urgent outcome
    return user


async def next_message(who: Practitioner) -> BotMessage:
    (message,) = await who.actor.wait_for_messages(1, timeout=ALERT_WITHIN)
    return message


async def test_an_urgent_outcome_alerts_the_lead_only_and_a_request_is_opened(
    telegram: EmulatorClient, lead_and_bot: tuple[Practitioner, Launcher]
) -> None:
    lead, _ = lead_and_bot
    bystander = Practitioner(await telegram.user("Bea"))
    await bystander.start()
    priya = await decided_to_refer(telegram, "Priya", "priya_s")
    alert = await next_message(lead)
    assert alert.text is not None and alert.text.startswith("⚠️ Urgent outcome")
    assert "Priya" not in alert.text and "/t2" in alert.text  # the bystander started /t1
    assert all("Urgent outcome" not in (m.text or "") for m in await bystander.messages())

    finished = priya.current
    assert finished is not None
    await priya.press(words.ASK_LEAD_BUTTON, on=finished, edits=False)
    confirmed = await priya.press(words.ASK_CONFIRM_BUTTON)
    assert words.ASK_SENT.format(whom="your safeguarding lead") in confirmed.text
    request = await next_message(lead)
    assert request.text is not None and request.text.startswith("🙋")
    assert "Priya" not in request.text and "priya_s" not in request.text
    lead.current = request
    opened = await lead.press(words.OPEN_REQUEST_BUTTON, edits=False)
    shown = opened.replies[-1]
    assert shown.text is not None and "Priya Shah (@priya_s)" in shown.text
    button = shown.reply_markup["inline_keyboard"][0][0]  # type: ignore[index]
    assert button["url"] == "https://t.me/priya_s"
    told = await next_message(priya)
    assert told.text == words.TOLD_OPENED
    assert failed(await telegram.calls()) == []


async def test_a_request_withdrawn_in_time_shows_the_lead_nothing(
    telegram: EmulatorClient, lead_and_bot: tuple[Practitioner, Launcher]
) -> None:
    lead, runs = lead_and_bot
    omar = await decided_to_refer(telegram, "Omar", "omar_k")
    await next_message(lead)  # the urgent alert
    finished = omar.current
    assert finished is not None
    await omar.press(words.ASK_LEAD_BUTTON, on=finished, edits=False)
    await omar.press(words.ASK_CONFIRM_BUTTON)
    withdrawn = await omar.press(words.WITHDRAW_BUTTON, replies=False)
    assert withdrawn.answer.get("text") == words.WITHDRAWN
    for message in await lead.messages():
        assert "Omar" not in (message.text or "") and "omar_k" not in (message.text or "")
    # if the request's alert went out before the withdrawal, opening it now shows nothing
    requests = [m for m in await lead.messages() if (m.text or "").startswith("🙋")]
    for request in requests:
        lead.current = request
        pressed = await lead.press(words.OPEN_REQUEST_BUTTON, edits=False, replies=False)
        assert pressed.answer.get("text") == words.REQUEST_WITHDRAWN
    store = await runs.open_store()
    try:
        actions = [a.action for a in await store.accesses()]
    finally:
        await store.close()
    assert "request 1" in actions and "withdraw 1" in actions
