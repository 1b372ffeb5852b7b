"""One device's stream: a bounded send queue and its close reason."""

from __future__ import annotations

import asyncio
import time

from parley.errors import ParleyError

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


class Session:
    __slots__ = (
        "close_error",
        "closed",
        "connect_ms",
        "device_id",
        "ident",
        "last_recv",
        "listen_only",
        "platform",
        "queue",
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
        self.queue: asyncio.Queue[bytes] = asyncio.Queue(queue_size)
        self.rate = rate
        self.closed = False
        self.close_error: ParleyError | None = None
        self.last_recv = time.monotonic()
        # Asked for in the auth frame: a half-close keeps the stream for pushes.
        self.listen_only = False
        # Answers still being computed (send acks, read results): a one-shot
        # sender's half-close waits for them before ending the stream.
        self.tasks: set[asyncio.Task[None]] = set()
        self.connect_ms = connect_ms
        self.watching: set[str] = set()
        # The task writing this stream; cancelled when the client stops reading.
        self.writer: asyncio.Task[object] | None = None

    def send(self, data: bytes) -> bool:
        """Queues a serialized ServerFrame; a full queue closes the stream
        (the client re-syncs by seq) instead of growing memory."""
        if self.closed:
            return False
        try:
            self.queue.put_nowait(data)
            return True
        except asyncio.QueueFull:
            from parley.errors import R, exhausted

            self.close(
                exhausted(R.ERROR_REASON_SLOW_CONSUMER, "send queue overflow; reconnect and sync")
            )
            return False

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

    def _force(self, data: bytes) -> None:
        # Closing must not be refused by a full queue: drop the oldest frame.
        while True:
            try:
                self.queue.put_nowait(data)
                return
            except asyncio.QueueFull:
                self.queue.get_nowait()
