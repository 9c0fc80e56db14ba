"""A TCP proxy in front of a database server, to take the server away and bring it back.

The bot's store connects to the proxy's port instead of the server's. `cut` is a server that
stopped: every open connection is closed and new ones are refused. `hang` is a server that
accepts connections and never answers (open connections are closed first, as a restart
would). `blackhole` is a network that went silent: open connections stay open, but nothing
more gets through either way, and new connections are accepted and never answered. `restore`
brings the server back on the same port. `trip(pattern)` cuts the moment the client sends
bytes containing `pattern`, before they are forwarded (a server stopping mid-transaction).
Nothing here touches the server itself, so other tests can share it.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Final, Literal

Mode = Literal["forward", "hang", "blackhole", "cut"]
CHUNK: Final = 65536
CLOSE_WAIT_S: Final = 2.0
"""How long `cut` waits for the listening socket to close; nothing here waits unbounded."""


class TcpProxy:
    """Forwards 127.0.0.1:`port` to `upstream` until told otherwise."""

    def __init__(self, host: str, port: int) -> None:
        self.upstream = (host, port)
        self.port = 0
        self.mode: Mode = "cut"
        self.accepted = 0
        """Connections accepted so far, in every mode."""
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._flowing = asyncio.Event()
        self._trip: bytes | None = None

    async def __aenter__(self) -> TcpProxy:
        await self.restore()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.cut()

    # ---- what the server does --------------------------------------------------------------

    async def restore(self) -> None:
        """Listen (on the same port as before) and forward every new connection."""
        self._close_connections()
        await self._listen()
        self.mode = "forward"
        self._flowing.set()

    async def cut(self) -> None:
        """Close every connection and stop listening: new connections are refused."""
        self.mode = "cut"
        self._trip = None
        self._flowing.set()  # let stalled pumps see their sockets closed and finish
        server, self._server = self._server, None
        if server is not None:
            server.close()
        self._close_connections()
        if server is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(server.wait_closed(), CLOSE_WAIT_S)

    async def hang(self) -> None:
        """Close open connections; accept new ones and never answer them."""
        self._close_connections()
        await self._listen()
        self.mode = "hang"
        self._flowing.clear()

    async def blackhole(self) -> None:
        """Keep connections open but forward nothing more; accept new ones and never answer."""
        await self._listen()
        self.mode = "blackhole"
        self._flowing.clear()

    def trip(self, pattern: bytes) -> None:
        """Cut as soon as a client sends `pattern`; that data never reaches the server."""
        self._trip = pattern

    # ---- plumbing --------------------------------------------------------------------------

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
            self.port = self._server.sockets[0].getsockname()[1]

    def _close_connections(self) -> None:
        for writer in self._writers:
            writer.close()
        self._writers.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        self._writers.add(writer)
        if self.mode != "forward":
            return  # accepted, never answered: the socket stays open until the next change
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.close()
            return
        self._writers.add(up_writer)
        for task in (
            asyncio.create_task(self._pump(reader, up_writer, from_client=True)),
            asyncio.create_task(self._pump(up_reader, writer, from_client=False)),
        ):
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, from_client: bool
    ) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(CHUNK):
                await self._flowing.wait()
                if writer.is_closing():
                    break
                if from_client and self._trip is not None and self._trip in data:
                    await self.cut()
                    break
                writer.write(data)
                await writer.drain()
        writer.close()
