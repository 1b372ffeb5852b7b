"""The seam between the domain and the mode: how an append gets a seq and
becomes durable, and how seq visibility is read.

`ConversationLog.append` completes the message and its WriteBatch, then hands
it to a MessagePipeline:

- embedded (`LocalPipeline`): an in-memory seq (`SeqAllocator`) and the group
  commit (`CommitQueue`); after the commit, in seq order, the seq is settled
  and the log pushes the frame.
- cluster (`parley.bus.pipeline.ClusterPipeline`): a seq from Redis, a publish
  to JetStream acked by the stream; settling and pushing happen in the
  workers, so the log pushes nothing itself.

Seq visibility (`SeqService.visible_max`) is the SeqAllocator in embedded
mode and `RedisSeqs` in cluster mode."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Protocol

from parley.gateway.v1 import gateway_pb2
from parley.log.commit import CommitQueue
from parley.log.seqs import SeqAllocator
from parley.msg.v1 import message_pb2
from parley.storage import records as rec
from parley.storage.batch import WriteBatch


class SeqService(Protocol):
    async def visible_max(self, conversation_id: str) -> int: ...


class MessagePipeline(Protocol):
    # True when the log pushes the frame itself once durable (embedded); the
    # cluster workers push after persisting.
    pushes_locally: bool

    async def allocate(self, conversation_id: str) -> tuple[int, Any]:
        """(seq, an opaque token for submit). When the conversation is known
        the embedded pipeline does not suspend, so appends keep call order."""
        ...

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
        """Makes the append durable; `on_done(ok)` runs once it is (or
        failed), in seq order per conversation in embedded mode. The future
        resolves to None, or to the stored original of a resend."""
        ...


class LocalPipeline:
    """Embedded mode: SeqAllocator + group commit (the pre-cluster path)."""

    pushes_locally = True

    def __init__(self, seqs: SeqAllocator, commit: CommitQueue) -> None:
        self.seqs = seqs
        self.commit = commit

    async def allocate(self, conversation_id: str) -> tuple[int, Any]:
        return await self.seqs.allocate(conversation_id), None

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
        seqs, conversation_id, seq = self.seqs, msg.conversation_id, msg.seq

        def settled(ok: bool, covered: bool) -> None:
            # Stored, or a hole: visible once a durable record covers it.
            seqs.settle(conversation_id, seq, covered)
            on_done(ok)

        return self.commit.submit_nowait(batch, settled, wait=wait, dedup=dedup)
