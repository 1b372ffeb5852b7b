"""One device's stream: a bounded send queue and its close reason."""

from __future__ import annotations

import asyncio
import time
from collections import deque

from parley.errors import ParleyError
from parley.realtime.batches import MAX_BATCH_BYTES, MAX_BATCH_FRAMES, encode_batch

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
        "batches",
        "close_error",
        "closed",
        "connect_ms",
        "device_id",
        "ident",
        "last_recv",
        "limit",
        "listen_only",
        "pending",
        "platform",
        "rate",
        "sdk_version",
        "tasks",
        "user_id",
        "wake",
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
        # Serialized frames not yet written; the writer waits on `wake` when
        # there are none (a deque and one future: no per-stream Queue, no
        # wakeup when the writer is busy anyway). An idle stream holds no
        # deque (an empty one is 760 bytes).
        self.pending: deque[bytes] | None = None
        self.limit = queue_size
        self.wake: asyncio.Future[None] | None = None
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
        # The task writing this stream; cancelled when the client stops reading.
        self.writer: asyncio.Task[object] | None = None

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

    def ready(self) -> asyncio.Future[None]:
        """Resolves once a frame is queued (at once if one is)."""
        fut = asyncio.get_running_loop().create_future()
        if self.pending:
            fut.set_result(None)
        else:
            self.pending = None
            self.wake = fut
        return fut

    def take(self) -> bytes:
        """The next write: the oldest queued frame or, for a client that
        accepts batches, every frame queued before the next CLOSE (within the
        batch limits) as one FrameBatch. An idle stream writes its one frame
        at once; frames coalesce only while the stream is busy writing."""
        pending = self.pending
        assert pending is not None, "take() after ready()"
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

    def _force(self, data: bytes) -> None:
        # Closing is never refused by a full queue (the close frames go past the limit).
        pending = self.pending
        if pending is None:
            pending = self.pending = deque()
        pending.append(data)
        wake = self.wake
        if wake is not None:
            self.wake = None
            if not wake.done():
                wake.set_result(None)
