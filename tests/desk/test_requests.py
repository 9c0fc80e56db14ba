"""Requests to get in touch on the desk's overview: a lead's own organisation's only, never who
asked, and a form (with its CSRF token) to mark one handled, logged and scoped."""

from __future__ import annotations

import re
from datetime import timedelta

from bot import words
from bot.alerts import Identity
from bot.storage import SqlStore
from tests.support.clock import NOW
from tests.support.desk import (
    NORTH_LEAD,
    NORTH_PRACTITIONER,
    PARTNERSHIP_LEAD,
    SOUTH_LEAD,
    SOUTH_PRACTITIONER,
    Answer,
    DeskSite,
    seed,
)

ANN = Identity(987654321012, "Annabel Secretname", "annabel_hidden")
SUE = Identity(123456789098, "Susannah Otherwise", "susannah_hidden")
REQUEST = re.compile(r'<tr data-request="([0-9]+)">')
HEADING = words.DESK_REQUESTS_HEADING.split(":")[0]


def shown(answer: Answer) -> list[int]:
    assert answer.status == 200, answer.plain
    return [int(n) for n in REQUEST.findall(answer.text)]


async def asked(store: SqlStore) -> dict[str, int]:
    """North's practitioner asks about two decisions (n1 then n0), South's about one."""
    await seed(store)
    made = {}
    for name, practitioner, identity, minutes in (
        ("n1", NORTH_PRACTITIONER, ANN, 10),
        ("n0", NORTH_PRACTITIONER, ANN, 20),
        ("s0", SOUTH_PRACTITIONER, SUE, 15),
    ):
        request = await store.request_contact(
            name, practitioner, identity, NOW - timedelta(minutes=minutes)
        )
        assert request is not None
        made[name] = request.id
    return made


def assert_no_identity(answer: Answer) -> None:
    for identity in (ANN, SUE):
        for secret in (str(identity.user_id), identity.name, identity.username or "?"):
            assert secret not in answer.plain
        assert identity.name.split()[0] not in answer.plain


async def test_the_overview_lists_a_leads_own_open_requests_without_identity(
    desk: DeskSite,
) -> None:
    made = await asked(desk.store)
    await desk.store.open_request(made["n1"], f"telegram:{NORTH_LEAD}", NOW)
    north = await (await desk.signed_in(NORTH_LEAD)).get("/")
    assert shown(north) == [made["n1"], made["n0"]]  # newest first
    assert f"{HEADING}: 2" in north.plain
    assert NORTH_PRACTITIONER in north.plain and SOUTH_PRACTITIONER not in north.plain
    row = north.text.split(f'data-request="{made["n1"]}"')[1].split("</tr>")[0]
    opened = words.DESK_REQUEST_OPENED.split("{")[0]
    assert opened in row and words.DESK_REQUEST_NOT_OPENED not in row
    [first] = [r for r in await desk.store.open_requests(None) if r.id == made["n1"]]
    assert (
        f'<a href="/transcripts/{first.transcript_id}">' in row and words.DESK_REQUEST_HANDLE in row
    )
    assert f'action="/requests/{made["n1"]}/handled"' in row and 'name="_xsrf"' in row
    other = north.text.split(f'data-request="{made["n0"]}"')[1].split("</tr>")[0]
    assert words.DESK_REQUEST_NOT_OPENED in other
    assert_no_identity(north)

    south = await (await desk.signed_in(SOUTH_LEAD)).get("/")
    assert shown(south) == [made["s0"]]
    assert_no_identity(south)
    everyone = await (await desk.signed_in(PARTNERSHIP_LEAD)).get("/")
    assert shown(everyone) == [made["n1"], made["s0"], made["n0"]]
    assert_no_identity(everyone)


async def test_none_open_says_so(desk: DeskSite) -> None:
    await seed(desk.store)
    page = await (await desk.signed_in(NORTH_LEAD)).get("/")
    assert shown(page) == [] and f"{HEADING}: 0" in page.plain
    assert words.DESK_REQUESTS_NONE in page.plain


async def test_marking_handled_takes_it_off_the_list_and_is_logged(desk: DeskSite) -> None:
    made = await asked(desk.store)
    lead = await desk.signed_in(NORTH_LEAD)
    done = await lead.post(f"/requests/{made['n0']}/handled", {"next": "/"})
    assert (done.status, done.location) == (303, "/")
    assert shown(await lead.get("/")) == [made["n1"]]
    again = await lead.post(f"/requests/{made['n0']}/handled", {})
    assert (again.status, again.location) == (303, "/")
    away = await lead.post(f"/requests/{made['n1']}/handled", {"next": "//evil.example/"})
    assert (away.status, away.location) == (303, "/")
    assert shown(await lead.get("/")) == []
    assert shown(await (await desk.signed_in(SOUTH_LEAD)).get("/")) == [made["s0"]]
    log = [
        (a.who, a.channel, a.action, a.detail, a.allowed)
        for a in reversed(await desk.store.accesses())
        if a.action.startswith("handled")
    ]
    who = f"desk:{NORTH_LEAD}"
    assert log == [
        (who, "desk", f"handled request {made['n0']}", "", True),
        (who, "desk", f"handled request {made['n0']}", "already handled", True),
        (who, "desk", f"handled request {made['n1']}", "", True),
    ]


async def test_another_organisations_or_a_missing_request_is_not_found_and_refused(
    desk: DeskSite,
) -> None:
    made = await asked(desk.store)
    lead = await desk.signed_in(NORTH_LEAD)
    for number in (made["s0"], 99_999, 0):
        answer = await lead.post(f"/requests/{number}/handled", {})
        assert answer.status == 404, number
        assert words.DESK_NOT_FOUND in answer.plain and "Traceback" not in answer.text
    assert shown(await (await desk.signed_in(SOUTH_LEAD)).get("/")) == [made["s0"]]
    refused = [
        (a.action, a.detail)
        for a in await desk.store.accesses()
        if a.action.startswith("handled") and not a.allowed
    ]
    assert sorted(refused) == [
        (f"handled request {made['s0']}", "another organisation"),
        ("handled request 99999", "gone"),
    ]


async def test_a_withdrawn_request_is_not_listed_and_cannot_be_handled(desk: DeskSite) -> None:
    made = await asked(desk.store)
    lead = await desk.signed_in(NORTH_LEAD)
    assert await desk.store.withdraw_request(made["n0"], NORTH_PRACTITIONER, NOW) == "withdrawn"
    assert shown(await lead.get("/")) == [made["n1"]]
    answer = await lead.post(f"/requests/{made['n0']}/handled", {})
    assert answer.status == 409
    assert words.DESK_REQUEST_WITHDRAWN in answer.plain
    [line] = [a for a in await desk.store.accesses() if a.action.startswith("handled")]
    assert (line.detail, line.allowed) == ("withdrawn", False)


async def test_marking_handled_needs_the_csrf_token_and_a_session(desk: DeskSite) -> None:
    made = await asked(desk.store)
    lead = await desk.signed_in(NORTH_LEAD)
    forged = await lead.post(f"/requests/{made['n0']}/handled", {}, xsrf=False)
    assert forged.status == 403 and words.DESK_FORBIDDEN in forged.plain
    stranger = await desk.browser().post(f"/requests/{made['n0']}/handled", {}, xsrf=False)
    assert stranger.status == 403
    assert shown(await lead.get("/")) == [made["n1"], made["n0"]]
    assert not [a for a in await desk.store.accesses() if a.action.startswith("handled")]
