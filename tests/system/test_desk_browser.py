"""The web desk in a real browser (Debian's Chromium, driven by Playwright), end to end: a lead
sends /desk to the real `infoshare-bot run` over the Bot API emulator, opens the link it sends
in the browser (served by `infoshare-bot desk`, a second process on the same config and
database), reads the overview, filters and searches the list, opens a transcript, tags it, adds
a note with HTML in it (shown as text), downloads each export and signs out. And what must not
work: the same link again, an expired or forged link, a form without its CSRF token, another
organisation's transcript. Opening a link only shows a page with a "Sign in" button: a scanner's
visit uses nothing, and pressing the button signs in even from another site's page.

Two organisations: north, whose lead signs in, with two practitioners who joined by the invite
link and decided in Telegram; south, whose one transcript is written straight to the database.
Each page shown is screenshotted into the test's folder and checked not to be blank.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import matplotlib.image
import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from bot import words
from bot.desk.links import digest, new_token
from bot.transcripts.model import TAGS, Filters
from bot.transcripts.pseudonym import load_pseudonyms
from tests.emulator import EmulatorClient
from tests.support.e2e import Launcher, Practitioner, failed
from tests.support.storage import transcript_write

pytestmark = [pytest.mark.e2e, pytest.mark.asyncio(loop_scope="module")]

CHROMIUM = "/usr/bin/chromium"
WITHIN = 10.0
"""Seconds for the bot to answer in Telegram (a loaded CI machine)."""
PAGE_WITHIN_MS = 20_000
INVITE = re.compile(r"https://t\.me/\w+\?start=(j[A-Za-z0-9_-]{22})")
SIGN_IN = re.compile(r"(http://127\.0\.0\.1:\d+/signin/[A-Za-z0-9_-]{43})")
SOUTH_PRACTITIONER = "p-50a7b0c1d2e3"
NOTE = "<script>alert(1)</script> discussed in supervision"


@dataclass
class Scene:
    runs: Launcher
    lead: Practitioner
    browser: Browser
    priya: str
    """Pseudonyms and transcript ids below: Priya reached refer_now, Kim is unfinished."""
    kim: str
    urgent_id: int
    unfinished_id: int
    south_id: int


async def next_message(who: Practitioner) -> str:
    (message,) = await who.actor.wait_for_messages(1, timeout=WITHIN)
    return message.text or ""


async def sign_in_link(lead: Practitioner) -> str:
    """Send /desk; the link in the answer (alerts that come meanwhile are passed over)."""
    await lead.actor.send("/desk")
    for _ in range(5):
        found = SIGN_IN.search(await next_message(lead))
        if found is not None:
            return found[1]
    raise AssertionError("no sign-in link came")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def scene(
    emulator: EmulatorClient, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Scene]:
    await emulator.reset()
    lead = Practitioner(await emulator.user("Lee"))
    other = Practitioner(await emulator.user("Sol"))
    organisations = [
        {"id": "north", "name": "North School", "leads": [lead.actor.user_id]},
        {"id": "south", "name": "South Surgery", "leads": [other.actor.user_id]},
    ]
    runs = Launcher(emulator, tmp_path_factory.mktemp("desk"), top={"organisations": organisations})
    try:
        await runs.start()
        await runs.start_desk()
        await lead.actor.send("/invite")
        code = INVITE.search(await next_message(lead))
        assert code is not None
        priya = Practitioner(await emulator.user("Priya"))
        await priya.send(f"/start {code[1]}")
        await priya.press("Yes")  # immediate danger: refer now, an urgent outcome
        kim = Practitioner(await emulator.user("Kim"))
        await kim.send(f"/start {code[1]}")
        await kim.press("No")  # carries on: an unfinished decision
        pseudonyms = load_pseudonyms(runs.directory / "pseudonym.key")
        store = await runs.open_store()
        try:
            at = datetime.now(UTC) - timedelta(hours=1)
            await store.join_organisation(SOUTH_PRACTITIONER, "south", at)
            await store.record(
                transcript_write("south-1", "refer_now", at=at, practitioner=SOUTH_PRACTITIONER)
            )
            page = await store.list_transcripts(Filters(), offset=0, limit=10)
        finally:
            await store.close()
        ids = {item.practitioner: item.id for item in page.items}
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
            try:
                yield Scene(
                    runs,
                    lead,
                    browser,
                    pseudonyms.of(priya.actor.user_id),
                    pseudonyms.of(kim.actor.user_id),
                    ids[pseudonyms.of(priya.actor.user_id)],
                    ids[pseudonyms.of(kim.actor.user_id)],
                    ids[SOUTH_PRACTITIONER],
                )
            finally:
                await browser.close()
        assert failed(await emulator.calls()) == []
    finally:
        await runs.close()


async def fresh(scene: Scene) -> tuple[BrowserContext, Page, list[str]]:
    """A new browser profile (no cookies) with one tab; the dialogs any page opens."""
    context = await scene.browser.new_context(accept_downloads=True)
    page = await context.new_page()
    page.set_default_timeout(PAGE_WITHIN_MS)
    dialogs: list[str] = []

    async def dismissed(dialog: object) -> None:
        dialogs.append(str(getattr(dialog, "message", "")))
        await dialog.dismiss()  # type: ignore[attr-defined]

    page.on("dialog", dismissed)
    return context, page, dialogs


async def shot(page: Page, folder: Path, name: str) -> None:
    """A screenshot of the whole page, saved, and not all one colour."""
    png = await page.screenshot(path=folder / f"{name}.png", full_page=True)
    pixels = matplotlib.image.imread(io.BytesIO(png), format="png")
    assert pixels.shape[0] > 50 and pixels.shape[1] > 50, pixels.shape
    assert (pixels != pixels[0, 0]).any(), f"the {name} page is blank"


def assert_in_no_log(scene: Scene, *tokens: str) -> None:
    """Sign-in tokens (used, refused or never made) and their digests are in no process's log."""
    for process in scene.runs.processes:
        text = process.log_text()
        for token in tokens:
            assert token not in text and digest(token) not in text


async def heading(page: Page) -> str:
    return (await page.locator("h1").inner_text()).strip()


async def rows(page: Page) -> list[int]:
    found = page.locator("#transcripts tr[data-id]")
    return [
        int(await found.nth(i).get_attribute("data-id") or 0) for i in range(await found.count())
    ]


async def submit(page: Page, selector: str) -> int:
    """Press a form's button; the status of the page it leads to."""
    async with page.expect_navigation() as navigation:
        await page.locator(selector).click()
    response = await navigation.value
    assert response is not None
    return response.status


async def test_a_lead_uses_the_desk_from_sign_in_to_sign_out(scene: Scene, tmp_path: Path) -> None:
    link = await sign_in_link(scene.lead)
    assert link.startswith(scene.runs.desk_url + "/signin/")
    context, page, dialogs = await fresh(scene)
    try:
        # opened from another site's page, as from Telegram Web: the sign-in page, then its
        # button (a same-site POST, so the Strict session cookie goes with the redirect)
        await page.set_content(f'<a id="telegram" href="{link}">your link</a>')
        async with page.expect_navigation() as opened:
            await page.locator("#telegram").click()
        response = await opened.value
        assert response is not None and response.status == 200
        assert await heading(page) == words.DESK_SIGN_IN_HEADING
        await shot(page, tmp_path, "signin")
        assert await submit(page, "#signin button") == 200
        assert page.url == scene.runs.desk_url + "/"
        assert await heading(page) == "Overview"
        await shot(page, tmp_path, "overview")

        # the list: north's two only, then filtered, then searched
        await page.locator("nav a[href='/transcripts']").click()
        await page.wait_for_url("**/transcripts")
        assert sorted(await rows(page)) == sorted([scene.urgent_id, scene.unfinished_id])
        await page.select_option("#filters select[name=outcome]", "refer_now")
        assert await submit(page, "#filters button[type=submit]") == 200
        assert await rows(page) == [scene.urgent_id]
        await shot(page, tmp_path, "filtered")
        await page.goto(scene.runs.desk_url + "/transcripts")
        await page.fill("#filters input[name=q]", scene.kim)
        assert await submit(page, "#filters button[type=submit]") == 200
        assert await rows(page) == [scene.unfinished_id]

        # a transcript: tagged, and a note with HTML in it shown as text
        await page.goto(scene.runs.desk_url + "/transcripts")
        await page.locator(f"#transcripts a[href='/transcripts/{scene.urgent_id}']").click()
        await page.wait_for_url(f"**/transcripts/{scene.urgent_id}")
        assert await heading(page) == f"Transcript {scene.urgent_id}"
        assert scene.priya in await page.locator("#about").inner_text()
        assert await submit(page, "#tags button[value=follow_up]") == 200
        assert TAGS["follow_up"] in await page.locator("#tagged").inner_text()
        await page.fill("#note textarea[name=text]", NOTE)
        assert await submit(page, "#note button[type=submit]") == 200
        notes = page.locator("#notes")
        assert "<script>alert(1)</script>" in await notes.inner_text()
        assert await notes.locator("script").count() == 0
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in await page.content()
        await shot(page, tmp_path, "transcript")

        # each export, downloaded: north's transcripts, never south's
        await page.goto(scene.runs.desk_url + "/exports")
        await shot(page, tmp_path, "exports")
        downloaded: dict[str, str] = {}
        for name in ("transcripts.csv", "transcripts.jsonl", "report.html"):
            async with page.expect_download() as started:
                await page.locator(f"#exports a[href^='/exports/{name}']").click()
            download = await started.value
            assert download.suggested_filename == name
            path = await download.path()
            downloaded[name] = Path(path).read_text(encoding="utf-8")
        for text in downloaded.values():
            assert scene.priya in text and SOUTH_PRACTITIONER not in text
        table = list(csv.DictReader(io.StringIO(downloaded["transcripts.csv"])))
        assert len(table) == 2
        lines = [json.loads(line) for line in downloaded["transcripts.jsonl"].splitlines()]
        assert {line["id"] for line in lines} == {scene.urgent_id, scene.unfinished_id}
        assert "<html" in downloaded["report.html"].lower()

        # the same link again, in another browser: the page shows, its button is refused,
        # naming nobody
        other, again, _ = await fresh(scene)
        try:
            response = await again.goto(link)
            assert response is not None and response.status == 200
            assert await heading(again) == words.DESK_SIGN_IN_HEADING
            assert await submit(again, "#signin button") == 403
            assert await heading(again) == words.DESK_LINK_HEADING
            assert await again.locator("#message").inner_text() == words.DESK_LINK_REFUSED["used"]
            assert scene.priya not in await again.content()
            await shot(again, tmp_path, "used-link")
        finally:
            await other.close()

        # signing out ends it: the pages now send them to the signed-out page
        await page.goto(scene.runs.desk_url + "/")
        assert await submit(page, "#signout button") == 200
        assert page.url == scene.runs.desk_url + "/signed-out"
        assert await heading(page) == words.DESK_SIGNED_OUT_HEADING
        await shot(page, tmp_path, "signed-out")
        await page.goto(scene.runs.desk_url + "/transcripts")
        assert page.url == scene.runs.desk_url + "/signed-out"
        assert dialogs == [], "no script ran"
    finally:
        await context.close()
    store = await scene.runs.open_store()
    try:
        log = await store.accesses()
    finally:
        await store.close()
    mine = [a for a in log if a.who == f"desk:{scene.lead.actor.user_id}"]
    assert {a.action.split()[0] for a in mine} >= {"signin", "list"}
    assert_in_no_log(scene, link.rsplit("/", 1)[1])


async def test_what_must_not_work_does_not(scene: Scene, tmp_path: Path) -> None:
    store = await scene.runs.open_store()
    expired, forged = new_token(), new_token()
    try:
        made = datetime.now(UTC) - timedelta(minutes=20)
        await store.desk_link(
            digest(expired), scene.lead.actor.user_id, made, made + timedelta(minutes=10)
        )
    finally:
        await store.close()
    context, page, dialogs = await fresh(scene)
    try:
        for token, why in ((expired, "expired"), (forged, "unknown")):
            response = await page.goto(f"{scene.runs.desk_url}/signin/{token}")
            assert response is not None and response.status == 200
            assert await submit(page, "#signin button") == 403
            assert await heading(page) == words.DESK_LINK_HEADING
            assert await page.locator("#message").inner_text() == words.DESK_LINK_REFUSED[why]
            await shot(page, tmp_path, f"{why}-link")
        response = await page.goto(scene.runs.desk_url + "/transcripts")
        assert page.url == scene.runs.desk_url + "/signed-out", "a refused link signs nobody in"

        # a link opened but not pressed (a scanner, a preview) still works for the lead
        link = await sign_in_link(scene.lead)
        scanner, scanned, _ = await fresh(scene)
        try:
            response = await scanned.goto(link)
            assert response is not None and response.status == 200
        finally:
            await scanner.close()
        await page.goto(link)
        assert await submit(page, "#signin button") == 200
        assert await heading(page) == "Overview"

        # another organisation's transcript is not there, as one that does not exist
        response = await page.goto(f"{scene.runs.desk_url}/transcripts/{scene.south_id}")
        assert response is not None and response.status == 404
        assert await heading(page) == words.DESK_NOT_FOUND_HEADING
        assert SOUTH_PRACTITIONER not in await page.content()
        await shot(page, tmp_path, "not-theirs")
        missing = await page.goto(f"{scene.runs.desk_url}/transcripts/99999")
        assert missing is not None and missing.status == 404
        assert await heading(page) == words.DESK_NOT_FOUND_HEADING

        # a form sent without its CSRF token is refused, and changes nothing
        await page.goto(f"{scene.runs.desk_url}/transcripts/{scene.unfinished_id}")
        before = await page.locator("#tagged").inner_text()
        await page.locator("#tags input[name=_xsrf]").evaluate("field => field.remove()")
        assert await submit(page, "#tags button[value=reviewed]") == 403
        assert await heading(page) == words.DESK_FORBIDDEN_HEADING
        await shot(page, tmp_path, "forbidden")
        await page.goto(f"{scene.runs.desk_url}/transcripts/{scene.unfinished_id}")
        assert await page.locator("#tagged").inner_text() == before
        assert dialogs == []
    finally:
        await context.close()
    store = await scene.runs.open_store()
    try:
        log = await store.accesses()
    finally:
        await store.close()
    assert_in_no_log(scene, expired, forged)
    refused = [a for a in log if a.channel == "desk" and not a.allowed]
    assert len([a for a in refused if a.who == "desk:?"]) >= 2  # the two links
    assert any(str(scene.south_id) in f"{a.action} {a.detail}" for a in refused)
