"""Signing in to the web desk with a /desk link, the session cookie, idling, signing out, and a
lead removed from config: on a real server over a real store."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from pathlib import Path

import pytest
import tornado.web

from bot import words
from bot.config import Organisation
from bot.desk.app import reload_config
from tests.support.desk import NORTH_LEAD, SOUTH_LEAD, XSRF, DeskSite

REFUSED_HEADING = words.DESK_LINK_HEADING


def no_traceback(text: str) -> None:
    assert "Traceback" not in text and 'File "' not in text


async def test_a_link_signs_the_lead_in_with_a_strict_cookie(desk: DeskSite) -> None:
    browser = desk.browser()
    link = await desk.link(NORTH_LEAD)
    page = await browser.get(link)
    [xsrf] = [c for c in page.cookies if c.startswith("_xsrf=")]  # set by the sign-in page
    assert {"httponly", "secure", "samesite=strict"} <= {
        p.strip().lower() for p in xsrf.split(";")[1:]
    }
    answer = await browser.open_link(link)
    assert (answer.status, answer.location) == (303, "/")
    [session] = [c for c in answer.cookies if c.startswith("desk_session=")]
    flags = {part.strip().lower() for part in session.split(";")[1:]}
    assert {"httponly", "secure", "samesite=strict", "path=/"} <= flags
    assert "expires" not in " ".join(flags)  # gone with the browser; the store times it out
    overview = await browser.get("/")
    assert overview.status == 200 and "<h1>Overview</h1>" in overview.text
    lines = await desk.store.accesses()
    assert [(a.who, a.channel, a.action) for a in lines if a.action == "signin"] == [
        (f"desk:{NORTH_LEAD}", "desk", "signin")
    ]


async def test_a_used_link_does_not_work_again_even_for_someone_else(
    desk: DeskSite, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "bot.desk.requests")
    link = await desk.link(NORTH_LEAD)
    assert (await desk.browser().open_link(link)).status == 303
    stranger = desk.browser()
    page = await stranger.get(link)  # the page still shows: a GET looks nothing up
    assert page.status == 200 and words.DESK_SIGN_IN_HEADING in page.plain
    answer = await stranger.open_link(link)
    assert answer.status == 403
    assert REFUSED_HEADING in answer.plain and "used already" in answer.text
    assert "/desk" in answer.text and str(NORTH_LEAD) not in answer.text
    assert not answer.cookies or all(not c.startswith("desk_session=") for c in answer.cookies)
    assert (await stranger.get("/")).location == "/signed-out"
    no_traceback(answer.text)
    assert "200 GET /signin/(a link)" in caplog.text
    assert "403 POST /signin/(a link)" in caplog.text
    assert link.removeprefix("/signin/") not in caplog.text  # nor any token in the log


async def test_an_expired_link_is_refused(desk: DeskSite) -> None:
    link = await desk.link(NORTH_LEAD, minutes=10)
    desk.clock.advance(timedelta(minutes=10))
    answer = await desk.browser().open_link(link)
    assert answer.status == 403 and "too old" in answer.text
    refused = [a for a in await desk.store.accesses() if not a.allowed]
    assert [(a.who, a.action, a.detail) for a in refused] == [("desk:?", "signin", "expired")]


async def test_forged_links_are_refused_without_looking_like_anything(desk: DeskSite) -> None:
    for token in (secrets.token_urlsafe(32), "x", "%3Cscript%3E", "a" * 5000):
        answer = await desk.browser().open_link(f"/signin/{token}")
        assert answer.status == 403, token
        assert REFUSED_HEADING in answer.plain and "not one the desk made" in answer.text
        assert "<script>" not in answer.text
        no_traceback(answer.text)


async def test_cookies_of_another_deployment_or_tampered_do_not_work(desk: DeskSite) -> None:
    browser = await desk.signed_in(NORTH_LEAD)
    good = browser.cookies["desk_session"]
    raw = tornado.web.decode_signed_value(desk.services.cookie_secret(), "desk_session", good)
    assert raw is not None
    other = tornado.web.create_signed_value("another deployment's secret", "desk_session", raw)
    tampered = good[:-2] + ("11" if good.endswith("00") else "00")
    for value in (other.decode(), tampered, raw.decode()):
        browser.cookies["desk_session"] = value
        answer = await browser.get("/transcripts")
        assert (answer.status, answer.location) == (303, "/signed-out")
    browser.cookies["desk_session"] = good
    assert (await browser.get("/transcripts")).status == 200


async def test_idle_sessions_end_and_sign_out_ends_one(desk: DeskSite) -> None:
    browser = await desk.signed_in(NORTH_LEAD)
    desk.clock.advance(timedelta(minutes=29))
    assert (await browser.get("/")).status == 200  # and it counts as activity
    desk.clock.advance(timedelta(minutes=29))
    assert (await browser.get("/")).status == 200
    desk.clock.advance(timedelta(minutes=31))
    assert (await browser.get("/")).location == "/signed-out"

    browser = await desk.signed_in(NORTH_LEAD)
    kept = dict(browser.cookies)
    answer = await browser.post("/signout", {})
    assert (answer.status, answer.location) == (303, "/signed-out")
    page = await browser.get("/signed-out")
    assert page.status == 200 and words.DESK_SIGNED_OUT_HEADING in page.text
    browser.cookies = kept  # the old cookie, kept by someone: the session has ended
    assert (await browser.get("/")).location == "/signed-out"


async def test_a_lead_removed_from_config_is_signed_out_at_the_next_request(
    desk: DeskSite,
) -> None:
    north_lead, south_lead = await desk.signed_in(NORTH_LEAD), await desk.signed_in(SOUTH_LEAD)
    config = desk.services.config
    north, south = config.organisations
    without = Organisation(id="north", name=north.name, leads=())
    desk.services.config = config.model_copy(update={"organisations": (without, south)})
    assert (await north_lead.get("/transcripts")).location == "/signed-out"
    assert (await south_lead.get("/transcripts")).status == 200
    desk.services.config = config  # put back: the session stays ended, a new link is needed
    assert (await north_lead.get("/transcripts")).location == "/signed-out"
    assert (await (await desk.signed_in(NORTH_LEAD)).get("/transcripts")).status == 200


async def test_pages_need_a_session(desk: DeskSite) -> None:
    browser = desk.browser()
    for path in (
        "/",
        "/transcripts",
        "/transcripts/1",
        "/practitioners",
        "/access",
        "/exports",
        "/exports/transcripts.csv",
    ):
        answer = await browser.get(path)
        assert (answer.status, answer.location) == (303, "/signed-out"), path


async def test_a_config_reload_takes_a_removed_lead_out_at_the_next_request(
    desk: DeskSite, tmp_path: Path
) -> None:
    """What SIGHUP does to `infoshare-bot desk`: the file read again; a bad file changes nothing."""
    north_lead = await desk.signed_in(NORTH_LEAD)
    path = tmp_path / "config.yaml"
    path.write_text("organisations: [{id: north, name: North School, leads: [1, 2]}\n")
    assert not reload_config(desk.services, path)  # broken YAML: the running config is kept
    assert (await north_lead.get("/transcripts")).status == 200
    path.write_text(
        f"storage: {{url: 'sqlite:///elsewhere.db'}}\n"
        f"organisations:\n  - {{id: north, name: North School, leads: [{SOUTH_LEAD}]}}\n"
    )
    assert reload_config(desk.services, path)
    assert "elsewhere" not in desk.services.config.storage.url  # needs a restart: kept
    assert (await north_lead.get("/transcripts")).location == "/signed-out"
    assert (await (await desk.signed_in(SOUTH_LEAD)).get("/transcripts")).status == 200


async def test_opening_a_link_shows_a_form_and_uses_nothing(desk: DeskSite) -> None:
    """A link scanner or chat preview GETs the link: the lead's own press still signs in."""
    link = await desk.link(NORTH_LEAD)
    scanner = desk.browser()
    for _ in range(3):
        page = await scanner.get(link)
        assert page.status == 200, page.text
        assert f"<h1>{words.DESK_SIGN_IN_HEADING}</h1>" in page.text
        assert words.DESK_SIGN_IN in page.plain
        assert f'<form id="signin" method="post" action="{link}">' in page.text
        assert 'name="_xsrf"' in page.text and words.DESK_SIGN_IN_BUTTON in page.text
        assert all(not c.startswith("desk_session=") for c in page.cookies)
        assert "desk_session" not in scanner.cookies
        assert str(NORTH_LEAD) not in page.text
    assert (await scanner.get("/")).location == "/signed-out"
    assert [a for a in await desk.store.accesses() if a.action == "signin"] == []
    lead = desk.browser()
    answer = await lead.open_link(link)
    assert (answer.status, answer.location) == (303, "/")
    assert (await lead.get("/")).status == 200


async def test_a_sign_in_without_its_csrf_token_is_refused_and_uses_nothing(
    desk: DeskSite,
) -> None:
    link = await desk.link(NORTH_LEAD)
    forger = desk.browser()
    for answer in (
        await forger.open_link(link, xsrf=False),  # the page's cookie, no form value
        await desk.browser().request("POST", link, {}),  # no cookie either
        await desk.browser().request("POST", link, {"_xsrf": "2|00|00|00"}),
    ):
        assert answer.status == 403
        assert words.DESK_FORBIDDEN_HEADING in answer.plain
        assert all(not c.startswith("desk_session=") for c in answer.cookies)
        no_traceback(answer.text)
    assert "desk_session" not in forger.cookies
    assert [a for a in await desk.store.accesses() if a.action == "signin"] == []
    assert (await desk.browser().open_link(link)).status == 303  # still usable


async def test_posting_a_used_expired_or_forged_link_gives_its_page(desk: DeskSite) -> None:
    used, old = await desk.link(NORTH_LEAD), await desk.link(SOUTH_LEAD, minutes=1)
    lead = desk.browser()
    page = await lead.get(used)  # the form drawn before the link was used elsewhere
    assert (await desk.browser().open_link(used)).status == 303
    found = XSRF.search(page.text)
    assert found is not None
    answer = await lead.request("POST", used, {"_xsrf": found[1]})
    assert answer.status == 403 and words.DESK_LINK_REFUSED["used"] in answer.plain
    desk.clock.advance(timedelta(minutes=1))
    answer = await desk.browser().open_link(old)
    assert answer.status == 403 and words.DESK_LINK_REFUSED["expired"] in answer.plain
    forged = f"/signin/{secrets.token_urlsafe(32)}"
    answer = await desk.browser().open_link(forged)
    assert answer.status == 403 and words.DESK_LINK_REFUSED["unknown"] in answer.plain
    for answer in (
        await desk.browser().get("/signin/x"),  # malformed: refused at once, no page
        await desk.browser().request("POST", "/signin/x", {}),  # no _xsrf: the CSRF page
    ):
        assert answer.status == 403
    refused = [a for a in await desk.store.accesses() if not a.allowed]
    assert sorted(a.detail for a in refused) == ["expired", "unknown", "unknown", "used"]
    assert all(a.who == "desk:?" and a.action == "signin" for a in refused)
