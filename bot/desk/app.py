"""The web desk's tornado Application, and `serve` for `infoshare-bot desk` (and `run`).

Tornado is already a dependency (python-telegram-bot's webhook server): its web framework and
its autoescaping templates serve the desk, with no new dependency. Every page is server-drawn
HTML that works without JavaScript.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Mapping
from pathlib import Path

import tornado.httpserver
import tornado.web

from bot.config import Config, reload
from bot.desk.base import NotFound, Static
from bot.desk.exports import Download, ExportsPage
from bot.desk.listing import TranscriptList
from bot.desk.overview import Overview
from bot.desk.people import AccessLog, Practitioners
from bot.desk.requests import RequestHandled
from bot.desk.services import DeskServices
from bot.desk.signin import SignedOutPage, SignIn, SignOut
from bot.desk.transcript import Notes, Tags, TranscriptPage
from bot.errors import ConfigError
from bot.storage import ChatKeys, open_store
from bot.transcripts.pseudonym import load_pseudonyms
from states import Library

log = logging.getLogger(__name__)
access_log = logging.getLogger("bot.desk.requests")
HERE = Path(__file__).parent
MAX_BODY = 64 * 1024
"""Bytes a form may send (a note is 1,000 characters): more is refused before it is read."""


def log_request(handler: tornado.web.RequestHandler) -> None:
    """One line a request, like tornado's own but without what must not reach a log: a sign-in
    link's token, and query strings (search words, practitioner codes)."""
    status = handler.get_status()
    path = handler.request.path
    if path.startswith("/signin/"):
        path = "/signin/(a link)"
    level = logging.INFO if status < 400 else logging.WARNING if status < 500 else logging.ERROR
    took = 1000.0 * handler.request.request_time()
    access_log.log(level, "%d %s %s %.1f ms", status, handler.request.method, path[:80], took)


def make_app(services: DeskServices) -> tornado.web.Application:
    routes = [
        (r"/", Overview),
        (r"/signin/([^/]*)", SignIn),
        (r"/signed-out", SignedOutPage),
        (r"/signout", SignOut),
        (r"/transcripts", TranscriptList),
        (r"/transcripts/([0-9]{1,10})", TranscriptPage),
        (r"/transcripts/([0-9]{1,10})/tags", Tags),
        (r"/transcripts/([0-9]{1,10})/notes", Notes),
        (r"/practitioners", Practitioners),
        (r"/access", AccessLog),
        (r"/exports", ExportsPage),
        (r"/exports/([a-z.]{1,30})", Download),
        (r"/requests/([0-9]{1,10})/handled", RequestHandled),
        (r"/static/(desk\.css)", Static, {"path": str(HERE / "static")}),
    ]
    return tornado.web.Application(
        routes,  # type: ignore[arg-type]
        services=services,
        template_path=str(HERE / "templates"),
        autoescape="xhtml_escape",
        cookie_secret=services.cookie_secret(),
        xsrf_cookies=True,
        xsrf_cookie_kwargs={"httponly": True, "secure": True, "samesite": "Strict", "path": "/"},
        default_handler_class=NotFound,
        log_function=log_request,
        compiled_template_cache=True,
        static_hash_cache=True,
    )


def listen(services: DeskServices) -> tornado.httpserver.HTTPServer:
    """Serve the desk on `desk.listen:desk.port` in the running event loop."""
    desk = services.config.desk
    server = tornado.httpserver.HTTPServer(
        make_app(services), xheaders=True, max_body_size=MAX_BODY
    )
    server.listen(desk.port, desk.listen)
    log.info("the desk listens on %s:%d", desk.listen, desk.port)
    return server


async def serve(
    config: Config,
    library: Library,
    nations: Mapping[str, Library] | None = None,
    *,
    config_path: Path | None = None,
) -> None:
    """`infoshare-bot desk`: open the store as the bot does and serve until SIGINT/SIGTERM.

    `nations` is accepted for the same call as the bot's; transcripts are shown in the
    deployment's content (a transcript names its dialogue, not its nation). With
    `config_path`, SIGHUP reads the config again (`reload_config`), as it does for the bot.
    """
    del nations
    pseudonyms = load_pseudonyms(config.key_file())
    store = await open_store(config.storage.url, ChatKeys(pseudonyms.secret))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sign in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sign, stop.set)
    services = DeskServices(config, library, store, pseudonyms)
    if config_path is not None:
        loop.add_signal_handler(signal.SIGHUP, reload_config, services, config_path)
    server = listen(services)
    try:
        await stop.wait()
    finally:
        server.stop()
        await server.close_all_connections()
        await store.close()
        log.info("the desk stopped")


def reload_config(services: DeskServices, path: Path) -> bool:
    """Re-read the config file: a lead taken out loses the desk at their next request.

    A file that no longer validates is logged and the running config kept; where the desk
    listens, the storage and the content need a restart (they are kept as they were).
    """
    try:
        services.config = reload(
            services.config, path, services.outcomes, services.config.other_nations
        )
    except ConfigError as exc:
        log.error("config not reloaded, keeping the running one: %s", exc)
        return False
    fresh = services.config
    log.info("config reloaded: %d lead(s)", len(fresh.lead_ids))
    return True
