"""Organisations (bot/telegram/organisations.py and the scoping in the lead desk): joining by
invite link or from a list, /org, /invite, /orgs; each lead sees, and is alerted about, only
their own organisation's practitioners; partnership leads see them all."""

from __future__ import annotations

import logging
import re

import pytest

from bot import words
from bot.config import Contact, Lead, Organisation
from bot.content import load_library
from bot.errors import StorageUnavailable
from bot.transcripts.model import Filters
from tests.support.chat import send_alerts
from tests.support.offline import Harness, Practitioner

LINK = re.compile(r"https://t\.me/(\w+)\?start=(j[A-Za-z0-9_-]{22})")


async def partnership(
    harness: Harness, *, listed: bool = False
) -> tuple[Practitioner, Practitioner, Practitioner]:
    """Two schools, Ann leading Acorn and Bo leading Beech, and Pat for the partnership: each
    with a started chat (a bot can write only to those)."""
    ann, bo, pat = harness.user("Ann"), harness.user("Bo"), harness.user("Pat")
    acorn = Organisation(id="acorn", name="Acorn Primary", leads=(Lead(id=ann.id),))
    beech = Organisation(
        id="beech",
        name="Beech Academy",
        leads=(Lead(id=bo.id, name="Bo Reed", role="DSL"),),
        contacts=(Contact(name="Beech front office", phone="0114 273 4855"),),
        listed=listed,
    )
    services = harness.services
    services.config = services.config.model_copy(
        update={"organisations": (acorn, beech), "partnership_leads": (Lead(id=pat.id),)}
    )
    for lead in (ann, bo, pat):
        await lead.send("/alerts")
    return ann, bo, pat


async def invite_code(lead: Practitioner, *args: str) -> str:
    (reply,) = await lead.send(" ".join(["/invite", *args]))
    found = LINK.search(reply["text"])
    assert found is not None, reply["text"]
    return found[2]


async def joined(harness: Harness, name: str, code: str) -> tuple[Practitioner, list[str]]:
    user = harness.user(name)
    replies = await user.send(f"/start {code}")
    return user, [r["text"] for r in replies]


async def refer_now(user: Practitioner, *, started: bool = False) -> None:
    """Reach the urgent outcome (`started`: the first question is showing, as after /start)."""
    if not started:
        await user.send("/advice")
    await user.press("Yes")  # immediate danger: refer now


def alerts_to(harness: Harness, lead: Practitioner) -> list[str]:
    return [
        m.payload["text"]
        for m in harness.world.bot_messages(lead.id, 0)
        if m.payload["text"].startswith("⚠️")
    ]


async def test_an_invite_link_joins_its_organisation_and_then_starts_a_decision(
    harness: Harness,
) -> None:
    ann, _bo, _pat = await partnership(harness)
    (reply,) = await ann.send("/invite")
    found = LINK.search(reply["text"])
    assert found is not None and "Acorn Primary" in reply["text"]
    assert found[1] == harness.app.bot.username
    sam, said = await joined(harness, "Sam", found[2])
    assert said[0].startswith(words.JOINED.format(name="Acorn Primary"))
    assert len(said) >= 2  # and the decision begins, as /start always does
    pseudonym = harness.services.pseudonyms.of(sam.id)
    assert await harness.services.store.organisation_of(pseudonym) == "acorn"
    joins = [a for a in await harness.services.store.accesses() if a.action == "join"]
    assert [(j.who, j.detail, j.allowed) for j in joins] == [
        (f"telegram:{pseudonym}", "acorn", True)
    ]
    again = await sam.send(f"/start {found[2]}")
    assert again[0]["text"] == words.ALREADY_JOINED.format(name="Acorn Primary")


async def test_unknown_and_withdrawn_codes_are_refused_clearly_and_logged(
    harness: Harness,
) -> None:
    ann, _bo, _pat = await partnership(harness)
    old = await invite_code(ann)
    (rotated,) = await ann.send("/invite new")
    assert rotated["text"].startswith("The old link for Acorn Primary no longer works.")
    new = LINK.search(rotated["text"])
    assert new is not None and new[2] != old
    kim, said = await joined(harness, "Kim", old)
    assert said[0] == words.INVITE_WITHDRAWN
    lee, said = await joined(harness, "Lee", "j" + "A" * 22)
    assert said[0] == words.INVITE_UNKNOWN
    _, said = await joined(harness, "Mo", "not-an-invite")
    assert said[0] == words.INVITE_UNKNOWN
    store = harness.services.store
    for user in (kim, lee):
        assert await store.organisation_of(harness.services.pseudonyms.of(user.id)) is None
    refused = [(a.action, a.detail) for a in await store.accesses() if not a.allowed]
    assert sorted(refused) == [
        ("join", "unknown invite code"),
        ("join", "unknown invite code"),
        ("join", "withdrawn invite code"),
    ]
    _, said = await joined(harness, "Nia", new[2])
    assert said[0].startswith(words.JOINED.format(name="Acorn Primary"))


async def test_alerts_go_to_the_practitioners_organisation_only(harness: Harness) -> None:
    ann, bo, pat = await partnership(harness)
    sam, _ = await joined(harness, "Sam", await invite_code(ann))
    await refer_now(sam, started=True)
    await send_alerts(harness)
    assert len(alerts_to(harness, ann)) == 1
    assert alerts_to(harness, bo) == [] and alerts_to(harness, pat) == []
    loner = harness.user("Jo")  # in no organisation: the partnership's leads are told
    await refer_now(loner)
    await send_alerts(harness)
    assert len(alerts_to(harness, pat)) == 1 and len(alerts_to(harness, ann)) == 1


async def test_a_lead_sees_only_their_organisation_and_the_partnership_sees_all(
    harness: Harness,
) -> None:
    ann, bo, pat = await partnership(harness)
    sam, _ = await joined(harness, "Sam", await invite_code(ann))
    await refer_now(sam, started=True)
    page = await harness.services.store.list_transcripts(Filters(), offset=0, limit=5)
    (number,) = [s.id for s in page.items]
    assert f"/t{number}" in (await ann.send("/transcripts"))[0]["text"]
    assert f"/t{number}" not in (await bo.send("/transcripts"))[0]["text"]
    assert f"/t{number}" in (await pat.send("/transcripts"))[0]["text"]
    (shown,) = await bo.send(f"/transcript {number}")
    assert shown["text"] == words.TRANSCRIPT_GONE.format(number=number)
    (tagged,) = await bo.send(f"/tag {number} follow_up")
    assert tagged["text"] == words.NO_SUCH_TRANSCRIPT.format(number=number)
    (noted,) = await bo.send(f"/note {number} seen")
    assert noted["text"] == words.NO_SUCH_TRANSCRIPT.format(number=number)
    assert (await harness.services.store.get_transcript(number)).tags == frozenset()
    assert "Act now" in (await ann.send(f"/transcript {number}"))[0]["text"]
    refused = [a for a in await harness.services.store.accesses() if not a.allowed]
    assert {(a.who, a.detail) for a in refused} == {(f"telegram:{bo.id}", "another organisation")}
    assert len(refused) == 3
    assert "No conversations were recorded" in (await bo.send("/stats"))[0]["text"]
    assert "No conversations were recorded" not in (await ann.send("/stats"))[0]["text"]


async def test_org_filter_narrows_a_partnership_leads_list_and_keeps_it_across_pages(
    harness: Harness,
) -> None:
    ann, bo, pat = await partnership(harness)
    sam, _ = await joined(harness, "Sam", await invite_code(ann))
    kim, _ = await joined(harness, "Kim", await invite_code(bo))
    await refer_now(sam, started=True)
    await refer_now(kim, started=True)
    (listed,) = await pat.send("/transcripts org=beech")
    assert "organisation beech" in listed["text"]
    assert len(re.findall(r"/t\d+", listed["text"])) == 1
    await pat.press(words.PERIOD_BUTTON.format(period="all"))  # the list's buttons keep org=
    edited = harness.world.bot_messages(pat.id, 0)[-1].payload["text"]
    assert "organisation beech" in edited and "from" in edited
    (wrong,) = await pat.send("/transcripts org=oak")
    assert wrong["text"] == "There is no organisation 'oak'. Organisations: acorn, beech."
    (ann_asks,) = await ann.send("/transcripts org=beech")  # in config, but not hers
    assert re.search(r"/t\d+", ann_asks["text"]) is None


async def test_listed_organisations_can_be_chosen_in_org_and_forged_choices_are_refused(
    harness: Harness,
) -> None:
    await partnership(harness, listed=True)
    sam = harness.user("Sam")
    (shown,) = await sam.send("/org")
    assert shown["text"].startswith(words.ORG_NONE) and words.ORG_CHOOSE in shown["text"]
    assert sam.buttons() == ["Beech Academy"]  # Acorn is by invite only
    (said,) = await sam.press("Beech Academy")
    assert said["text"].startswith(words.JOINED.format(name="Beech Academy"))
    (now,) = await sam.send("/org")
    assert now["text"] == words.ORG_IS.format(name="Beech Academy")
    await sam.forge("G:acorn", now["message_id"])
    await sam.forge("G:oak", now["message_id"])
    pseudonym = harness.services.pseudonyms.of(sam.id)
    assert await harness.services.store.organisation_of(pseudonym) == "beech"
    refused = [a for a in await harness.services.store.accesses() if not a.allowed]
    assert [a.detail for a in refused] == ["not a listed organisation"] * 2
    (contacts,) = await sam.send("/contacts")
    assert "Beech front office" in contacts["text"]


async def test_a_removed_organisations_members_are_told_and_go_to_the_partnership(
    harness: Harness,
) -> None:
    ann, _bo, pat = await partnership(harness)
    sam, _ = await joined(harness, "Sam", await invite_code(ann))
    services = harness.services
    beech_only = services.config.organisations[1:]
    services.config = services.config.model_copy(update={"organisations": beech_only})
    said = await sam.send("/start")
    assert said[0]["text"] == words.ORG_REMOVED
    assert (await sam.send("/org"))[0]["text"] == words.ORG_REMOVED
    await refer_now(sam, started=True)
    await send_alerts(harness)
    assert len(alerts_to(harness, pat)) == 1 and alerts_to(harness, ann) == []
    assert re.search(r"/t\d+", (await pat.send("/transcripts"))[0]["text"])


async def test_invite_for_a_lead_of_two_organisations_and_for_non_leads(harness: Harness) -> None:
    ann, _bo, pat = await partnership(harness)
    services = harness.services
    acorn, beech = services.config.organisations
    both = beech.model_copy(update={"leads": (*beech.leads, Lead(id=ann.id))})
    services.config = services.config.model_copy(update={"organisations": (acorn, both)})
    (usage,) = await ann.send("/invite")
    assert usage["text"] == words.INVITE_USAGE_MANY.format(ids="acorn, beech")
    assert "Beech Academy" in (await ann.send("/invite beech"))[0]["text"]
    (nope,) = await ann.send("/invite oak")
    assert nope["text"] == words.INVITE_NO_SUCH.format(id="oak", ids="acorn, beech")
    assert "Acorn Primary" in (await pat.send("/invite acorn"))[0]["text"]
    sam = harness.user("Sam")
    (refused,) = await sam.send("/invite")
    assert refused["text"].startswith("I don't know that command")


async def test_orgs_compares_organisations_for_the_partnership(harness: Harness) -> None:
    ann, bo, pat = await partnership(harness)
    sam, _ = await joined(harness, "Sam", await invite_code(ann))
    await refer_now(sam, started=True)
    await refer_now(harness.user("Jo"))  # in none
    (compared,) = await pat.send("/orgs")
    text = compared["text"]
    assert "Acorn Primary: 1 member(s); 1 decision(s), 1 finished" in text
    assert "; 1 urgent" in text
    assert "Beech Academy: 0 member(s); 0 decision(s)" in text
    assert f"{words.ORGS_NOT_IN_ONE}: 0 member(s); 1 decision(s)" in text
    (own,) = await bo.send("/orgs")
    assert "Beech Academy" in own["text"] and "Acorn" not in own["text"]
    assert words.ORGS_NOT_IN_ONE not in own["text"]


async def test_without_organisations_nothing_changes(harness: Harness) -> None:
    sam = harness.user("Sam")
    said = await sam.send("/start jAAAAAAAAAAAAAAAAAAAAAA")
    assert words.INVITE_UNKNOWN not in [r["text"] for r in said]
    assert (await sam.send("/org"))[0]["text"] == words.ORGS_NONE


async def test_a_request_reaches_its_organisations_lead_and_no_other_can_open_it(
    harness: Harness,
) -> None:
    ann, bo, pat = await partnership(harness)
    sam, _ = await joined(harness, "Sam", await invite_code(ann))
    await refer_now(sam, started=True)
    await sam.press(words.ASK_LEAD_BUTTON)
    (sent,) = await sam.press(words.ASK_CONFIRM_BUTTON)
    assert (
        words.ASK_SENT.format(whom="your safeguarding lead at Acorn Primary") in sent["text"]
    )  # one lead: Ann
    await send_alerts(harness)

    def requests(lead: Practitioner) -> list[dict[str, object]]:
        messages = harness.world.bot_messages(lead.id, 0)
        return [m.payload for m in messages if m.payload["text"].startswith("🙋")]

    (request,) = requests(ann)
    assert requests(bo) == [] and requests(pat) == []
    on = (await bo.send("/alerts"))[0]["message_id"]
    calls = len(harness.world.calls)
    assert await bo.forge("R:1", on) == []
    answers = [(c["method"], c["params"].get("text")) for c in harness.bot_calls(calls)]
    assert answers == [("answerCallbackQuery", words.REQUEST_GONE)]
    refused = [a for a in await harness.services.store.accesses() if not a.allowed]
    assert [(a.who, a.action, a.detail) for a in refused] == [
        (f"telegram:{bo.id}", "open request 1", "another organisation")
    ]
    shown = (await ann.press(words.OPEN_REQUEST_BUTTON, request["message_id"]))[-1]
    assert "Sam" in shown["text"]


async def in_a_welsh_school(harness: Harness) -> Practitioner:
    """Acorn moved to Wales (its content loaded, as at start), and Sam joined it."""
    ann, _bo, _pat = await partnership(harness)
    services = harness.services
    acorn, beech = services.config.organisations
    welsh = acorn.model_copy(update={"jurisdiction": "wales"})
    services.config = services.config.model_copy(update={"organisations": (welsh, beech)})
    edition = services.home.scope.edition
    services.nations = {"wales": load_library(edition=edition, jurisdiction="wales")}
    sam, _ = await joined(harness, "Sam", await invite_code(ann))
    return sam


async def test_an_organisation_in_another_nation_gets_that_nations_advice(
    harness: Harness,
) -> None:
    sam = await in_a_welsh_school(harness)
    jo = harness.user("Jo")
    assert "Wales" in (await sam.send("/law"))[0]["text"]
    assert "England" in (await jo.send("/law"))[0]["text"]
    assert "Wales" not in (await jo.send("/law"))[0]["text"]
    await refer_now(sam, started=True)  # a Welsh decision's buttons work in the Welsh content
    assert words.ASK_LEAD_BUTTON in sam.buttons()
    (record, *_) = await sam.press(words.PART_BUTTONS["record"])
    assert "Wales" in record["text"] or "Welsh" in record["text"]


async def test_a_decision_stays_with_the_organisation_it_started_in_and_says_so(
    harness: Harness,
) -> None:
    """Sam starts a decision in Acorn, moves to Beech, then asks a lead to get in touch: the
    ask screen names Acorn, and Acorn's lead (whose transcript it is) gets the request."""
    ann, bo, _pat = await partnership(harness, listed=True)
    sam = harness.user("Sam")
    replies = await sam.send(f"/start {await invite_code(ann)}")
    question = next(r for r in replies if r.get("reply_markup"))
    await sam.send("/org")
    (moved,) = await sam.press("Beech Academy")
    assert words.JOINED_MOVED.format(before="Acorn Primary") in moved["text"]
    await sam.press("Yes", question["message_id"])  # immediate danger: refer now
    (asked,) = await sam.press(words.ASK_LEAD_BUTTON)
    assert "your safeguarding lead at Acorn Primary will be sent" in asked["text"]
    await sam.press(words.ASK_CONFIRM_BUTTON)
    await send_alerts(harness)

    def requests(lead: Practitioner) -> list[str]:
        messages = harness.world.bot_messages(lead.id, 0)
        return [m.payload["text"] for m in messages if m.payload["text"].startswith("🙋")]

    assert len(requests(ann)) == 1 and requests(bo) == []
    assert len(alerts_to(harness, ann)) == 1 and alerts_to(harness, bo) == []


async def test_a_lead_of_one_organisation_is_told_only_their_own_ids(harness: Harness) -> None:
    ann, _bo, pat = await partnership(harness)
    (wrong,) = await ann.send("/transcripts org=oak")
    assert wrong["text"] == "There is no organisation 'oak'. Organisations: acorn."
    (other,) = await ann.send("/transcripts org=beech")
    assert other["text"] == "There is no organisation 'beech'. Organisations: acorn."
    (all_of_them,) = await pat.send("/transcripts org=oak")
    assert all_of_them["text"].endswith("Organisations: acorn, beech.")


async def test_when_the_organisation_cannot_be_looked_up_the_update_stops_honestly(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database blip while finding a Welsh school's practitioner's nation: they are told it
    is unavailable, and are never shown England's law instead."""
    sam = await in_a_welsh_school(harness)
    store = harness.services.store
    real = store.organisation_of

    async def down(practitioner: str) -> str | None:
        raise StorageUnavailable("the database did not answer")

    monkeypatch.setattr(store, "organisation_of", down)
    said = [r["text"] for r in await sam.send("/law")]
    assert said == [words.UNAVAILABLE]
    monkeypatch.setattr(store, "organisation_of", real)
    assert "Wales" in (await sam.send("/law"))[0]["text"]  # recovered, no restart


ODD = ["", "x" * 64, "j" + "é" * 22, "j" + "A" * 21 + "=", "<b>hi</b>", "{name}", "NEW new", "🙂"]


async def test_odd_input_to_the_organisation_commands_always_gets_an_answer(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    ann, _bo, pat = await partnership(harness, listed=True)
    sam = harness.user("Sam")
    caplog.set_level(logging.WARNING)
    for who in (sam, ann, pat):
        for command in ("/start ", "/org ", "/invite ", "/orgs ", "/transcripts org="):
            for arg in ODD:
                assert await who.send((command + arg).strip()), command + arg
    for data in ("G:", "G:" + "a" * 41, "G:ACORN", "G:é", "L:0:0:0:0:all::g999"):
        await pat.forge(data, sam.keyboard_message().payload["message_id"])
    assert [r.getMessage() for r in caplog.records if "failed with" in r.getMessage()] == []
