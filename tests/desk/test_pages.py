"""The desk's pages on a real server over a real store: headers on every response, scoping by
organisation, filters and paging, writes with their CSRF token, exports, and the access log."""

from __future__ import annotations

import csv
import html
import io
import json
import logging
import re
from datetime import timedelta

import pytest

from bot import words
from bot.config import Lead
from bot.desk import listing
from bot.transcripts.model import Filters
from states import NOT_SURE
from tests.support.clock import NOW
from tests.support.desk import (
    NORTH_LEAD,
    NORTH_PRACTITIONER,
    PARTNERSHIP_LEAD,
    SOUTH_LEAD,
    SOUTH_PRACTITIONER,
    XSRF,
    Answer,
    DeskSite,
    seed,
)
from tests.support.storage import transcript_write

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
ROW = re.compile(r'<tr data-id="([0-9]+)">')


def listed(answer: Answer) -> list[int]:
    assert answer.status == 200, answer.plain
    return [int(n) for n in ROW.findall(answer.text)]


def assert_headers(answer: Answer, path: str) -> None:
    assert answer.headers["Content-Security-Policy"] == CSP, path
    assert answer.headers["X-Content-Type-Options"] == "nosniff", path
    assert answer.headers["Referrer-Policy"] == "no-referrer", path
    assert answer.headers["Cache-Control"] == "no-store", path
    assert "Traceback" not in answer.text, path


async def test_every_response_carries_the_security_headers(desk: DeskSite) -> None:
    ids = await seed(desk.store)
    lead, stranger = await desk.signed_in(NORTH_LEAD), desk.browser()
    north, south = ids["north"][0], ids["south"][0]
    for path in (
        "/",
        "/transcripts",
        f"/transcripts/{north}",
        f"/transcripts/{south}",
        "/transcripts?page=0",
        "/practitioners",
        "/access",
        "/exports",
        "/exports/transcripts.csv",
        "/exports/transcripts.jsonl",
        "/exports/report.html",
        "/exports/nothing.txt",
        "/static/desk.css",
        "/no/such/page",
    ):
        assert_headers(await lead.get(path), path)
    for path in ("/", "/signed-out", "/signin/forged-token-forged-token", "/static/desk.css"):
        assert_headers(await stranger.get(path), path)
    assert_headers(await lead.post(f"/transcripts/{north}/tags", {"tag": "reviewed"}), "tag")
    assert_headers(await lead.post("/signout", {}, xsrf=False), "no xsrf")


async def test_the_overview_counts_this_week_within_the_leads_organisation(
    desk: DeskSite,
) -> None:
    ids = await seed(desk.store, north=2)
    unsure = transcript_write(
        "u", None, at=NOW - timedelta(minutes=5), practitioner=NORTH_PRACTITIONER, answer=NOT_SURE
    )
    await desk.store.record(unsure)
    lead = await desk.signed_in(NORTH_LEAD)
    page = await lead.get("/")
    hotspots = page.text.split('id="hotspots"')[1].split("</section>")[0]
    assert "<td>Immediate danger</td><td>1</td><td>3</td>" in hotspots
    assert page.status == 200 and "<h1>Overview</h1>" in page.text
    assert "3 decision(s) started this week" in page.plain  # north's 3, not south's 2
    urgent = page.text.split('id="urgent"')[1].split("</section>")[0]
    assert ": 1</li>" in urgent
    [link] = re.findall(r'href="(/transcripts\?[^"]+)"', urgent)
    assert listed(await lead.get(html.unescape(link))) == [ids["north"][0]]
    assert "<svg" in page.text and "<script" not in page.text
    everyone = await (await desk.signed_in(PARTNERSHIP_LEAD)).get("/")
    assert "5 decision(s) started this week" in everyone.plain
    south = await (await desk.signed_in(SOUTH_LEAD)).get("/")
    assert "Immediate danger" not in south.text.split('id="hotspots"')[1].split("</section>")[0]


async def test_a_lead_sees_lists_and_exports_only_their_organisations(desk: DeskSite) -> None:
    ids = await seed(desk.store)
    lead = await desk.signed_in(NORTH_LEAD)
    assert sorted(listed(await lead.get("/transcripts"))) == ids["north"]
    other = await lead.get("/transcripts?org=south")  # not theirs to choose, nor to be told of
    assert other.status == 400 and "Organisations: north." in other.plain
    south = ids["south"][0]
    missing = await lead.get("/transcripts/999999")
    theirs = await lead.get(f"/transcripts/{south}")
    assert missing.status == theirs.status == 404
    unmasked = [XSRF.sub("", page.text) for page in (missing, theirs)]  # masked afresh each time
    assert unmasked[0] == unmasked[1]  # nothing tells one from the other
    assert SOUTH_PRACTITIONER not in theirs.text
    refused = [a for a in await desk.store.accesses() if not a.allowed]
    assert [(a.who, a.action, a.detail) for a in refused] == [
        (f"desk:{NORTH_LEAD}", f"show {south}", "another organisation")
    ]
    exports = await lead.get("/exports?outcome=share")
    for name in ("transcripts.csv", "transcripts.jsonl", "report.html"):
        assert f'href="/exports/{name}?outcome=share"' in exports.text
    shared = await lead.get("/exports/transcripts.csv?outcome=share")
    assert (
        sorted(int(r["id"]) for r in csv.DictReader(io.StringIO(shared.text))) == ids["north"][1:]
    )
    csv_file = await lead.get("/exports/transcripts.csv")
    assert csv_file.headers["Content-Disposition"] == 'attachment; filename="transcripts.csv"'
    rows = list(csv.DictReader(io.StringIO(csv_file.text)))
    assert sorted({int(r["id"]) for r in rows}) == ids["north"]
    jsonl = await lead.get("/exports/transcripts.jsonl")
    assert sorted(json.loads(line)["id"] for line in jsonl.text.splitlines()) == ids["north"]
    report = await lead.get("/exports/report.html")
    assert report.status == 200 and NORTH_PRACTITIONER in report.text
    assert SOUTH_PRACTITIONER not in report.text
    partnership = await desk.signed_in(PARTNERSHIP_LEAD)
    assert sorted(listed(await partnership.get("/transcripts"))) == sorted(
        ids["north"] + ids["south"]
    )
    assert sorted(listed(await partnership.get("/transcripts?org=south"))) == ids["south"]


async def test_filters_search_sort_and_pages(
    desk: DeskSite, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    ids = await seed(desk.store, north=30, south=1)
    lead = await desk.signed_in(NORTH_LEAD)
    first = await lead.get("/transcripts")
    newest = sorted(ids["north"], reverse=True)
    assert listed(first) == newest[:25]
    assert 'id="filters" method="get"' in first.text
    assert 'rel="next" href="/transcripts?page=2"' in first.text and 'rel="prev"' not in first.text
    second = await lead.get("/transcripts?page=2")
    assert listed(second) == newest[25:] and 'rel="prev"' in second.text
    oldest = await lead.get("/transcripts?sort=oldest")
    assert listed(oldest) == sorted(ids["north"])[:25]
    assert listed(await lead.get("/transcripts?sort=oldest&page=2")) == sorted(ids["north"])[25:]
    assert len(listed(await lead.get("/transcripts?sort=steps"))) == 25
    refer = [min(ids["north"])]
    assert listed(await lead.get("/transcripts?outcome=refer_now")) == refer
    assert listed(await lead.get("/transcripts?q=refer")) == refer  # by the outcome's words
    assert len(listed(await lead.get("/transcripts?q=immediate_danger"))) == 25  # a question
    assert listed(await lead.get("/transcripts?q=about_whom")) == []  # one nobody reached
    assert len(listed(await lead.get("/transcripts?q=Share"))) == 25  # the id before words
    assert len(listed(await lead.get(f"/transcripts?q={NORTH_PRACTITIONER}&page=2"))) == 5
    assert listed(await lead.get(f"/transcripts?q={SOUTH_PRACTITIONER}")) == []
    assert listed(await lead.get("/transcripts?period=today&unfinished=1")) == []
    assert "200 GET /transcripts " in caplog.text and NORTH_PRACTITIONER not in caplog.text


async def test_bad_values_get_a_kind_400_page(desk: DeskSite) -> None:
    await seed(desk.store)
    lead = await desk.signed_in(NORTH_LEAD)
    for query, says in (
        ("page=99999999999999999999", "Page numbers are whole numbers"),
        ("page=-1", "Page numbers"),
        ("page=abc", "Page numbers"),
        ("outcome=nope", "There is no outcome 'nope'"),
        ("period=" + "9" * 150, "is not a period I know"),
        ("period=" + "x" * 20_000, "longer than the desk accepts"),
        ("q=" + "x" * 5000, "longer than the desk accepts"),
        ("q=wombat", "nothing is called 'wombat'"),
        ("tag=<b>", "There is no tag '<b>'"),
        ("practitioner=bob", "is not a practitioner code"),
        ("sort=sideways", "Sort by newest, oldest or steps"),
    ):
        answer = await lead.get(f"/transcripts?{query}")
        assert answer.status == 400, query
        assert says in answer.plain, (query, answer.plain)
        assert "Traceback" not in answer.text and "<b>" not in answer.text
    for path in ("/transcripts/99999999999", "/transcripts/9999999999", "/transcripts/0"):
        assert (await lead.get(path)).status == 404, path
    assert (await lead.get("/practitioners?period=never")).status == 400
    for answer in (await lead.post("/transcripts", {}), await lead.get("/signout")):
        assert answer.status == 405 and words.DESK_BAD_VALUE in answer.plain


async def test_tags_and_notes_need_the_csrf_token_and_a_visible_transcript(
    desk: DeskSite,
) -> None:
    ids = await seed(desk.store)
    lead = await desk.signed_in(NORTH_LEAD)
    north, south = ids["north"][0], ids["south"][0]
    forged = await lead.post(f"/transcripts/{north}/tags", {"tag": "follow_up"}, xsrf=False)
    assert forged.status == 403 and "Traceback" not in forged.text
    forged = await lead.post(f"/transcripts/{north}/notes", {"text": "hi"}, xsrf=False)
    assert forged.status == 403
    found = await desk.store.get_transcript(north)
    assert found is not None and not found.tags and not found.notes

    tagged = await lead.post(f"/transcripts/{north}/tags", {"tag": "follow_up"})
    assert (tagged.status, tagged.location) == (303, f"/transcripts/{north}")
    page = await lead.get(f"/transcripts/{north}")
    assert 'id="tags" method="post"' in page.text and "Remove Follow up" in page.text
    assert f'formaction="/transcripts/{north}/tags?on=0"' in page.text  # Remove says off
    await lead.post(f"/transcripts/{north}/tags", {"tag": "follow_up"})  # Add again, stale
    found = await desk.store.get_transcript(north)
    assert found is not None and found.tags == {"follow_up"}  # still on: never a toggle
    await lead.post(f"/transcripts/{north}/tags?on=0", {"tag": "follow_up"})
    found = await desk.store.get_transcript(north)
    assert found is not None and not found.tags
    assert (await lead.post(f"/transcripts/{north}/tags", {"tag": "nonsense"})).status == 400

    typed = "Rang Jane Smith on 07700 900123 <script>alert(1)</script>"
    noted = await lead.post(f"/transcripts/{north}/notes", {"text": typed})
    assert noted.status == 303
    found = await desk.store.get_transcript(north)
    assert found is not None
    [note] = found.notes
    assert note.lead == f"desk:{NORTH_LEAD}" and "07700" not in note.text
    page = await lead.get(f"/transcripts/{north}")
    assert "<script>alert" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "07700" not in page.text
    assert (await lead.post(f"/transcripts/{north}/notes", {"text": "  "})).status == 400
    assert (await lead.post(f"/transcripts/{north}/notes", {"text": "x" * 20_000})).status == 400

    assert (await lead.post(f"/transcripts/{south}/tags", {"tag": "reviewed"})).status == 404
    assert (await lead.post(f"/transcripts/{south}/notes", {"text": "mine"})).status == 404
    theirs = await desk.store.get_transcript(south)
    assert theirs is not None and not theirs.tags and not theirs.notes


async def test_every_view_write_and_export_is_in_the_access_log(desk: DeskSite) -> None:
    ids = await seed(desk.store)
    north = ids["north"][0]
    lead = await desk.signed_in(NORTH_LEAD)
    for path in (
        "/",
        "/transcripts",
        f"/transcripts/{north}",
        "/practitioners",
        "/access",
        "/exports/transcripts.csv",
        "/exports/transcripts.jsonl",
        "/exports/report.html",
    ):
        assert (await lead.get(path)).status == 200, path
    await lead.post(f"/transcripts/{north}/tags", {"tag": "reviewed"})
    await lead.post(f"/transcripts/{north}/notes", {"text": "seen"})
    actions = [
        a.action for a in reversed(await desk.store.accesses()) if a.who == f"desk:{NORTH_LEAD}"
    ]
    for wanted in (
        "signin",
        "overview",
        "list",
        f"show {north}",
        "practitioners",
        "access log",
        "export csv",
        "export jsonl",
        "export html",
        f"tag {north} reviewed",
        f"note {north}",
    ):
        assert wanted in actions, wanted
    page = await lead.get(f"/transcripts/{north}")
    viewed = page.text.split('id="viewed"')[1]
    assert f"show {north}" in viewed and f"tag {north} reviewed" in viewed


async def test_practitioners_and_the_access_log_are_scoped(desk: DeskSite) -> None:
    ids = await seed(desk.store)
    partnership = await desk.signed_in(PARTNERSHIP_LEAD)
    await partnership.get(f"/transcripts/{ids['south'][0]}")
    lead = await desk.signed_in(NORTH_LEAD)
    people = await lead.get("/practitioners")
    assert NORTH_PRACTITIONER in people.text and SOUTH_PRACTITIONER not in people.text
    log = await lead.get("/access")
    assert f"lead {NORTH_LEAD}" in log.plain and "Pat" not in log.plain
    everything = await partnership.get("/access")
    assert f"lead {NORTH_LEAD}" in everything.plain and "Pat" in everything.plain
    for page in (log, everything):  # leads by name or role, never by Telegram id
        assert f"desk:{NORTH_LEAD}" not in page.text and f"desk:{PARTNERSHIP_LEAD}" not in page.text
    assert await desk.store.count_transcripts(Filters()) == 5


async def test_a_lead_of_another_organisation_too_is_left_out_of_an_access_log(
    desk: DeskSite,
) -> None:
    """A lead of North and South: what they did (at South, say) is not North's to read."""
    ids = await seed(desk.store)
    config = desk.services.config
    north, south = config.organisations
    both = Lead(id=404, name="Both")
    desk.services.config = config.model_copy(
        update={
            "organisations": (
                north.model_copy(update={"leads": (*north.leads, both)}),
                south.model_copy(update={"leads": (*south.leads, both)}),
            )
        }
    )
    await (await desk.signed_in(404)).get(f"/transcripts/{ids['south'][0]}")
    log = await (await desk.signed_in(NORTH_LEAD)).get("/access")
    assert "Both" not in log.plain and f"show {ids['south'][0]}" not in log.plain
    everything = await (await desk.signed_in(PARTNERSHIP_LEAD)).get("/access")
    assert "Both" in everything.plain


async def test_a_transcript_shows_its_steps_outcome_and_decision_record(
    desk: DeskSite,
) -> None:
    ids = await seed(desk.store)
    lead = await desk.signed_in(NORTH_LEAD)
    whole = await lead.get(f"/transcripts/{ids['north'][0]}")
    steps = whole.plain.split('id="steps"')[1].split("</ol>")[0]
    assert "Immediate danger" in steps and "A: Yes" in steps
    assert 'id="outcome"' in whole.text
    record = whole.plain.split('id="record">')[1].split("</pre>")[0]
    assert "Decision:" in record and "Immediate danger: Yes" in record
    cut = await lead.get(f"/transcripts/{ids['north'][1]}")  # "no", then straight to share
    assert 'id="record"' not in cut.text and "cannot be rebuilt" in cut.plain


async def test_sorting_by_steps_within_a_bound(
    desk: DeskSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = await seed(desk.store, north=3, south=0)
    longer = transcript_write(
        "n1", "share", at=NOW, started_at=NOW - timedelta(hours=2), practitioner=NORTH_PRACTITIONER
    )
    await desk.store.record(longer)  # a second step: the longest
    lead = await desk.signed_in(NORTH_LEAD)
    assert listed(await lead.get("/transcripts?sort=steps")) == [
        ids["north"][1],
        ids["north"][2],
        ids["north"][0],
    ]
    monkeypatch.setattr(listing, "MOST_TO_SORT", 2)
    refused = await lead.get("/transcripts?sort=steps")
    assert refused.status == 400 and "too many to sort by steps" in refused.plain
    assert len(listed(await lead.get("/transcripts?sort=steps&outcome=refer_now"))) == 1
