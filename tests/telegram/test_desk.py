"""/desk (bot/telegram/desk.py): a lead gets a sign-in link to the web desk that works once, for
them, within `desk.link_minutes`, sent without a preview; anyone else gets the unknown-command
answer, and the attempt is logged."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

import pytest

from bot.config import Desk, Lead, Organisation
from bot.desk.links import digest
from tests.support.clock import NOW
from tests.support.offline import Harness, Practitioner

UNKNOWN = "I don't know that command. /help lists what I can do."
LINK = re.compile(r"(\S+)/signin/([A-Za-z0-9_-]{43})(?=\s)")


def make_lead(harness: Harness, name: str = "Lee", **desk: Any) -> Practitioner:
    lead = harness.user(name)
    services = harness.services
    services.config = services.config.model_copy(
        update={"leads": (Lead(id=lead.id),), "desk": Desk(**desk)}
    )
    return lead


async def ask(lead: Practitioner) -> tuple[str, str, str]:
    """Send /desk; the reply's text, the link's base and its token."""
    (reply,) = await lead.send("/desk")
    found = LINK.search(reply["text"])
    assert found is not None, reply["text"]
    return reply["text"], found[1], found[2]


async def test_a_lead_gets_a_link_that_works_once_for_them(harness: Harness) -> None:
    lead = make_lead(harness)
    text, base, token = await ask(lead)
    assert base == "http://127.0.0.1:8080"  # the default: where the desk listens
    assert "works once" in text and "10 minutes" in text and "/desk again" in text
    store = harness.services.store
    assert await store.use_desk_link(digest(token), NOW) == ("ok", lead.id)
    assert await store.use_desk_link(digest(token), NOW) == ("used", None)


async def test_each_link_is_new_and_expires_after_the_configured_minutes(
    harness: Harness,
) -> None:
    lead = make_lead(harness, public_url="https://desk.example.org/", link_minutes=3)
    text, base, first = await ask(lead)
    _, _, second = await ask(lead)
    assert base == "https://desk.example.org" and "3 minutes" in text
    assert first != second
    store = harness.services.store
    assert await store.use_desk_link(digest(first), NOW + timedelta(minutes=3)) == (
        "expired",
        None,
    )
    assert await store.use_desk_link(digest(second), NOW + timedelta(minutes=2.9)) == (
        "ok",
        lead.id,
    )


async def test_the_link_is_sent_without_a_preview(harness: Harness) -> None:
    """A preview is Telegram's servers opening the link: it would use it up."""
    lead = make_lead(harness)
    before = len(harness.world.calls)
    await ask(lead)
    (sent,) = [c for c in harness.bot_calls(before) if c["method"] == "sendMessage"]
    assert sent["params"]["link_preview_options"] == {"is_disabled": True}


async def test_a_link_is_audited_without_its_token(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    lead = make_lead(harness)
    with caplog.at_level(logging.DEBUG, logger="bot"):
        _, _, token = await ask(lead)
    (line,) = await harness.services.store.accesses()
    assert (line.who, line.action, line.allowed) == (f"telegram:{lead.id}", "desk link", True)
    assert line.detail == "valid 10 minutes"
    # our own log (PTB's, which logs payloads at DEBUG, is held at WARNING: bot.logs)
    ours = " ".join(r.getMessage() for r in caplog.records if r.name.split(".")[0] == "bot")
    assert token not in ours and digest(token) not in ours


async def test_a_lead_of_an_organisation_gets_one_too(harness: Harness) -> None:
    lead = harness.user("Lee")
    services = harness.services
    north = Organisation(id="north", name="North", leads=(Lead(id=lead.id),))
    services.config = services.config.model_copy(update={"organisations": (north,)})
    _, _, token = await ask(lead)
    assert await services.store.use_desk_link(digest(token), NOW) == ("ok", lead.id)


async def test_a_non_lead_gets_the_unknown_command_answer_and_is_logged(
    harness: Harness,
) -> None:
    make_lead(harness)
    sam = harness.user("Sam")
    (reply,) = await sam.send("/desk")
    assert reply["text"] == UNKNOWN
    store = harness.services.store
    (refused,) = await store.accesses()
    pseudonym = harness.services.pseudonyms.of(sam.id)
    assert (refused.who, refused.action, refused.allowed) == (
        f"telegram:{pseudonym}",
        "desk link",
        False,
    )
    assert await store.purge_desk(NOW + timedelta(days=1)) == 0  # no link was made
