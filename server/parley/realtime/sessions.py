"""One device's stream: a bounded send queue, the task writing it out while
it holds frames, and its close reason."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable
from typing import Protocol

from parley.errors import ParleyError
from parley.realtime.batches import MAX_BATCH_BYTES, MAX_BATCH_FRAMES, encode_batch

log = logging.getLogger("parley.gateway")

# Queue sentinel: drain what is queued, then end the stream.
CLOSE = b""
ABANDON_AFTER_SECONDS = 5.0


class TokenBucket:
    __slots__ = ("burst", "rate", "stamp", "tokens")

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.tokens = float(burst)
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class Out(Protocol):
    """Where a session's frames go: the call's servicer context."""

    def write(self, data: bytes) -> Awaitable[None]: ...


class Session:
    __slots__ = (
        "batches",
        "close_error",
        "closed",
        "connect_ms",
        "device_id",
        "ended",
        "handler",
        "ident",
        "last_recv",
        "limit",
        "listen_only",
        "out",
        "pending",
        "platform",
        "rate",
        "sdk_version",
        "tasks",
        "user_id",
        "watching",
        "writer",
    )

    def __init__(
        self,
        ident: object,
        user_id: str,
        platform: int,
        device_id: str,
        sdk_version: str,
        queue_size: int,
        rate: TokenBucket,
        connect_ms: int,
    ) -> None:
        self.ident = ident
        self.user_id = user_id
        self.platform = platform
        self.device_id = device_id
        self.sdk_version = sdk_version
        # Serialized frames not yet written. An idle stream holds no deque
        # (an empty one is 760 bytes) and no writer task: the call's handler
        # task reads, and a writer task runs only while frames are queued.
        self.pending: deque[bytes] | None = None
        self.limit = queue_size
        # Set by attach() once the SessionFrame is written: frames queued
        # before wait for it.
        self.out: Out | None = None
        self.handler: asyncio.Task[object] | None = None
        # The queue was written up to its CLOSE (or abandoned): the handler
        # ends the call.
        self.ended = False
        # Asked for in the auth frame: frames queued together go out as one FrameBatch.
        self.batches = False
        self.rate = rate
        self.closed = False
        self.close_error: ParleyError | None = None
        self.last_recv = time.monotonic()
        # Asked for in the auth frame: a half-close keeps the stream for pushes.
        self.listen_only = False
        # Answers still being computed (send acks, read results): a one-shot
        # sender's half-close waits for them before ending the stream.
        # (None while there are none, as for `watching`: most streams never hold any.)
        self.tasks: set[asyncio.Task[None]] | None = None
        self.connect_ms = connect_ms
        self.watching: set[str] | None = None
        # The task writing the queue out, while it holds frames; cancelled
        # when the client stops reading.
        self.writer: asyncio.Task[None] | None = None

    def attach(self, out: Out, handler: asyncio.Task[object] | None) -> None:
        """Starts writing to `out`; `handler` (the call's task) is cancelled
        once the queue is written up to its close (see `ended`)."""
        self.out = out
        self.handler = handler
        if self.pending:
            self._start_writer()

    def send(self, data: bytes) -> bool:
        """Queues a serialized ServerFrame; a full queue closes the stream
        (the client re-syncs by seq) instead of growing memory."""
        if self.closed:
            return False
        if self.pending is not None and len(self.pending) >= self.limit:
            from parley.errors import R, exhausted

            self.close(
                exhausted(R.ERROR_REASON_SLOW_CONSUMER, "send queue overflow; reconnect and sync")
            )
            return False
        self._force(data)
        return True

    def take(self) -> bytes:
        """The next write: the oldest queued frame or, for a client that
        accepts batches, every frame queued before the next CLOSE (within the
        batch limits) as one FrameBatch. An idle stream writes its one frame
        at once; frames coalesce only while the stream is busy writing."""
        pending = self.pending
        assert pending, "take() with nothing queued"
        first = pending.popleft()
        if not self.batches or not pending or first is CLOSE or pending[0] is CLOSE:
            return first
        frames = [first]
        size = len(first)
        while pending and len(frames) < MAX_BATCH_FRAMES:
            nxt = pending[0]
            if nxt is CLOSE or size + len(nxt) > MAX_BATCH_BYTES:
                break
            frames.append(pending.popleft())
            size += len(nxt)
        return encode_batch(frames) if len(frames) > 1 else first

    def close(self, error: ParleyError | None = None, final: bytes | None = None) -> None:
        """Ends the stream after what is queued (and `final`) is written."""
        if self.closed:
            return
        self.closed = True
        self.close_error = error
        if final:
            self._force(final)
        self._force(CLOSE)
        if error is not None:
            # A client that never reads would keep the stream (and its queue)
            # forever: give the close a few seconds to drain, then cut it.
            asyncio.get_running_loop().call_later(ABANDON_AFTER_SECONDS, self.abandon)

    def abandon(self) -> None:
        """Stops writing at once; the handler then ends the call with the close status."""
        writer = self.writer
        if writer is not None and not writer.done():
            self.writer = None
            writer.cancel()
        self.end()

    def end(self) -> None:
        """The stream is done: the handler ends the call (with `close_error`)."""
        if self.ended:
            return
        self.ended = True
        self.closed = True
        handler = self.handler
        if handler is not None and not handler.done():
            handler.cancel()

    async def _write(self, out: Out) -> None:
        try:
            while self.pending:
                data = self.take()
                if data is CLOSE:
                    self.end()
                    return
                await out.write(data)
            # Written out: an idle stream keeps no deque.
            self.pending = None
        except asyncio.CancelledError:
            raise
        except Exception:
            # The transport went away: nothing to tell the client.
            log.debug("stream write failed", exc_info=True)
            self.end()
        finally:
            if self.writer is asyncio.current_task():
                self.writer = None

    def _start_writer(self) -> None:
        out = self.out
        if out is not None and self.writer is None and not self.ended:
            self.writer = asyncio.get_running_loop().create_task(self._write(out))

    def _force(self, data: bytes) -> None:
        # Closing is never refused by a full queue (the close frames go past the limit).
        pending = self.pending
        if pending is None:
            pending = self.pending = deque()
        pending.append(data)
        if self.writer is None:
            self._start_writer()
