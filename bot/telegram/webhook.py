"""The webhook server for replicas: Telegram's updates in, a health check out.

Not python-telegram-bot's built-in webhook server, for two reasons. It answers Telegram before
the update is handled, so an update in flight when a replica dies is lost; here Telegram hears
200 only once the update is handled (its move committed and replied to), so if this replica
dies first Telegram delivers it again, to whichever replica the load balancer picks, and the
redelivery is recognised (`bot.telegram.delivery.AlreadyApplied`). And it has no health check.

    POST /<url_path>   an update; 403 without the secret token (checked as soon as the headers
                       are in, before any of the body is read), 503 while stopping (Telegram
                       then delivers it again, elsewhere), 415 if not JSON, 413 if too large,
                       400 if it is not an update (unparseable, nested too deep, an integer
                       beyond 64 bits); each refusal is one log line, never a 500
    GET  /healthz      200 {"status": "ok", ...} when the database answers and the dialogues are
                       loaded; 503 {"status": "unavailable" | "stopping", ...} otherwise

The port is public, so it holds up against clients that are not Telegram. Connections are
capped well under the open-file limit (`connection_cap`); at the cap the least recently active
connection not handling a request is closed to make room, so idle or slow clients cannot crowd
out /healthz and Telegram. Headers and bodies must arrive within seconds, the accept loop backs
off instead of spinning when file descriptors run out, and the server's loggers are rate
limited (`RateLimited`), so no flood of errors can flood the log.

Stopping (SIGTERM or SIGINT): /healthz says "stopping" at once, new updates are refused with
503, the updates being handled are finished (up to `GRACE_SECONDS`), then the bot stops.
"""

from __future__ import annotations

import asyncio
import errno
import hmac
import json
import logging
import re
import resource
import signal
import socket
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from telegram import Update
from tornado.http1connection import HTTP1Connection, HTTP1ServerConnection
from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop
from tornado.iostream import IOStream
from tornado.web import Application as TornadoApplication
from tornado.web import RequestHandler, stream_request_body

from bot.content.limits import fits_an_id
from bot.errors import ConfigError, StorageUnavailable
from bot.telegram.application import InfoshareApplication

log = logging.getLogger(__name__)

GRACE_SECONDS = 25.0
"""How long a stopping replica finishes the updates it holds (under the usual 30 s SIGKILL)."""
MAX_CONNECTIONS = 40
"""Telegram's default: how many updates it sends at once, across all replicas."""
MAX_BODY = 1024 * 1024
"""An update is a few kilobytes; anything this large is not from Telegram."""
MAX_HEADERS = 16 * 1024
"""Telegram's request headers are a few hundred bytes (tornado's default allows 64 KiB)."""
MAX_DEPTH = 64
"""JSON nesting allowed: an update nests about ten deep; json.loads recurses per level."""
BODY_TIMEOUT = 5.0
"""Seconds to receive a request body: Telegram sends a few kilobytes at once."""
IDLE_TIMEOUT = 5.0
"""Seconds a connection may wait for a request's headers (tornado uses one timeout for idle
kept-alive connections and for headers): Telegram sends promptly, a slow client is dropped."""
HEALTH_TIMEOUT = 3.0
"""A health check must answer before the load balancer gives up on it."""
RESERVED_FDS = 320
"""Open files kept for everything but inbound connections: the Bot API's connection pool
(python-telegram-bot's 256), the database pool, log files, the interpreter's own."""
CAP_RANGE = (16, 1024)
"""Bounds on the connection cap: Telegram uses at most `MAX_CONNECTIONS`, plus health checks."""
BACKLOG = 1024
"""Connections the kernel queues for accept (tornado's 128 overflows in a burst: the SYNs are
dropped and each client waits a second to retry, /healthz too)."""
ACCEPT_PAUSE = 0.1
"""Seconds the accept loop rests when the process is out of file descriptors."""
LOG_BURST = 5
LOG_PER_SECOND = 1.0
"""What `RateLimited` lets through of one message: a burst, then this many a second."""
LOUD_LOGGERS = ("tornado.access", "tornado.application", "tornado.general", "asyncio", __name__)
"""Loggers a client can make write, by connecting or sending junk: rate limited while serving."""


def connection_cap(soft_limit: int) -> tuple[int, str]:
    """How many inbound connections to hold at once under this open-file limit, and why."""
    if soft_limit == resource.RLIM_INFINITY or soft_limit < 0:
        return CAP_RANGE[1], "no open-file limit"
    low, high = CAP_RANGE
    cap = min(high, max(low, (soft_limit - RESERVED_FDS) // 2))
    why = (
        f"open-file limit {soft_limit}: half of what is left after {RESERVED_FDS} kept for the "
        f"Bot API, the database and logs, within {low}..{high}"
    )
    return cap, why


class RateLimited(logging.Filter):
    """At most `burst` records at once, then `per_second`, for each (logger, message) pair.

    What is dropped is counted and said on the next record let through, so a flood becomes a
    few lines a second that still say how big it was.
    """

    def __init__(
        self,
        burst: int = LOG_BURST,
        per_second: float = LOG_PER_SECOND,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.burst = burst
        self.per_second = per_second
        self._clock = clock
        self._buckets: dict[tuple[str, str], tuple[float, float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, str(record.msg))
        now = self._clock()
        tokens, then, dropped = self._buckets.get(key, (float(self.burst), now, 0))
        tokens = min(float(self.burst), tokens + (now - then) * self.per_second)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now, dropped + 1)
            return False
        if len(self._buckets) > 256:  # bounded: distinct messages are few, keys can't pile up
            self._buckets.clear()
        self._buckets[key] = (tokens - 1.0, now, 0)
        if dropped:
            record.msg = f"{record.msg} [{dropped} more like this dropped]"
        return True


class Gate:
    """Admits inbound connections up to `cap`; at the cap, makes room or refuses.

    A connection is busy while a request with the secret (or a health check) is handled on it.
    To admit a new one at the cap, the least recently active connection that is not busy is
    closed: a client holding connections open without sending gains nothing, while Telegram's
    and the load balancer's requests, quick and busy, keep theirs.
    """

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.open: OrderedDict[IOStream, bool] = OrderedDict()  # stream -> busy, oldest first
        self.evicted = 0
        self.refused = 0

    def admit(self, stream: IOStream) -> bool:
        if len(self.open) >= self.cap:
            idle = next((s for s, busy in self.open.items() if not busy), None)
            if idle is None:
                self.refused += 1
                log.warning("webhook: %d connections, all busy: refused one", len(self.open))
                return False
            del self.open[idle]
            idle.close()
            self.evicted += 1
            log.warning("webhook: at the cap of %d connections: closed the oldest idle", self.cap)
        self.open[stream] = False
        return True

    def busy(self, stream: IOStream, busy: bool) -> None:
        if stream in self.open:
            self.open[stream] = busy
            self.open.move_to_end(stream)

    def release(self, stream: IOStream) -> None:
        self.open.pop(stream, None)


class _Server(HTTPServer):
    """tornado's HTTPServer behind a `Gate`, with an accept loop that survives EMFILE."""

    gate: Gate

    def handle_stream(self, stream: IOStream, address: tuple[Any, ...]) -> None:
        if not self.gate.admit(stream):
            stream.close()
            return
        super().handle_stream(stream, address)

    def on_close(self, server_conn: object) -> None:
        self.gate.release(cast(HTTP1ServerConnection, server_conn).stream)
        super().on_close(server_conn)

    def add_sockets(self, sockets: Iterable[socket.socket]) -> None:
        """TCPServer.add_sockets with our accept loop: the same two registries it keeps
        (tornado is pinned in pyproject.toml for this), so its `stop` still closes them."""
        for sock in sockets:
            self._sockets[sock.fileno()] = sock
            self._handlers[sock.fileno()] = _accept_on(sock, self._handle_connection)


def _accept_on(
    sock: socket.socket, callback: Callable[[socket.socket, Any], None]
) -> Callable[[], None]:
    """tornado's `add_accept_handler`, except out of file descriptors: rest, then try again.

    tornado's lets EMFILE escape its handler; the listening socket stays readable, so the event
    loop calls it again at once, logging a traceback each time (a million lines in seconds).
    """
    io_loop = IOLoop.current()
    state: dict[str, Any] = {"removed": False, "resting": None}

    def resume() -> None:
        state["resting"] = None
        if not state["removed"]:
            io_loop.add_handler(sock, accept, IOLoop.READ)

    def accept(fd: Any, events: int) -> None:
        for _ in range(128):  # then let other work run, as tornado does
            if state["removed"]:
                return
            try:
                connection, address = sock.accept()
            except BlockingIOError:
                return
            except ConnectionAbortedError:
                continue
            except OSError as exc:
                if exc.errno not in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    raise
                log.warning("webhook: cannot accept (%s); resting", errno.errorcode[exc.errno])
                io_loop.remove_handler(sock)
                state["resting"] = io_loop.call_later(ACCEPT_PAUSE, resume)
                return
            callback(connection, address)

    def remove() -> None:
        state["removed"] = True
        if state["resting"] is not None:
            io_loop.remove_timeout(state["resting"])
        else:
            io_loop.remove_handler(sock)

    io_loop.add_handler(sock, accept, IOLoop.READ)
    return remove


class NotAnUpdate(ValueError):
    """The body cannot be an update; the message says why, in a few words (never the body)."""


_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
"""A JSON string; the closing quote optional, so a lone quote never makes the search backtrack."""
_BRACKETS = re.compile(rb"[^\[\]{}]+")


def _depth_within(body: bytes, limit: int) -> bool:
    """Whether JSON nests at most `limit` deep, found without parsing (so without recursion).

    Strings are cut out first (they may hold brackets), in one linear pass; what is left is
    counted bracket by bracket, stopping as soon as the limit is passed.
    """
    brackets = _BRACKETS.sub(b"", _STRING.sub(b'""', body))
    depth = 0
    for byte in brackets:
        depth += 1 if byte in b"[{" else -1
        if depth > limit:
            return False
    return True


def _int64(text: str) -> int:
    if len(text) > 20:  # before int(): a long run of digits is slow to convert
        raise NotAnUpdate("an integer beyond 64 bits")
    value = int(text)
    if not fits_an_id(value):
        raise NotAnUpdate("an integer beyond 64 bits")
    return value


def _no_constant(name: str) -> Any:
    raise NotAnUpdate(f"{name} is not JSON")


def parse_update(body: bytes) -> dict[str, Any]:
    """The update's JSON, or `NotAnUpdate`: UTF-8 (as Telegram sends it; `json.loads` would also
    take UTF-16, which the depth scan cannot read), depth checked before parsing, integers while.
    """
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise NotAnUpdate("not UTF-8") from None
    if not _depth_within(body, MAX_DEPTH):
        raise NotAnUpdate(f"JSON nested deeper than {MAX_DEPTH} levels")
    try:
        data = json.loads(body, parse_int=_int64, parse_constant=_no_constant)
    except NotAnUpdate:
        raise
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise NotAnUpdate(f"not JSON ({type(exc).__name__})") from None
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        raise NotAnUpdate("JSON without an update_id")
    return data


@dataclass
class Webhook:
    """One replica's HTTP face; `stop` drains it."""

    app: InfoshareApplication
    secret: str
    url_path: str
    gate: Gate = field(default_factory=lambda: Gate(CAP_RANGE[1]))
    stopping: bool = False
    in_flight: int = 0
    _idle: asyncio.Event | None = None
    _ping: asyncio.Task[bool] | None = None

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
        if not await self.database_answers():
            return 503, {"status": "unavailable", "database": "unreachable", **body}
        if not dialogues:
            return 503, {"status": "unavailable", "database": "ok", **body}
        return 200, {"status": "ok", "database": "ok", **body}

    async def database_answers(self) -> bool:
        """One ping at a time, shared: many health checks at once (a balancer, or anyone) cost
        the database one query, not one each, and never drain the pool updates need."""
        if self._ping is None or self._ping.done():
            self._ping = asyncio.get_running_loop().create_task(self._ping_once())
        return await asyncio.shield(self._ping)

    async def _ping_once(self) -> bool:
        try:
            await asyncio.wait_for(self.app.services.store.ping(), HEALTH_TIMEOUT)
        except (StorageUnavailable, TimeoutError):
            return False
        return True

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


class _Handler(RequestHandler):
    """Marks its connection busy while it works, so the `Gate` never closes it mid-request."""

    def initialize(self, hook: Webhook) -> None:
        self.hook = hook
        self._stream: IOStream | None = None

    def working(self) -> None:
        connection = self.request.connection
        if isinstance(connection, HTTP1Connection) and connection.stream is not None:
            self._stream = connection.stream
            self.hook.gate.busy(self._stream, True)

    def done(self) -> None:
        if self._stream is not None:
            self.hook.gate.busy(self._stream, False)
            self._stream = None

    def on_finish(self) -> None:
        self.done()

    def on_connection_close(self) -> None:
        self.done()


@stream_request_body
class _UpdateHandler(_Handler):
    """Streams the body in, so everything about a request is checked before its body is kept."""

    def prepare(self) -> None:
        """The secret first (any method): without it, nothing of the body is kept or used."""
        self.chunks: list[bytes] = []
        self.size = 0
        self.refused = 0
        given = self.request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given.encode(), self.hook.secret.encode()):
            log.warning("webhook: refused a request without the right secret token")
            self.refuse(403)
            return
        if self.request.method != "POST":
            return  # tornado answers 405
        if self.hook.stopping:
            self.refuse(503)
            return
        media = self.request.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if media != "application/json":
            log.warning("webhook: refused a request that is not JSON (%s)", media[:40] or "none")
            self.refuse(415)
            return
        length = self.request.headers.get("Content-Length", "0")
        if not length.isdigit() or int(length) > MAX_BODY:
            log.warning("webhook: refused a body of %s bytes (at most %d)", length[:20], MAX_BODY)
            self.too_large()
            return
        self.working()

    def refuse(self, status: int) -> None:
        """Answer `status`; a POST's body (at most `MAX_BODY`) is first read and dropped.

        Answering before the body is in makes tornado close the connection, and a client still
        sending sees a reset, not the status.
        """
        length = self.request.headers.get("Content-Length", "0")
        if self.request.method == "POST" and (
            length != "0" or "Transfer-Encoding" in self.request.headers
        ):
            if length.isdigit() and int(length) > MAX_BODY:
                self.too_large()
            else:
                self.refused = status  # `post` answers once the body is in
            return
        self.send_error(status)

    def too_large(self) -> None:
        """413, then close: the body is never read (tornado would drop the connection unheard)."""
        stream = self.detach()
        head = b"HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        stream.write(head).add_done_callback(lambda _: stream.close())

    def data_received(self, chunk: bytes) -> None:
        if self.refused or self._finished:
            return  # refused: the body is dropped as it comes
        self.size += len(chunk)
        if self.size <= MAX_BODY:  # a chunked body is bounded by tornado's max_body_size too
            self.chunks.append(chunk)

    async def post(self) -> None:
        hook = self.hook
        if self.refused:
            self.send_error(self.refused)
            return
        try:
            update = Update.de_json(parse_update(b"".join(self.chunks)), hook.app.bot)
        except NotAnUpdate as exc:
            log.warning("webhook: refused a request that is not an update: %s", exc)
            self.send_error(400)
            return
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError, OSError) as exc:
            # JSON of the wrong shape (OverflowError, OSError: a date beyond the calendar).
            log.warning("webhook: refused a request that is not an update (%s)", type(exc).__name__)
            self.send_error(400)
            return
        finally:
            self.chunks = []
        await hook.handle(update)
        self.set_status(200)
        self.finish()


class _HealthHandler(_Handler):
    """Not marked busy: a health check without the secret must never hold a slot that an
    update needs (the `Gate` may close it to make room)."""

    async def get(self) -> None:
        status, body = await self.hook.health()
        self.set_status(status)
        self.set_header("Cache-Control", "no-store")
        self.finish(body)


def _open_file_limit() -> int:
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return soft


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
    limiter = RateLimited(LOG_BURST, LOG_PER_SECOND)
    for name in LOUD_LOGGERS:
        logging.getLogger(name).addFilter(limiter)
    server: _Server | None = None
    try:
        await app.initialize()
        if app.post_init is not None:
            await app.post_init(app)
        await app.start()
        cap, why = connection_cap(_open_file_limit())
        log.info("webhook: at most %d connections at once (%s)", cap, why)
        hook = Webhook(app, secret, url_path, Gate(cap))
        server = _Server(
            hook.tornado(),
            max_body_size=MAX_BODY,
            max_header_size=MAX_HEADERS,
            body_timeout=BODY_TIMEOUT,
            idle_connection_timeout=IDLE_TIMEOUT,
        )
        server.gate = hook.gate
        try:
            server.listen(
                port, address=listen, backlog=BACKLOG
            )  # before Telegram is told: it finds us listening
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
        for name in LOUD_LOGGERS:
            logging.getLogger(name).removeFilter(limiter)
        log.info("stopped")
