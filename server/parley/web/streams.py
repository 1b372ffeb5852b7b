"""Server-streaming calls on the web listener: the handler runs in a task of
its own that hands its messages over one at a time (what it yields, or what
it passes to `context.write`, as grpc.aio allows both), so a stop can end an
open stream with a status instead of cutting its connection."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator
from typing import Any

from connectrpc.code import Code
from connectrpc.errors import ConnectError

from parley.web.context import WebContext

_END = object()


def _force(queue: asyncio.Queue[Any], item: object) -> None:
    """Puts `item` now, dropping the message waiting, if any: the stream is ending."""
    while True:
        try:
            queue.put_nowait(item)
            return
        except asyncio.QueueFull:
            queue.get_nowait()


class _Open:
    def __init__(self) -> None:
        # One message in hand: a slow reader holds the handler back, as on gRPC.
        self.queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=1)
        self.task: asyncio.Task[None] | None = None
        self.closed = False

    def close(self) -> None:
        self.closed = True
        if self.task is not None:
            self.task.cancel()
        _force(self.queue, _END)


class OpenStreams:
    """The server-streaming calls open on the listener."""

    def __init__(self) -> None:
        self._open: set[_Open] = set()

    def __len__(self) -> int:
        return len(self._open)

    def close_all(self) -> None:
        """Ends each open stream with UNAVAILABLE (the client may reconnect elsewhere)."""
        for stream in list(self._open):
            stream.close()

    async def relay(self, produced: Any, context: WebContext) -> AsyncIterator[Any]:
        """The messages of a handler's call, ending with its error if it fails."""
        stream = _Open()
        queue = stream.queue

        async def drive() -> None:
            try:
                if inspect.isasyncgen(produced):
                    async for item in produced:
                        await queue.put(item)
                else:
                    context.write = queue.put  # type: ignore[attr-defined]
                    await produced
            except asyncio.CancelledError:
                raise
            except BaseException:
                await queue.put(_END)
                raise
            await queue.put(_END)

        stream.task = asyncio.create_task(drive())
        # Cancelled by the handler's own side (a session abandoned) rather than
        # by us: the end it could not put, so the reader does not wait forever.
        stream.task.add_done_callback(lambda t: _force(queue, _END) if t.cancelled() else None)
        self._open.add(stream)
        try:
            while (item := await queue.get()) is not _END:
                yield item
            if stream.closed:
                raise ConnectError(Code.UNAVAILABLE, "server shutting down")
            if stream.task.cancelled():
                raise ConnectError(Code.CANCELED, "the call was cancelled")
            await stream.task  # its abort or failure, if any
        finally:
            self._open.discard(stream)
            stream.task.cancel()
