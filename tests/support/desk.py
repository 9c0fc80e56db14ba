"""The web desk served for real on a free port, over a real SQLite (or PostgreSQL) store, and a
small browser without JavaScript: it keeps cookies as a browser would over HTTPS (the desk's are
Secure, so aiohttp's own jar would not send them over plain HTTP) and never follows redirects.
"""

from __future__ import annotations

import contextlib
import html
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import SimpleCookie
from typing import Any

import aiohttp
import pytest
import tornado.httpserver
import tornado.testing

from bot.config import Config, Lead, Organisation
from bot.desk.app import make_app
from bot.desk.links import digest, new_token
from bot.desk.services import DeskServices
from bot.storage import SqlStore, open_store
from bot.transcripts.model import EVERY
from states import Library
from tests.support.clock import NOW, FixedClock
from tests.support.offline import KEYS, PSEUDONYMS
from tests.support.storage import transcript_write

NORTH_LEAD, SOUTH_LEAD, PARTNERSHIP_LEAD = 101, 202, 303
NORTH_PRACTITIONER, SOUTH_PRACTITIONER = "p-aaaaaaaaaaaa", "p-bbbbbbbbbbbb"

XSRF = re.compile(r'name="_xsrf" value="([^"]+)"')


def desk_config(store_url: str) -> Config:
    """Two organisations with a lead each, and a partnership lead who sees both."""
    north = Organisation(id="north", name="North School", leads=(Lead(id=NORTH_LEAD),))
    south = Organisation(id="south", name="South Surgery", leads=(Lead(id=SOUTH_LEAD),))
    return Config(
        storage={"url": store_url},  # type: ignore[arg-type]
        organisations=(north, south),
        partnership_leads=(Lead(id=PARTNERSHIP_LEAD, name="Pat"),),
    )


@dataclass
class Answer:
    status: int
    text: str
    headers: Any
    cookies: list[str]
    """The raw Set-Cookie headers."""

    @property
    def plain(self) -> str:
        """The page with its escapes read back (what a person sees, less the tags)."""
        return html.unescape(self.text)

    @property
    def location(self) -> str | None:
        value: str | None = self.headers.get("Location")
        return value


@dataclass
class Browser:
    """One person's browser: their cookies, sent with every request to the desk."""

    site: DeskSite
    cookies: dict[str, str] = field(default_factory=dict)

    async def request(self, method: str, path: str, data: dict[str, str] | None = None) -> Answer:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        async with self.site.http.request(
            method, self.site.base + path, data=data, headers=headers, allow_redirects=False
        ) as response:
            text = await response.text()
            raw = response.headers.getall("Set-Cookie", [])
        for header in raw:
            for name, morsel in SimpleCookie(header).items():
                if not morsel.value or morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return Answer(response.status, text, response.headers, raw)

    async def get(self, path: str) -> Answer:
        return await self.request("GET", path)

    async def post(self, path: str, data: dict[str, str], *, xsrf: bool = True) -> Answer:
        """A form sent from the page the desk drew (with its CSRF token), or forged without."""
        if xsrf:
            page = await self.get("/")
            found = XSRF.search(page.text)
            assert found is not None, page.text
            data = {**data, "_xsrf": found[1]}
        return await self.request("POST", path, data)

    async def open_link(self, link: str, *, xsrf: bool = True) -> Answer:
        """What a lead does with a sign-in link: open it (GET: a page with a form, nothing
        used), then press "Sign in" (POST the form with the `_xsrf` it carries; or without)."""
        page = await self.get(link)
        if page.status != 200:
            return page  # refused straight away (a malformed token)
        assert f'<form id="signin" method="post" action="{link}">' in page.text, page.text
        found = XSRF.search(page.text)
        assert found is not None, page.text
        return await self.request("POST", link, {"_xsrf": found[1]} if xsrf else {})

    async def sign_in(self, lead: int) -> Answer:
        answer = await self.open_link(await self.site.link(lead))
        assert answer.status == 303 and answer.location == "/", answer.text
        return answer


@dataclass
class DeskSite:
    services: DeskServices
    clock: FixedClock
    base: str
    http: aiohttp.ClientSession

    @property
    def store(self) -> SqlStore:
        store = self.services.store
        assert isinstance(store, SqlStore)
        return store

    async def link(self, lead: int, *, minutes: int = 10) -> str:
        """A sign-in link as /desk makes it: stored by digest, for one lead."""
        token, now = new_token(), self.clock()
        await self.store.desk_link(digest(token), lead, now, now + timedelta(minutes=minutes))
        return f"/signin/{token}"

    def browser(self) -> Browser:
        return Browser(self)

    async def signed_in(self, lead: int) -> Browser:
        browser = self.browser()
        await browser.sign_in(lead)
        return browser


@contextlib.asynccontextmanager
async def served(store_url: str, library: Library) -> AsyncIterator[DeskSite]:
    """The desk on a free port over a store opened on `store_url`; closed afterwards."""
    store = await open_store(store_url, KEYS)
    clock = FixedClock()
    services = DeskServices(desk_config(store_url), library, store, PSEUDONYMS, clock)
    sock, port = tornado.testing.bind_unused_port()
    server = tornado.httpserver.HTTPServer(make_app(services))
    server.add_sockets([sock])
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
            yield DeskSite(services, clock, f"http://127.0.0.1:{port}", http)
    finally:
        server.stop()
        await server.close_all_connections()
        await store.close()


@pytest.fixture
async def desk(store_url: str, library: Library) -> AsyncIterator[DeskSite]:
    """The desk over a fresh store, once per backend."""
    async with served(store_url, library) as site:
        yield site


async def seed(store: SqlStore, north: int = 3, south: int = 2) -> dict[str, list[int]]:
    """`north` transcripts of North School's practitioner (the first refer_now, the rest
    share), `south` of South Surgery's (share); ids by organisation, in order."""
    await store.join_organisation(NORTH_PRACTITIONER, "north", NOW - timedelta(days=2))
    await store.join_organisation(SOUTH_PRACTITIONER, "south", NOW - timedelta(days=2))
    for n in range(north):
        outcome = "refer_now" if n == 0 else "share"
        at = NOW - timedelta(hours=north - n)
        answer = "yes" if n == 0 else "no"  # yes: a whole walk to refer_now, with a record
        await store.record(
            transcript_write(
                f"n{n}", outcome, at=at, practitioner=NORTH_PRACTITIONER, answer=answer
            )
        )
    for n in range(south):
        at = NOW - timedelta(minutes=30 + n)
        await store.record(
            transcript_write(f"s{n}", "share", at=at, practitioner=SOUTH_PRACTITIONER)
        )
    found: dict[str, list[int]] = {"north": [], "south": []}
    async for t in store.iter_transcripts(EVERY):
        assert t.organisation is not None
        found[t.organisation].append(t.id)
    return {organisation: sorted(numbers) for organisation, numbers in found.items()}
