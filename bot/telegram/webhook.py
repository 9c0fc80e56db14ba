"""The webhook server for replicas: Telegram's updates in, a health check out.

Not python-telegram-bot's built-in webhook server, for two reasons. It answers Telegram before
the update is handled, so an update in flight when a replica dies is lost; here Telegram hears
200 only once the update is handled (its move committed and replied to), so if this replica
dies first Telegram delivers it again, to whichever replica the load balancer picks, and the
redelivery is recognised (`bot.telegram.delivery.AlreadyApplied`). And it has no health check.

    POST /<url_path>   an update; 403 without the secret token, 400 if it is not an update,
                       503 while stopping (Telegram then delivers it again, elsewhere)
    GET  /healthz      200 {"status": "ok", ...} when the database answers and the dialogues are
                       loaded; 503 {"status": "unavailable" | "stopping", ...} otherwise

Stopping (SIGTERM or SIGINT): /healthz says "stopping" at once, new updates are refused with
503, the updates being handled are finished (up to `GRACE_SECONDS`), then the bot stops.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
from dataclasses import dataclass
from typing import Any

from telegram import Update
from tornado.httpserver import HTTPServer
from tornado.web import Application as TornadoApplication
from tornado.web import RequestHandler

from bot.errors import ConfigError, StorageUnavailable
from bot.telegram.application import InfoshareApplication

log = logging.getLogger(__name__)

GRACE_SECONDS = 25.0
"""How long a stopping replica finishes the updates it holds (under the usual 30 s SIGKILL)."""
MAX_CONNECTIONS = 40
"""Telegram's default: how many updates it sends at once, across all replicas."""
MAX_BODY = 1024 * 1024
"""An update is a few kilobytes; anything this large is not from Telegram."""
BODY_TIMEOUT = 10.0
"""Seconds to receive a request body: Telegram sends a few kilobytes at once."""
IDLE_TIMEOUT = 75.0
"""Seconds an idle kept-alive connection stays open (tornado's default is an hour)."""
HEALTH_TIMEOUT = 3.0
"""A health check must answer before the load balancer gives up on it."""


@dataclass
class Webhook:
    """One replica's HTTP face; `stop` drains it."""

    app: InfoshareApplication
    secret: str
    url_path: str
    stopping: bool = False
    in_flight: int = 0
    _idle: asyncio.Event | None = None

    def tornado(self) -> TornadoApplication:
        return TornadoApplication(
            [
                (f"/{self.url_path.strip('/')}", _UpdateHandler, {"hook": self}),
                ("/healthz", _HealthHandler, {"hook": self}),
            ],
            log_function=lambda handler: None,  # an access log would show the hook's path
        )

    async def handle(self, update: Update) -> None:
        """Handle one update as its chat's next step (the per-chat order holds here too)."""
        self.in_flight += 1
        try:
            processor = self.app.update_processor
            await processor.process_update(update, self.app.process_update(update))
        finally:
            self.in_flight -= 1
            if self.in_flight == 0 and self._idle is not None:
                self._idle.set()

    async def health(self) -> tuple[int, dict[str, Any]]:
        dialogues = sorted(self.app.services.library.dialogues)
        body: dict[str, Any] = {"dialogues": dialogues, "in_flight": self.in_flight}
        if self.stopping:
            return 503, {"status": "stopping", **body}
        try:
            await asyncio.wait_for(self.app.services.store.ping(), HEALTH_TIMEOUT)
        except (StorageUnavailable, TimeoutError):
            return 503, {"status": "unavailable", "database": "unreachable", **body}
        if not dialogues:
            return 503, {"status": "unavailable", "database": "ok", **body}
        return 200, {"status": "ok", "database": "ok", **body}

    async def drain(self, grace: float = GRACE_SECONDS) -> bool:
        """Refuse new updates and wait for those being handled; False if time ran out."""
        self.stopping = True
        if self.in_flight == 0:
            return True
        self._idle = asyncio.Event()
        try:
            await asyncio.wait_for(self._idle.wait(), grace)
        except TimeoutError:
            log.warning("stopped with %d update(s) unfinished", self.in_flight)
            return False
        return True


class _UpdateHandler(RequestHandler):
    def initialize(self, hook: Webhook) -> None:
        self.hook = hook

    def prepare(self) -> None:
        """The secret is checked first (for any method): without it, nothing of the body is used."""
        given = self.request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given.encode(), self.hook.secret.encode()):
            log.warning("webhook: refused a request without the right secret token")
            self.send_error(403)

    async def post(self) -> None:
        hook = self.hook
        if hook.stopping:
            self.send_error(503)
            return
        try:
            data = json.loads(self.request.body)
            update = Update.de_json(data, hook.app.bot)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            log.warning("webhook: a request that is not an update (%s)", type(exc).__name__)
            self.send_error(400)
            return
        await hook.handle(update)
        self.set_status(200)
        self.finish()


class _HealthHandler(RequestHandler):
    def initialize(self, hook: Webhook) -> None:
        self.hook = hook

    async def get(self) -> None:
        status, body = await self.hook.health()
        self.set_status(status)
        self.set_header("Cache-Control", "no-store")
        self.finish(body)


async def serve(
    app: InfoshareApplication,
    *,
    listen: str,
    port: int,
    url_path: str,
    public_url: str,
    secret: str,
) -> None:
    """Run one replica until SIGTERM or SIGINT, then drain and stop."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await app.initialize()
    server: HTTPServer | None = None
    try:
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()
        hook = Webhook(app, secret, url_path)
        server = HTTPServer(
            hook.tornado(),
            max_body_size=MAX_BODY,
            body_timeout=BODY_TIMEOUT,
            idle_connection_timeout=IDLE_TIMEOUT,
        )
        try:
            server.listen(port, address=listen)  # before Telegram is told: it finds us listening
        except OSError as exc:
            raise ConfigError(
                f"telegram.webhook.listen/port: cannot listen on {listen}:{port} "
                f"({exc.strerror or exc}); is another replica using that port?"
            ) from None
        await app.bot.set_webhook(
            public_url,
            secret_token=secret,
            allowed_updates=Update.ALL_TYPES,
            max_connections=MAX_CONNECTIONS,
        )
        log.info("webhook: listening on %s:%d (health check at /healthz)", listen, port)
        await stop.wait()
        log.info("stopping: finishing %d update(s) in hand", hook.in_flight)
        await hook.drain()
    finally:
        if server is not None:
            server.stop()
            await server.close_all_connections()
        if app.running:
            await app.stop()
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
        log.info("stopped")
