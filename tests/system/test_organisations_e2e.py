"""End to end, over HTTP against the Bot API emulator, with the real `infoshare-bot run` and two
organisations: a practitioner joins one by its invite link; their urgent outcome alerts that
organisation's lead only; their request to get in touch reaches that lead, and is withdrawn."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot import words
from tests.emulator import BotMessage, EmulatorClient
from tests.support.e2e import Launcher, Practitioner, failed

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

WITHIN = 10.0
"""Seconds: the alert job looks every second; a loaded CI machine gets ten."""
LINK = re.compile(r"https://t\.me/\w+\?start=(j[A-Za-z0-9_-]{22})")


@pytest_asyncio.fixture(loop_scope="module")
async def two_schools(
    telegram: EmulatorClient, tmp_path: Path
) -> AsyncIterator[tuple[Practitioner, Practitioner, Launcher]]:
    ann = Practitioner(await telegram.user("Ann"))
    bo = Practitioner(await telegram.user("Bo"))
    organisations = [
        {"id": "acorn", "name": "Acorn Primary", "leads": [ann.actor.user_id]},
        {"id": "beech", "name": "Beech Academy", "leads": [bo.actor.user_id]},
    ]
    runs = Launcher(telegram, tmp_path, top={"organisations": organisations})
    try:
        await runs.start()
        for lead in (ann, bo):
            await lead.actor.send("/alerts")  # a lead's chat is started like anyone's
            (said,) = await lead.actor.wait_for_messages(1, timeout=WITHIN)
            assert said.text is not None and "Your urgent alerts are on" in said.text
        yield ann, bo, runs
    finally:
        await runs.close()


async def next_message(who: Practitioner) -> BotMessage:
    (message,) = await who.actor.wait_for_messages(1, timeout=WITHIN)
    return message


async def test_an_invite_link_routes_alerts_and_requests_to_that_organisation_only(
    telegram: EmulatorClient, two_schools: tuple[Practitioner, Practitioner, Launcher]
) -> None:
    ann, bo, runs = two_schools
    await ann.actor.send("/invite")
    link = LINK.search((await next_message(ann)).text or "")
    assert link is not None
    priya = Practitioner(await telegram.user("Priya", last_name="Shah", username="priya_s"))
    started = await priya.send(f"/start {link[1]}")
    assert started[0].text is not None
    assert started[0].text.startswith(words.JOINED.format(name="Acorn Primary"))
    await priya.press("Yes")  # immediate danger: an urgent outcome

    alert = await next_message(ann)
    assert alert.text is not None and alert.text.startswith("⚠️ Urgent outcome")
    assert "Priya" not in alert.text

    finished = priya.current
    assert finished is not None
    await priya.press(words.ASK_LEAD_BUTTON, on=finished, edits=False)
    await priya.press(words.ASK_CONFIRM_BUTTON)
    request = await next_message(ann)
    assert request.text is not None and request.text.startswith("🙋")
    withdrawn = await priya.press(words.WITHDRAW_BUTTON, replies=False)
    assert withdrawn.answer.get("text") == words.WITHDRAWN
    ann.current = request
    pressed = await ann.press(words.OPEN_REQUEST_BUTTON, edits=False, replies=False)
    assert pressed.answer.get("text") == words.REQUEST_WITHDRAWN

    await asyncio.sleep(2.0)  # two more looks of the alert job: Beech's lead is told nothing
    assert [m.text for m in await bo.messages()][1:] == []
    await bo.actor.send("/transcripts")
    listed = await next_message(bo)
    assert listed.text is not None and "/t1" not in listed.text
    store = await runs.open_store()
    try:
        actions = [(a.action, a.detail) for a in await store.accesses()]
    finally:
        await store.close()
    assert ("join", "acorn") in actions and "request 1" in [action for action, _ in actions]
    assert failed(await telegram.calls()) == []
