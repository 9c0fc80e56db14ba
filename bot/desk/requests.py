"""/requests/N/handled: a lead marks a request to get in touch handled (a form on the overview).

The desk shows a request's pseudonym, outcome and time, never who asked: only a lead opening it
in Telegram sees that. A request of another organisation is answered exactly as one that is not
there (404), and the attempt is logged as refused, by the store in the same transaction.
"""

from __future__ import annotations

import logging
import re
from typing import Final

import tornado.web

from bot import words
from bot.desk.base import DeskHandler
from bot.transcripts.model import MAX_ID

log = logging.getLogger(__name__)
BACK: Final = re.compile(r"^/(?![/\\])[A-Za-z0-9/_.?=&%-]*$")
"""Where a form may send the lead back to: a page of the desk, never another site."""


class RequestHandled(DeskHandler):
    async def post(self, text: str) -> None:
        number = int(text)
        if not 1 <= number <= MAX_ID:
            raise tornado.web.HTTPError(404)
        services = self.services
        lead = self.lead
        state = await services.store.handle_request(number, lead.who, services.clock(), lead.scope)
        if state == "gone":
            log.info("a lead marked a request handled that is not theirs or not there")
            raise tornado.web.HTTPError(404)
        if state == "withdrawn":
            self.page(409, words.DESK_REQUEST_WITHDRAWN_HEADING, words.DESK_REQUEST_WITHDRAWN)
            return
        back = self.arg("next")
        self.redirect(back if BACK.match(back) else "/", status=303)
