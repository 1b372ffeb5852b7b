"""Shared helpers of the SDK tests: accounts, clients with short timeouts, a
recording listener, and the check that a client's store equals the server's view."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from parley.auth.v1 import auth_pb2
from parley.common.v1 import common_pb2
from parley.conversation.v1 import conversation_pb2
from parley.msg.v1 import message_pb2, msg_pb2
from parley_sdk import (
    ChatMessage,
    ConnectionState,
    Conversation,
    FriendEvent,
    GroupEvent,
    MessageChange,
    NetworkOptions,
    ParleyClient,
    ParleyListener,
    Receipt,
    SyncOptions,
    TypingEvent,
)
from parley_sdk.network import Address
from tests.harness import Api, bearer, new_user_id, pull_all

P = common_pb2.Platform

FAST = NetworkOptions(
    backoff_initial=0.05,
    backoff_max=0.5,
    pong_timeout=2.0,
    connect_timeout=5.0,
    request_timeout=5.0,
)


@dataclass
class Account:
    """A registered user and a token for one platform."""

    user_id: str
    token: str
    platform: int = P.PLATFORM_IOS


async def accounts(
    api: Api, n: int, prefix: str = "u", platform: int = P.PLATFORM_IOS
) -> list[Account]:
    """Registers n users and issues each a token."""
    ids = [new_user_id(prefix) for _ in range(n)]
    await api.register(*ids)
    return [Account(u, await api.token(u, platform), platform) for u in ids]


async def token_for(api: Api, user_id: str, platform: int, ttl_seconds: int = 0) -> str:
    resp = await api.auth.IssueUserToken(
        auth_pb2.IssueUserTokenRequest(user_id=user_id, platform=platform, ttl_seconds=ttl_seconds),  # type: ignore[arg-type]
        metadata=bearer(api.admin_token),
    )
    token: str = resp.token
    return token


class Recorder(ParleyListener):
    """Records every listener call."""

    def __init__(self) -> None:
        self.new: list[ChatMessage] = []
        self.updates: list[tuple[ChatMessage, MessageChange]] = []
        self.states: list[ConnectionState] = []
        self.receipts: list[Receipt] = []
        self.typing: list[TypingEvent] = []
        self.conversations: list[Conversation] = []
        self.totals: list[int] = []
        self.friend_events: list[FriendEvent] = []
        self.group_events: list[GroupEvent] = []
        self.kicked: list[tuple[str, int]] = []
        self.syncs = 0

    async def on_connection_state(self, state: ConnectionState, detail: str) -> None:
        self.states.append(state)

    async def on_kicked(self, reason: str, by_platform: int) -> None:
        self.kicked.append((reason, by_platform))

    async def on_sync_finished(self) -> None:
        self.syncs += 1

    async def on_new_message(self, message: ChatMessage) -> None:
        self.new.append(message)

    async def on_message_updated(self, message: ChatMessage, change: MessageChange) -> None:
        self.updates.append((message, change))

    async def on_receipt(self, receipt: Receipt) -> None:
        self.receipts.append(receipt)

    async def on_typing(self, event: TypingEvent) -> None:
        self.typing.append(event)

    async def on_conversation_changed(self, conversations: list[Conversation]) -> None:
        self.conversations.extend(conversations)

    async def on_total_unread_changed(self, total: int) -> None:
        self.totals.append(total)

    async def on_friend_event(self, event: FriendEvent) -> None:
        self.friend_events.append(event)

    async def on_group_event(self, event: GroupEvent) -> None:
        self.group_events.append(event)

    def user_messages(self, conversation_id: str | None = None) -> list[ChatMessage]:
        """New-message calls for user messages (not events)."""
        return [
            m
            for m in self.new
            if not m.is_event and (conversation_id is None or m.conversation_id == conversation_id)
        ]

    def texts(self, conversation_id: str | None = None) -> list[str]:
        return [m.text for m in self.user_messages(conversation_id)]

    def assert_no_duplicates(self) -> None:
        """No message reached on_new_message twice."""
        keys = Counter((m.sender_id, m.client_msg_id) for m in self.new)
        dups = [k for k, n in keys.items() if n > 1]
        assert not dups, f"duplicate new-message calls: {dups[:5]}"
        seqs = Counter((m.conversation_id, m.seq) for m in self.new if m.seq > 0)
        dups2 = [k for k, n in seqs.items() if n > 1]
        assert not dups2, f"duplicate seqs reached listeners: {dups2[:5]}"


async def eventually(
    predicate: Callable[[], bool], timeout: float = 10.0, what: str = "condition"
) -> None:
    """Waits until `predicate()` holds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def eventually_async(
    predicate: Callable[[], Awaitable[bool]], timeout: float = 10.0, what: str = "condition"
) -> None:
    """Waits until `await predicate()` holds."""
    deadline = time.monotonic() + timeout
    while not await predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def open_client(
    address: Address,
    account: Account,
    db_dir: Path,
    name: str,
    *,
    recorder: Recorder | None = None,
    device_id: str | None = None,
    sync: SyncOptions | None = None,
    network: NetworkOptions | None = None,
    **kwargs: Any,
) -> ParleyClient:
    """A client of `account` with test timeouts and its own database file."""
    return ParleyClient(
        address,
        account.token,
        account.platform,
        device_id or f"{account.user_id}-{name}",
        db_path=db_dir / f"{account.user_id}-{name}.db",
        listener=recorder,
        network=network or FAST,
        sync=sync,
        **kwargs,
    )


def outgoing(recv_id: str, text: str) -> message_pb2.OutgoingMessage:
    om = message_pb2.OutgoingMessage(
        client_msg_id=uuid.uuid4().hex,
        session_type=common_pb2.SessionType.SESSION_TYPE_SINGLE,
        recv_id=recv_id,
    )
    om.content.text.text = text
    return om


async def send_many(
    api: Api, sender: Account, recv_id: str, texts: list[str], batch: int = 100
) -> None:
    """Sends texts over the unary API, `batch` at a time (order within a batch is free)."""
    for i in range(0, len(texts), batch):
        await asyncio.gather(
            *(
                api.msg.SendMessage(
                    msg_pb2.SendMessageRequest(message=outgoing(recv_id, t)),
                    metadata=bearer(sender.token),
                )
                for t in texts[i : i + batch]
            )
        )


async def assert_matches_server(api: Api, client: ParleyClient, account: Account) -> int:
    """Every conversation of the client equals the server's view: the same
    visible messages at the same seqs (ids, status, content), the same seq
    state and unread counts, and the same total unread. Returns the number
    of visible records compared."""
    await client.wait_idle()
    meta = bearer(account.token)
    seqs = (await api.msg.GetSeqs(msg_pb2.GetSeqsRequest(), metadata=meta)).seqs
    assert seqs, "the server reports no conversations"
    compared = 0
    for s in seqs:
        cid = s.conversation_id
        server = [
            m for m in await pull_all(api, account.token, cid, s.max_seq) if not m.placeholder
        ]
        local = await client.store.run(lambda tx, cid=cid: tx.stored_messages(cid))
        local_by_seq = {m.seq: m for m in local if m.seq > 0}
        assert sorted(local_by_seq) == [m.seq for m in server], f"seqs differ in {cid}"
        for m in server:
            mine = local_by_seq[m.seq]
            assert (mine.server_msg_id, mine.client_msg_id, mine.sender_id) == (
                m.server_msg_id,
                m.client_msg_id,
                m.sender_id,
            ), f"{cid}#{m.seq}"
            assert int(mine.status) == m.status, f"{cid}#{m.seq} status"
            assert mine.edit_version == m.edit_version, f"{cid}#{m.seq} edit version"
            if m.HasField("content"):
                assert mine.content == m.content, f"{cid}#{m.seq} content"
            else:
                assert mine.content is None or mine.content.ByteSize() == 0, f"{cid}#{m.seq}"
            if m.HasField("notification"):
                assert mine.notification == m.notification, f"{cid}#{m.seq} event"
            compared += 1
        conv = await client.get_conversation(cid)
        assert conv is not None, cid
        assert (conv.max_seq, conv.synced_seq, conv.min_seq, conv.has_read_seq) == (
            s.max_seq,
            s.max_seq,
            s.min_seq,
            s.has_read_seq,
        ), f"seq state of {cid}: {conv}"
        assert conv.unread_count == s.unread_count, f"unread of {cid}"
        if s.peer_has_read_seq:
            assert conv.peer_has_read_seq == s.peer_has_read_seq, f"peer read of {cid}"
    total = await api.conversations.GetTotalUnread(
        conversation_pb2.GetTotalUnreadRequest(), metadata=meta
    )
    assert await client.get_total_unread() == total.total_unread
    return compared


@dataclass
class Pair:
    """Two users, each with an open client and a recorder."""

    a: Account
    b: Account
    ca: ParleyClient
    cb: ParleyClient
    ra: Recorder = field(default_factory=Recorder)
    rb: Recorder = field(default_factory=Recorder)

    @property
    def cid(self) -> str:
        lo, hi = sorted((self.a.user_id, self.b.user_id))
        return f"si_{lo}_{hi}"
