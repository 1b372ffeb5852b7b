"""The send path: validate, authorize, idempotency, then append."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from time import perf_counter
from typing import Protocol

import grpc

from parley.bounded import track
from parley.clock import now_ms
from parley.common.v1 import common_pb2
from parley.config import Settings
from parley.domain.content import validate_content
from parley.domain.files.refs import file_ids
from parley.domain.ports import NO_MESSAGE_FILES, NO_MESSAGE_HOOKS, MessageFiles, MessageHooks
from parley.domain.tokens import Identity
from parley.domain.users import Users
from parley.errors import ParleyError, R, invalid, not_found, unavailable
from parley.ids import (
    ConversationRef,
    check_client_msg_id,
    check_user_id,
    group_conversation_id,
    single_conversation_id,
)
from parley.log.conversation_log import ConversationLog
from parley.msg.v1 import content_pb2, message_pb2
from parley.observability import metrics
from parley.storage import records as rec

log = logging.getLogger("parley.messages")
ST = common_pb2.SessionType
AckWaiter = Callable[[], Awaitable[message_pb2.SendAck]]
# MessageStore.find_by_client_ids
FindStored = Callable[[Sequence[tuple[str, str]]], Awaitable[dict[tuple[str, str], rec.Message]]]


class SendPolicy(Protocol):
    """Relations and groups decide who may send where (friendship, blacklist,
    membership, mutes)."""

    async def check_single(self, sender_id: str, recv_id: str) -> None: ...

    async def check_group(
        self, sender_id: str, group_id: str, mentioned: Sequence[str] = ()
    ) -> list[str]:
        """Returns the members to push to; every mentioned user must be one."""
        ...


class OpenPolicy:
    async def check_single(self, sender_id: str, recv_id: str) -> None:
        return None

    async def check_group(
        self, sender_id: str, group_id: str, mentioned: Sequence[str] = ()
    ) -> list[str]:
        raise ParleyError(
            grpc.StatusCode.UNIMPLEMENTED, R.ERROR_REASON_UNIMPLEMENTED, "groups are not enabled"
        )


def ack_of(msg: message_pb2.Message, duplicate: bool = False) -> message_pb2.SendAck:
    return message_pb2.SendAck(
        client_msg_id=msg.client_msg_id,
        server_msg_id=msg.server_msg_id,
        conversation_id=msg.conversation_id,
        seq=msg.seq,
        server_time_ms=msg.server_time_ms,
        duplicate=duplicate,
    )


class Messages:
    def __init__(
        self,
        settings: Settings,
        log: ConversationLog,
        users: Users,
        policy: SendPolicy | None = None,
        hooks: MessageHooks = NO_MESSAGE_HOOKS,
        find_stored: FindStored | None = None,
        old_resend_ms: int = 0,
        files: MessageFiles = NO_MESSAGE_FILES,
    ) -> None:
        self._settings = settings
        self._log = log
        self._users = users
        self.policy: SendPolicy = policy or OpenPolicy()
        self._inflight: dict[tuple[str, str], asyncio.Future[message_pb2.SendAck]] = {}
        self._recent: OrderedDict[tuple[str, str], message_pb2.SendAck] = OrderedDict()
        self._recent_cap = settings.caches.recent_acks
        track("recent_acks", self._recent)
        # Webhooks of the send path; with none configured, two flags read.
        self.hooks = hooks
        # Cluster mode: the log de-duplicates resends for a window only, so a
        # resend of a message the client first sent longer ago than
        # `old_resend_ms` (by its send_time_ms) is looked up in the stores.
        self.find_stored = find_stored
        self.old_resend_ms = old_resend_ms
        self.files = files

    async def send(
        self, ident: Identity, om: message_pb2.OutgoingMessage, exclude: object | None = None
    ) -> message_pb2.SendAck:
        waiter = await self.enqueue(ident, om, exclude)
        return await waiter()

    async def enqueue(
        self, ident: Identity, om: message_pb2.OutgoingMessage, exclude: object | None = None
    ) -> AckWaiter:
        """Validates and enqueues the message; the returned callable waits for
        durability and gives the ack. Sends from one device that are enqueued
        one after the other get increasing seqs."""
        started = perf_counter()
        sender = ident.user_id
        check_client_msg_id(om.client_msg_id)
        validate_content(om.content, self._settings.limits.max_content_bytes)
        if len(om.extensions) > 32:
            raise invalid("at most 32 extensions")
        key = (sender, om.client_msg_id)
        known = self._recent.get(key)
        if known is not None:
            return _done(_dup(known))
        pending = self._inflight.get(key)
        if pending is not None:
            return _await_dup(pending)
        find = self.find_stored
        if find is not None and 0 < om.send_time_ms < now_ms() - self.old_resend_ms:
            stored = (await find([key])).get(key)
            if stored is not None:
                ack = _ack_from_row(stored)
                self._remember(key, ack)
                return _done(_dup(ack))
        ref, members = await self._route(sender, om)
        named = file_ids(om.content)
        if named:
            await self.files.may_attach(sender, named)
        # A resend after a restart or cache eviction is caught by the writer,
        # which looks up the whole batch's keys in one query (see CommitQueue).
        hooks = self.hooks
        replaced: content_pb2.Content | None = None
        if hooks.before_send:
            replaced = await hooks.check(ident, om)
        # Another device may have sent the same key during the awaits above.
        known = self._recent.get(key)
        if known is not None:
            return _done(_dup(known))
        pending = self._inflight.get(key)
        if pending is not None:
            return _await_dup(pending)
        fut: asyncio.Future[message_pb2.SendAck] = asyncio.get_running_loop().create_future()
        self._inflight[key] = fut
        msg = message_pb2.Message(
            client_msg_id=om.client_msg_id,
            sender_id=sender,
            sender_platform=ident.platform,  # type: ignore[arg-type]
            recv_id=om.recv_id if ref.session_type == ST.SESSION_TYPE_SINGLE else "",
            group_id=ref.group_id,
            send_time_ms=om.send_time_ms,
            counts_unread=True,
            need_read_receipt=om.need_read_receipt,
        )
        msg.content.CopyFrom(om.content if replaced is None else replaced)
        if replaced is not None:
            # The app server's content: it may name files, which it vouches for.
            named = file_ids(replaced)
        if om.HasField("mentions"):
            msg.mentions.CopyFrom(om.mentions)
        msg.extensions.update(om.extensions)
        try:
            commit = await self._log.append(ref, msg, members, exclude=exclude, dedup=key)
        except BaseException:
            del self._inflight[key]
            fut.cancel()
            raise
        assert commit is not None

        async def wait() -> message_pb2.SendAck:
            try:
                original = await commit
            except Exception as e:
                self._inflight.pop(key, None)
                err = unavailable(R.ERROR_REASON_INTERNAL, "message could not be stored; resend")
                fut.set_exception(err)
                fut.exception()
                raise err from e
            self._inflight.pop(key, None)
            if original is not None:
                ack = _ack_from_row(original)
                self._remember(key, ack)
                fut.set_result(ack)
                return _dup(ack)
            ack = ack_of(msg)
            if named:
                try:
                    await self.files.attached(named, msg.conversation_id, msg.seq)
                except Exception:
                    # Stored but not indexed: its readers are refused the files.
                    log.exception("could not record the files of %s", msg.server_msg_id)
            if replaced is not None:
                ack.replaced_content.CopyFrom(replaced)
            self._remember(key, ack)
            fut.set_result(ack)
            metrics.SEND_SECONDS.observe(perf_counter() - started)
            if hooks.after_send:
                hooks.sent(msg, members, om.silent)
            return ack

        return wait

    def _remember(self, key: tuple[str, str], ack: message_pb2.SendAck) -> None:
        self._recent[key] = ack
        if len(self._recent) > self._recent_cap:
            self._recent.popitem(last=False)

    async def _route(
        self, sender: str, om: message_pb2.OutgoingMessage
    ) -> tuple[ConversationRef, list[str]]:
        if om.session_type == ST.SESSION_TYPE_SINGLE:
            check_user_id(om.recv_id, "recv_id")
            if not await self._users.exists(om.recv_id):
                raise not_found(R.ERROR_REASON_USER_NOT_FOUND, "receiver not found")
            await self.policy.check_single(sender, om.recv_id)
            cid = single_conversation_id(sender, om.recv_id)
            users = tuple(sorted((sender, om.recv_id)))
            ref = ConversationRef(cid, ST.SESSION_TYPE_SINGLE, users)
            return ref, list(dict.fromkeys(users))
        if om.session_type == ST.SESSION_TYPE_GROUP:
            if not om.group_id:
                raise invalid("group_id is required for group messages")
            members = await self.policy.check_group(sender, om.group_id, om.mentions.user_ids)
            ref = ConversationRef(
                group_conversation_id(om.group_id), ST.SESSION_TYPE_GROUP, (), om.group_id
            )
            return ref, members
        raise invalid("session_type must be SINGLE or GROUP")


def _dup(ack: message_pb2.SendAck) -> message_pb2.SendAck:
    out = message_pb2.SendAck()
    out.CopyFrom(ack)
    out.duplicate = True
    return out


def _done(ack: message_pb2.SendAck) -> AckWaiter:
    async def wait() -> message_pb2.SendAck:
        return ack

    return wait


def _await_dup(fut: asyncio.Future[message_pb2.SendAck]) -> AckWaiter:
    async def wait() -> message_pb2.SendAck:
        return _dup(await asyncio.shield(fut))

    return wait


def _ack_from_row(row: rec.Message) -> message_pb2.SendAck:
    msg = message_pb2.Message.FromString(row.body)
    return ack_of(msg)
