"""A round-robin HTTP load balancer for the replica tests, as nginx or a cloud one would be.

Each request goes to the next replica; a replica that refuses the connection is skipped, as a
balancer's health checks would do, and if none answers the caller gets 502 (Telegram then
delivers the update again). Loopback only.
"""

from __future__ import annotations

import contextlib
import itertools
from collections import Counter
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

FORWARDED = ("Content-Type", "X-Telegram-Bot-Api-Secret-Token")
SESSION = web.AppKey("session", aiohttp.ClientSession)


class Balancer:
    """Round robin over `ports` on 127.0.0.1; `served` counts the requests each answered."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self._next = itertools.cycle(range(len(ports)))
        self.served: Counter[int] = Counter()

    async def _forward(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k in FORWARDED}
        session = request.app[SESSION]
        for _ in self.ports:
            port = self.ports[next(self._next)]
            url = f"http://127.0.0.1:{port}{request.path_qs}"
            try:
                async with session.request(request.method, url, data=body, headers=headers) as out:
                    self.served[port] += 1
                    return web.Response(status=out.status, body=await out.read())
            except aiohttp.ClientConnectorError:
                continue  # that replica is down: try the next one
            except aiohttp.ClientError:
                return web.Response(status=502)  # it died mid-request: Telegram will retry
        return web.Response(status=502)

    @contextlib.asynccontextmanager
    async def serving(self, port: int) -> AsyncIterator[None]:
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._forward)
        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            app[SESSION] = session
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            try:
                await web.TCPSite(runner, "127.0.0.1", port).start()
                yield
            finally:
                await runner.cleanup()
