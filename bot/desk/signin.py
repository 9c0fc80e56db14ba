"""Signing in with a one-time link from /desk in Telegram, and signing out.

Two steps: opening the link (GET) only shows a page with a "Sign in" button and uses nothing,
so a link scanner or chat preview that fetches it leaves it working; the button POSTs the form
(with its CSRF token, so from the desk's own page) and that uses the link and starts the
session. Since that POST and its redirect are same-site, the SameSite=Strict session cookie is
sent on the next page even when the link was opened from another site (Telegram Web).

The link's token is single use, short-lived and bound to one lead (the store checks all three
in one statement). A refused link says why in words and never whose link it was.
"""

from __future__ import annotations

import logging
import re
from typing import Final

from bot import words
from bot.desk.base import COOKIE_FLAGS, SESSION_COOKIE, DeskHandler
from bot.desk.links import digest, new_token
from bot.transcripts.model import Access

log = logging.getLogger(__name__)
TOKEN: Final = re.compile(r"[A-Za-z0-9_-]{20,100}")
"""What `secrets.token_urlsafe(32)` looks like, with room; anything else is not looked up."""


class SignIn(DeskHandler):
    public = True

    async def get(self, token: str) -> None:
        """The sign-in page: nothing is looked up or used (a malformed token is refused)."""
        if not TOKEN.fullmatch(token):
            await self.refuse("unknown")
            return
        self.render("signin.html", token=token)

    async def post(self, token: str) -> None:
        """The page's form (its `_xsrf` checked by tornado first): use the link, sign in."""
        services = self.services
        now = services.clock()
        state, lead = "unknown", None
        if TOKEN.fullmatch(token):
            state, lead = await services.store.use_desk_link(digest(token), now)
        if state != "ok" or lead is None or not services.config.is_lead(lead):
            await self.refuse(state if state != "ok" else "unknown")
            return
        session = new_token()
        await services.store.desk_session(digest(session), lead, now)
        self.set_signed_cookie(SESSION_COOKIE, session, expires_days=None, **COOKIE_FLAGS)
        await services.store.log_access(Access(now, f"desk:{lead}", "desk", "signin"))
        self.redirect("/", status=303)

    async def refuse(self, why: str) -> None:
        log.warning("a desk sign-in link was refused (%s)", why)
        await self.audit("signin", why, allowed=False)
        self.page(403, words.DESK_LINK_HEADING, words.DESK_LINK_REFUSED[why])


class SignedOutPage(DeskHandler):
    public = True

    def get(self) -> None:
        self.render(
            "error.html", heading=words.DESK_SIGNED_OUT_HEADING, sentence=words.DESK_SIGNED_OUT
        )


class SignOut(DeskHandler):
    public = True  # signing out works even for a session that already ended

    async def post(self) -> None:
        session = self.session_digest()
        if session is not None:
            await self.services.store.end_desk_session(session, self.services.clock())
        self.clear_cookie(SESSION_COOKIE, path="/")
        self.redirect("/signed-out", status=303)
