"""The gateway half of the cluster send path, after validation, authorization
and the idempotency check: a seq from Redis, then the log.

    seq, alloc = await appender.allocate(conversation_id)
    ... complete the message and its WriteBatch with the seq ...
    original = await appender.publish(envelope, f"{sender}:{client_msg_id}", started)

`publish` returns once the log acked the append ("stored in the durable
log": the sender may be acked), or raises. Either way no seq is left
dangling: an append the log refused or could not confirm in time, and a
duplicate that the log de-duplicated, turn the seq handed out for it into a
hole (the workers also get there by themselves, a little later)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from parley.bus.codec import MSG, Envelope
from parley.bus.jetstream import BusConfig, DuplicateAppend, Publisher
from parley.bus.push import session_key
from parley.errors import R, unavailable
from parley.gateway.v1 import gateway_pb2
from parley.msg.v1 import message_pb2
from parley.storage import records as rec
from parley.storage.batch import WriteBatch
from parley.storage.redis.seqs import RedisSeqs

log = logging.getLogger(__name__)


class AppendFailed(Exception):
    """Not confirmed by the log in time: the sender must not be acked (it
    resends; the idempotency check finds the message if it did get stored)."""


class ClusterAppender:
    def __init__(self, publisher: Publisher, seqs: RedisSeqs, cfg: BusConfig) -> None:
        self._publisher = publisher
        self._seqs = seqs
        self.cfg = cfg

    async def allocate(self, conversation_id: str) -> tuple[int, int, float]:
        """(seq, allocation time in Unix ms, monotonic start of the publish
        deadline). The deadline starts when the seq comes back, not before
        (a recovery fence may hold the allocation): Redis stamped it a round
        trip earlier, which the workers' skew margin covers."""
        seq, alloc_ms = await self._seqs.allocate_stamped(conversation_id)
        return seq, alloc_ms, time.monotonic()

    async def publish(self, env: Envelope, msg_id: str, started: float) -> Envelope | None:
        """None when appended; the original envelope when the log already had
        this msg_id (then env's seq is a hole and the original is the answer).

        An original that reached the log too late is refused by the workers
        (a hole), yet keeps its msg_id for the duplicate window: the append
        then goes on under `<msg_id>#<original seq>`, the same next id on
        every gateway, so concurrent resends still de-duplicate."""
        deadline = started + self.cfg.publish_deadline_seconds
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("publish deadline passed before publishing")
                try:
                    await self._publisher.append(env, msg_id, left)
                    break
                except DuplicateAppend as dup:
                    if not dup.refused(self.cfg):
                        await self._publisher.hole(env.conversation_id, env.seq)
                        return dup.original
                    msg_id = f"{msg_id}#{dup.original.seq}"
        except Exception as e:
            await self._publisher.hole(env.conversation_id, env.seq)
            raise AppendFailed(str(e) or type(e).__name__) from e
        if time.monotonic() - started > self.cfg.publish_deadline_seconds:
            # Acked by the log, but so late that the workers may refuse it as
            # late: not an ack we may pass on (the resend finds it if stored).
            raise AppendFailed("the log acked after the publish deadline")
        return None


class ClusterPipeline:
    """`MessagePipeline` of cluster mode (log/pipeline.py): a Redis seq,
    then the log; the future resolves once JetStream acked the append.
    Settling and pushing are the workers' (pushes_locally is False)."""

    pushes_locally = False

    def __init__(self, appender: ClusterAppender, node_id: str) -> None:
        self._appender = appender
        self._node_id = node_id
        self._tasks: set[asyncio.Task[None]] = set()

    async def allocate(self, conversation_id: str) -> tuple[int, Any]:
        try:
            seq, alloc_ms, started = await self._appender.allocate(conversation_id)
        except Exception as e:
            # Redis (or the log, for a counter's floor) away: the client
            # resends, instead of losing its stream to an unexpected error.
            log.warning("seq allocation for %s failed: %s", conversation_id, e)
            raise unavailable(R.ERROR_REASON_INTERNAL, "no seq available now; resend") from e
        return seq, (alloc_ms, started)

    def submit(
        self,
        msg: message_pb2.Message,
        token: Any,
        batch: WriteBatch,
        members: list[str],
        frame: gateway_pb2.ServerFrame,
        exclude: object | None,
        on_done: Callable[[bool], None],
        wait: bool,
        dedup: tuple[str, str] | None,
    ) -> asyncio.Future[rec.Message | None] | None:
        alloc_ms, started = token
        env = Envelope(
            MSG,
            msg.conversation_id,
            msg.seq,
            alloc_ms,
            batch,
            list(members),
            frame.SerializeToString(),
            session_key(self._node_id, exclude),
        )
        sender, cmid = dedup if dedup is not None else (msg.sender_id, msg.client_msg_id)
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[rec.Message | None] | None = loop.create_future() if wait else None

        async def run() -> None:
            try:
                original = await self._appender.publish(env, f"{sender}:{cmid}", started)
            except Exception as e:
                log.warning("append %s/%d failed: %s", env.conversation_id, env.seq, e)
                on_done(False)
                if fut is not None and not fut.done():
                    fut.set_exception(e)
                return
            on_done(original is None)
            if fut is not None and not fut.done():
                fut.set_result(_row_of(original) if original is not None else None)

        # Tasks start in creation order, so one device's appends are
        # published in seq order.
        task = loop.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return fut

    async def drain(self, timeout: float) -> None:
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=timeout)


def _row_of(env: Envelope) -> rec.Message:
    """The stored original of a de-duplicated append (its ack is answered from it)."""
    assert env.batch is not None and env.batch.messages
    return env.batch.messages[0]
