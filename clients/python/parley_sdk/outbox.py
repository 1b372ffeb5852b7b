"""Sending: the local-first outbox of one client.

A message is stored as SENDING before it goes out, sent over the stream,
and sent again with the same `client_msg_id` after a reconnect when the
answer was lost (the server stores it at most once), until it is
acknowledged (SENT, with the server's seq and id) or refused or out of
time (FAILED).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Protocol

import grpc

from parley.gateway.v1 import gateway_pb2
from parley.msg.v1 import message_pb2
from parley_sdk.apply import Apply, Effects, apply_ack, set_send_status
from parley_sdk.convert import message_to_proto
from parley_sdk.errors import ClientClosedError, ParleyError, from_error_frame
from parley_sdk.models import ChatMessage, SendStatus
from parley_sdk.store import Tx


class Link(Protocol):
    """The part of the realtime stream the outbox sends over (`Connection`)."""

    @property
    def connected(self) -> bool: ...

    async def wait_connected(self, timeout: float | None = None) -> None: ...

    async def request(
        self, frame: gateway_pb2.ClientFrame, timeout: float | None = None
    ) -> gateway_pb2.ServerFrame: ...


class Outbox:
    """Transmits messages stored as SENDING until they are SENT or FAILED.

    `apply` changes the store under the sync lock; `feed` hands an acknowledged
    message to the sync buffer; `me` and `closed` read the client's state.
    """

    def __init__(
        self,
        link: Link,
        apply: Apply,
        feed: Callable[[message_pb2.Message], None],
        me: Callable[[], str],
        closed: Callable[[], bool],
        *,
        send_timeout: float,
        request_timeout: float,
    ) -> None:
        self._link = link
        self._apply = apply
        self._feed = feed
        self._me = me
        self._closed = closed
        #: Seconds a message may wait for the server before it is FAILED.
        self.send_timeout = send_timeout
        self._request_timeout = request_timeout

    async def set_status(self, cmid: str, status: SendStatus, error: str) -> ChatMessage | None:
        holder: list[ChatMessage | None] = []
        me = self._me()

        def work(tx: Tx) -> Effects:
            fx, msg = set_send_status(tx, me, cmid, status, error)
            holder.append(msg)
            return fx

        await self._apply(work)
        return holder[0] if holder else None

    async def transmit(self, msg: ChatMessage, silent: bool) -> ChatMessage:
        om = message_pb2.OutgoingMessage(
            client_msg_id=msg.client_msg_id,
            session_type=msg.session_type,  # type: ignore[arg-type]
            recv_id=msg.recv_id,
            group_id=msg.group_id,
            send_time_ms=msg.send_time_ms,
            need_read_receipt=msg.need_read_receipt,
            silent=silent,
        )
        if msg.content is not None:
            om.content.CopyFrom(msg.content)
        if msg.mention_user_ids or msg.mention_all:
            om.mentions.user_ids.extend(msg.mention_user_ids)
            om.mentions.all = msg.mention_all
        om.extensions.update(msg.extensions)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.send_timeout
        error = "timeout"
        while not self._closed():
            left = deadline - loop.time()
            if left <= 0:
                break
            if not self._link.connected:
                with contextlib.suppress(TimeoutError):
                    await self._link.wait_connected(min(left, 0.5))
                continue
            frame = gateway_pb2.ClientFrame()
            frame.send.message.CopyFrom(om)
            try:
                answer = await self._link.request(frame, timeout=min(left, self._request_timeout))
                if answer.HasField("send_ack"):
                    return await self._on_ack(msg, answer.send_ack.ack)
                if answer.HasField("error"):
                    e = answer.error
                    raise from_error_frame(e.code, e.reason, e.message)
                raise ParleyError(
                    grpc.StatusCode.UNKNOWN, "", f"unexpected answer {answer.WhichOneof('body')}"
                )
            except TimeoutError:
                error = "no answer from the server"
                # The stream may be dead: the heartbeat notices; resend after the reconnect.
                continue
            except ParleyError as e:
                error = e.reason or e.message
                if not e.transient:
                    break
                await asyncio.sleep(0.2)
        if self._closed():
            raise ClientClosedError()
        failed = await self.set_status(msg.client_msg_id, SendStatus.FAILED, error)
        return failed or msg

    async def _on_ack(self, msg: ChatMessage, ack: message_pb2.SendAck) -> ChatMessage:
        holder: list[ChatMessage | None] = []
        me = self._me()

        def work(tx: Tx) -> Effects:
            fx, stored = apply_ack(tx, me, msg.client_msg_id, ack)
            holder.append(stored)
            return fx

        await self._apply(work)
        stored = holder[0] if holder else None
        if stored is None:
            return msg
        # The server pushes our own message to our other devices only: take it
        # in from the ack so the synced seq moves on without a pull.
        self._feed(message_to_proto(stored))
        return stored
