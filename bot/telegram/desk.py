"""/desk: a lead's single-use sign-in link to the web desk (`bot.desk`); and the desk served
beside the bot, in its event loop, when `desk.enabled`.

The desk has no passwords: being a configured lead in Telegram is what lets a lead in. The link
carries a random token that works once, within `desk.link_minutes`, and only for the lead who
asked; the database keeps only its digest (`bot.desk.links`). It is sent without a link preview:
a preview would be Telegram's servers opening it, and so using it up.
"""

from __future__ import annotations

import errno
import logging
from dataclasses import dataclass
from datetime import timedelta

import tornado.httpserver
from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode

from bot import render, words
from bot.config import Config
from bot.desk.app import listen
from bot.desk.links import digest, new_token
from bot.desk.services import DeskServices
from bot.errors import ConfigError
from bot.telegram.leads import Acting, LeadDesk, lead_only
from bot.telegram.messaging import Context, chat_id_of
from bot.telegram.services import Services

log = logging.getLogger(__name__)


@lead_only("desk link")
async def on_desk(desk: LeadDesk, update: Update, context: Context, lead: Acting) -> None:
    """/desk: a sign-in link to the web desk, bound to this lead. Sent whether or not this
    process serves the desk (`infoshare-bot desk` may run elsewhere on the same database)."""
    services = desk.services
    settings = services.config.desk
    user = update.effective_user
    assert user is not None  # `lead_only` let a lead through
    token = new_token()
    now = services.now()
    await services.store.desk_link(
        digest(token), user.id, now, now + timedelta(minutes=settings.link_minutes)
    )
    await desk.audit(lead.who, "desk link", f"valid {settings.link_minutes} minutes")
    text = words.DESK_LINK.format(
        link=f"{settings.base_url}/signin/{token}", minutes=settings.link_minutes
    )
    (html,) = render.telegram_html([render.Para(text)])
    await context.bot.send_message(
        chat_id_of(update),
        html,
        parse_mode=ParseMode.HTML,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )


@dataclass
class DeskBeside:
    """The web desk served by `infoshare-bot run` itself (`desk.enabled`), on the bot's store and
    clock, until the bot stops."""

    server: tornado.httpserver.HTTPServer
    services: DeskServices

    @staticmethod
    def start(services: Services) -> DeskBeside:
        """Listen on `desk.listen:desk.port` in the running event loop; a port that cannot be
        had stops the start with a `ConfigError` naming it."""
        desk = DeskServices(
            services.config, services.home, services.store, services.pseudonyms, services.now
        )
        settings = services.config.desk
        try:
            server = listen(desk)
        except OSError as exc:
            if exc.errno not in (errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES):
                raise
            raise ConfigError(
                f"desk: cannot listen on {settings.listen}:{settings.port} ({exc.strerror}): "
                "set desk.listen and desk.port, or desk.enabled: false"
            ) from None
        return DeskBeside(server, desk)

    def follow(self, config: Config) -> None:
        """A reloaded config (SIGHUP): a lead taken out loses the desk at their next page."""
        self.services.config = config

    async def stop(self) -> None:
        self.server.stop()
        await self.server.close_all_connections()
        log.info("the desk stopped")
