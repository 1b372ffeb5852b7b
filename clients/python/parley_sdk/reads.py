"""Read state and receipts: the user's mark-reads (applied locally at once,
sent when online), the delivery acks the SDK sends after applying others'
messages, and the receipts of messages."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any

from parley.gateway.v1 import gateway_pb2
from parley.msg.v1 import msg_pb2
from parley_sdk.apply import Apply, Effects, set_read
from parley_sdk.errors import NotConnectedError
from parley_sdk.models import MessageReceipt
from parley_sdk.network import Connection
from parley_sdk.rpc import Rpc
from parley_sdk.store import Store, Tx

log = logging.getLogger("parley_sdk")


class ReadState:
    """Marks conversations read and reports what was delivered."""

    def __init__(
        self,
        store: Store,
        rpc: Rpc,
        conn: Connection,
        apply: Apply,
        spawn: Callable[[Coroutine[Any, Any, Any]], object],
        require_user: Callable[[], Awaitable[str]],
        me: Callable[[], str],
    ) -> None:
        self._store = store
        self._rpc = rpc
        self._conn = conn
        self._apply = apply
        self._spawn = spawn
        self._require_user = require_user
        self._me = me
        # Highest seq per conversation applied but not yet acknowledged as delivered.
        self._delivered: dict[str, int] = {}

    async def mark_read(self, conversation_id: str, seq: int | None = None) -> bool:
        """Marks a conversation read up to `seq` (default: everything stored);
        False when the conversation is not in the store.

        Applied locally at once; sent now when online, else after the next connect.
        """
        me = await self._require_user()
        conv = await self._store.run(lambda tx: tx.conversation(conversation_id))
        if conv is None:
            return False
        target = seq if seq is not None else conv.synced_seq
        await self._apply(lambda tx: set_read(tx, conversation_id, target, me, True))
        if self._conn.connected:
            self._spawn(self.flush_reads())
        return True

    async def flush_reads(self) -> None:
        """Sends the mark-reads the server has not confirmed yet."""
        pending = await self._store.run(lambda tx: tx.pending_reads())
        me = self._me()
        for cid, seq in pending:
            frame = gateway_pb2.ClientFrame()
            frame.mark_read.conversation_id = cid
            frame.mark_read.has_read_seq = seq
            try:
                answer = await self._conn.request(frame)
            except (NotConnectedError, TimeoutError):
                return
            done = 0
            if answer.HasField("error"):
                log.info("mark read of %s refused: %s", cid, answer.error.message)
            elif answer.HasField("mark_read_result"):
                done = answer.mark_read_result.has_read_seq

            def confirm(tx: Tx, cid: str = cid, sent: int = seq, done: int = done) -> Effects:
                tx.clear_pending_read(cid, sent)
                return set_read(tx, cid, done, me, False)

            await self._apply(confirm)

    def delivered(self, seqs: dict[str, int]) -> None:
        """Queues delivery acks of applied messages; sends them now when online."""
        self._delivered.update(seqs)
        if self._conn.connected:
            self._spawn(self.flush_delivery())

    async def flush_delivery(self) -> None:
        """Sends the queued delivery acks (those that fail wait for the next connect)."""
        pending, self._delivered = self._delivered, {}
        for cid, seq in pending.items():
            frame = gateway_pb2.ClientFrame()
            frame.delivery_ack.conversation_id = cid
            frame.delivery_ack.delivered_seq = seq
            try:
                await self._conn.post(frame)
            except NotConnectedError:
                self._delivered[cid] = max(seq, self._delivered.get(cid, 0))

    async def receipts(self, conversation_id: str, seqs: Sequence[int]) -> list[MessageReceipt]:
        """Read/delivery receipts of messages (from the server)."""
        resp = await self._rpc.receipts(
            msg_pb2.GetMessageReceiptsRequest(conversation_id=conversation_id, seqs=list(seqs))
        )
        return [
            MessageReceipt(
                r.seq, r.read_count, r.delivered_count, r.unread_count, tuple(r.reader_user_ids)
            )
            for r in resp.receipts
        ]
