"""What every page of the desk shares: security headers, the session, the access log, and error
pages that say what happened in words and never show a traceback."""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Final, cast

import tornado.web

from bot import words
from bot.desk.links import digest
from bot.desk.services import DeskServices
from bot.errors import StorageError, UsageError
from bot.transcripts.model import Access, Filters
from bot.transcripts.stats import Stats, compute_stats

log = logging.getLogger(__name__)

SESSION_COOKIE: Final = "desk_session"
SESSION_DAYS: Final = 1
"""A session cookie's signature is good this long at most, however busy the session stays
(the store ends idle sessions much sooner)."""
COOKIE_FLAGS: Final[dict[str, Any]] = {
    "httponly": True,
    "secure": True,
    "samesite": "Strict",
    "path": "/",
}
HEADERS: Final = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
LONGEST_VALUE: Final = 200
"""Characters a query value may have (a period, a pseudonym, a search): longer is refused."""


@dataclass(frozen=True, slots=True)
class Lead:
    """The lead behind a request: how the access log names them, and what they may see."""

    id: int
    scope: frozenset[str] | None

    @property
    def who(self) -> str:
        return f"desk:{self.id}"

    def sees(self, organisation: str | None) -> bool:
        return self.scope is None or organisation in self.scope

    def within(self, filters: Filters) -> Filters:
        return filters.within(self.scope)


def secure_headers(handler: tornado.web.RequestHandler) -> None:
    for name, value in HEADERS.items():
        handler.set_header(name, value)


class DeskHandler(tornado.web.RequestHandler):
    """A page of the desk. `lead` is set before any method runs (else 303 to /signed-out)."""

    public: bool = False
    """Pages anyone may open (sign-in, signed out)."""
    lead: Lead

    @property
    def services(self) -> DeskServices:
        return cast(DeskServices, self.settings["services"])

    def set_default_headers(self) -> None:
        secure_headers(self)

    async def prepare(self) -> None:
        for values in self.request.query_arguments.values():
            if any(len(v) > LONGEST_VALUE * 4 for v in values):
                raise UsageError(words.DESK_TOO_LONG)
        if self.public:
            return
        lead = await self.session_lead()
        if lead is None:
            self.redirect("/signed-out", status=303)
            return
        self.lead = lead

    async def session_lead(self) -> Lead | None:
        """The signed-in lead, if their session stands and they are still a lead in config."""
        services = self.services
        session = self.session_digest()
        if session is None:
            return None
        idle = timedelta(minutes=services.config.desk.idle_minutes)
        now = services.clock()
        lead: int | None = await services.store.desk_session_lead(session, now, idle)
        if lead is None:
            self.clear_cookie(SESSION_COOKIE, path="/")
            return None
        if not services.config.is_lead(lead):
            log.info("a desk session of a lead no longer in config was ended")
            await services.store.end_desk_session(session, now)
            self.clear_cookie(SESSION_COOKIE, path="/")
            return None
        return Lead(lead, services.config.scope(lead))

    def session_digest(self) -> str | None:
        """The stored name of this browser's session (None: no cookie signed by this desk)."""
        value = self.get_signed_cookie(SESSION_COOKIE, max_age_days=SESSION_DAYS)
        return digest(value.decode("ascii", "replace")) if value else None

    async def audit(self, action: str, detail: str = "", *, allowed: bool = True) -> None:
        who = self.lead.who if hasattr(self, "lead") else "desk:?"
        access = Access(self.services.clock(), who, "desk", action, detail, allowed)
        await self.services.store.log_access(access)

    async def stats(self, filters: Filters) -> Stats:
        """The statistics of `filters`, abandoned decisions counted as the config says."""
        services = self.services
        config = services.config
        inputs = await services.store.stats_inputs(
            filters, abandoned_before=config.abandoned_before(services.clock())
        )
        return compute_stats(inputs, services.dialogue, config.zone, config.abandoned_after_hours)

    def arg(self, name: str) -> str:
        """A query or form value, stripped; "" if absent; refused if huge."""
        value = self.get_argument(name, "").strip()
        if len(value) > LONGEST_VALUE:
            raise UsageError(words.DESK_TOO_LONG)
        return value

    def get_template_namespace(self) -> dict[str, Any]:
        space = super().get_template_namespace()
        space.update(words=words, lead=getattr(self, "lead", None), title=words.DESK_TITLE)
        return space

    # ---- errors ------------------------------------------------------------------------------

    def page(self, status: int, heading: str, sentence: str) -> None:
        self.set_status(status)
        self.render("error.html", heading=heading, sentence=sentence)

    def log_exception(
        self,
        typ: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """The error's type and where (file:line), never its message or the request's data."""
        if isinstance(value, tornado.web.HTTPError | UsageError):
            return
        if isinstance(value, StorageError):
            log.warning(
                "desk %s %s: %s", self.request.method, self.path_name(), typ.__name__ if typ else ""
            )
            return
        frames = " <- ".join(
            f"{Path(f.filename).name}:{f.lineno} in {f.name}"
            for f in reversed(traceback.extract_tb(tb))
        )
        name = typ.__name__ if typ else "an error"
        log.error(
            "desk %s %s failed with %s at %s", self.request.method, self.path_name(), name, frames
        )

    def path_name(self) -> str:
        """The route, without ids or tokens."""
        return self.request.path.split("/")[1][:20] or "/"

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        error = kwargs.get("exc_info", (None, None, None))[1]
        self.clear()  # headers again, no half-written page
        if isinstance(error, UsageError):
            self.page(400, words.DESK_BAD_REQUEST, str(error))
        elif isinstance(error, StorageError):
            self.page(503, words.DESK_UNAVAILABLE_HEADING, words.DESK_UNAVAILABLE)
        elif status_code == 404:
            self.page(404, words.DESK_NOT_FOUND_HEADING, words.DESK_NOT_FOUND)
        elif status_code == 403:
            self.page(403, words.DESK_FORBIDDEN_HEADING, words.DESK_FORBIDDEN)
        elif status_code < 500:
            self.page(status_code, words.DESK_BAD_REQUEST, words.DESK_BAD_VALUE)
        else:
            self.page(500, words.DESK_FAILED_HEADING, words.DESK_FAILED)


class NotFound(DeskHandler):
    """Any address the desk does not have."""

    public = True

    def prepare(self) -> None:  # type: ignore[override]
        raise tornado.web.HTTPError(404)


class Static(tornado.web.StaticFileHandler):
    """The stylesheet, with the same headers as every page."""

    def set_default_headers(self) -> None:
        secure_headers(self)
