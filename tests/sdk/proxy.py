"""A loopback TCP proxy that tests use to break a client's connection on
purpose: cut every connection (now, or after some bytes towards the client),
swallow the server's bytes (lost acks), or refuse new connections."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable


class Proxy:
    """Forwards 127.0.0.1:<port> to `target()` (asked per connection)."""

    def __init__(self, target: Callable[[], str]) -> None:
        self.target = target
        self.port = 0
        self.cuts = 0
        self.downstream_bytes = 0
        self.refuse = False
        self.blackhole = False
        self.on_cut: Callable[[], None] | None = None
        self._cut_after: int | None = None
        self._server: asyncio.Server | None = None
        self._links: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        self.cut()
        for t in list(self._tasks):
            t.cancel()
        if self._server is not None:
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    def cut(self) -> None:
        """Closes every open connection (both sides)."""
        if self._links:
            self.cuts += 1
            if self.on_cut is not None:
                self.on_cut()
        for client, upstream in list(self._links):
            for w in (client, upstream):
                with contextlib.suppress(Exception):
                    w.transport.abort()
        self._links.clear()

    def cut_after(self, downstream_bytes: int) -> None:
        """Cuts every connection once this many more bytes went to the client."""
        self._cut_after = self.downstream_bytes + downstream_bytes

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.refuse:
            writer.transport.abort()
            return
        host, port = self.target().rsplit(":", 1)
        try:
            up_reader, up_writer = await asyncio.open_connection(host, int(port))
        except OSError:
            writer.transport.abort()
            return
        link = (writer, up_writer)
        self._links.add(link)
        for coro in (
            self._pipe(reader, up_writer, link, down=False),
            self._pipe(up_reader, writer, link, down=True),
        ):
            task = asyncio.get_running_loop().create_task(coro)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pipe(
        self,
        src: asyncio.StreamReader,
        dst: asyncio.StreamWriter,
        link: tuple[asyncio.StreamWriter, asyncio.StreamWriter],
        down: bool,
    ) -> None:
        try:
            while True:
                data = await src.read(16384)
                if not data:
                    break
                if down:
                    if self.blackhole:
                        continue
                    self.downstream_bytes += len(data)
                dst.write(data)
                await dst.drain()
                if (
                    down
                    and self._cut_after is not None
                    and self.downstream_bytes >= self._cut_after
                ):
                    self._cut_after = None
                    self.cut()
                    return
        except (ConnectionError, OSError, asyncio.IncompleteReadError):
            pass
        finally:
            if link in self._links:
                self._links.discard(link)
                for w in link:
                    with contextlib.suppress(Exception):
                        w.transport.abort()
