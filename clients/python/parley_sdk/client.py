"""`ParleyClient`: the SDK's entry point.

    async with ParleyClient(address, token, "ios", "phone-1", db_path="alice.db") as client:
        client.add_listener(MyListener())
        await client.wait_synced()
        for conv in await client.get_conversations():
            print(conv.conversation_id, conv.unread_count)
        await client.send_text(client.conversation_with("bob"), "hi Bob")

Every read works offline, from the local store. Writes go to the server and
land in the store as the server confirms them (sends are shown at once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import grpc

from parley.common.v1 import common_pb2
from parley.conversation.v1 import conversation_pb2
from parley.gateway.v1 import gateway_pb2
from parley.msg.v1 import content_pb2, message_pb2, msg_pb2
from parley.user.v1 import user_pb2
from parley_sdk.apply import (
    Effects,
    apply_delivered,
    apply_floor,
    apply_server_conversations,
    insert_outgoing,
    set_read,
)
from parley_sdk.content import text_content
from parley_sdk.convert import user_from_proto
from parley_sdk.errors import ClientClosedError, NotConnectedError, ParleyError, from_error_frame
from parley_sdk.events import delete_local, edit_local, revoke_local
from parley_sdk.groups import Groups
from parley_sdk.listeners import Dispatcher, ParleyListener
from parley_sdk.models import (
    ChatMessage,
    ConnectionState,
    Conversation,
    MessageChange,
    MessageReceipt,
    PresenceEvent,
    ReceiveOption,
    SendStatus,
    SessionType,
    TypingEvent,
    UserProfile,
)
from parley_sdk.network import Address, Connection, NetworkOptions
from parley_sdk.outbox import Outbox
from parley_sdk.relations import Relations
from parley_sdk.rpc import Rpc
from parley_sdk.store import Store, Tx
from parley_sdk.sync import Syncer, SyncOptions

log = logging.getLogger("parley_sdk")
P = common_pb2.Platform
USER_KEY = "user_id"


def parse_platform(platform: int | str) -> int:
    """A platform number from a number or a name (``"ios"``, ``"PLATFORM_IOS"``)."""
    if isinstance(platform, int):
        return platform
    name = platform.strip().upper()
    if name.isdigit():
        return int(name)
    if not name.startswith("PLATFORM_"):
        name = "PLATFORM_" + name
    return int(P.Value(name))


def single_conversation_id(a: str, b: str) -> str:
    """The conversation id of the single chat between two users."""
    lo, hi = sorted((a, b))
    return f"si_{lo}_{hi}"


def group_conversation_id(group_id: str) -> str:
    """The conversation id of a group."""
    return f"sg_{group_id}"


def _now_ms() -> int:
    return int(time.time() * 1000)


class ParleyClient:
    """One user's device: realtime stream, sync, local store and listeners.

    `address` is ``host:port`` (or a callable returning it, asked on every
    connect attempt); `token` a user token from the app server; `platform` the
    token's platform; `device_id` a stable id of this installation; `db_path`
    the SQLite file of this user on this device (``":memory:"`` for none).
    """

    def __init__(
        self,
        address: Address,
        token: str,
        platform: int | str,
        device_id: str,
        *,
        db_path: str | Path,
        listener: ParleyListener | None = None,
        network: NetworkOptions | None = None,
        sync: SyncOptions | None = None,
        send_timeout: float = 60.0,
        rpc_timeout: float = 30.0,
    ) -> None:
        self.store = Store(db_path)
        self.dispatcher = Dispatcher()
        if listener is not None:
            self.dispatcher.add(listener)
        self.conn = Connection(
            address, token, parse_platform(platform), device_id, self, network or NetworkOptions()
        )
        self.rpc = Rpc(self.conn, rpc_timeout)
        self.syncer = Syncer(self.store, self.rpc, self._publish, sync)
        self.relations = Relations(self.store, self.rpc, lambda: self.user_id)
        self.groups = Groups(self.store, self.rpc, lambda: self.user_id)
        self.outbox = Outbox(self, send_timeout)
        self.user_id = ""
        self._total_unread: int | None = None
        self._delivered: dict[str, int] = {}
        self._online_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._synced = asyncio.Event()
        self._opened = False
        self._closed = False

    # -- life cycle ---------------------------------------------------------

    async def __aenter__(self) -> ParleyClient:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def open(self) -> None:
        """Opens the local store and starts connecting (returns at once)."""
        if self._opened:
            return
        await self.store.open()
        stored = await self.store.run(lambda tx: tx.get_meta(USER_KEY))
        self.user_id = stored or ""
        self.syncer.me = self.user_id
        await self.syncer.load()
        self._total_unread = await self.store.run(_total_unread)
        # Sends interrupted by the app's exit are failed (the app may resend them).
        stale = await self.store.run(lambda tx: tx.messages_with_status(SendStatus.SENDING))
        for msg in stale:
            await self.outbox.set_status(msg.client_msg_id, SendStatus.FAILED, "interrupted")
        self.dispatcher.start()
        self.syncer.start()
        self.conn.start()
        self._opened = True

    async def close(self) -> None:
        """Closes the stream, delivers queued events and closes the store."""
        if self._closed or not self._opened:
            return
        self._closed = True
        await self.conn.stop()
        for task in [*self._tasks, self._online_task]:
            if task is not None:
                task.cancel()
        for task in [*self._tasks, self._online_task]:
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        await self.syncer.stop()
        await self.dispatcher.stop()
        await self.store.close()

    def add_listener(self, listener: ParleyListener) -> None:
        """Registers a listener (see `ParleyListener`)."""
        self.dispatcher.add(listener)

    def remove_listener(self, listener: ParleyListener) -> None:
        """Unregisters a listener."""
        self.dispatcher.remove(listener)

    @property
    def closed(self) -> bool:
        """True once `close()` was called."""
        return self._closed

    @property
    def state(self) -> ConnectionState:
        """The realtime stream's state."""
        return self.conn.state

    async def wait_connected(self, timeout: float | None = None) -> None:
        """Waits until the stream is open."""
        await self.conn.wait_connected(timeout)

    async def wait_synced(self, timeout: float | None = None) -> None:
        """Waits until the stream is open and the (re)connect sync finished."""
        await asyncio.wait_for(self._synced.wait(), timeout)

    async def wait_idle(self) -> None:
        """Waits until every received record is applied and every event delivered."""
        await self.syncer.flush()
        await self.dispatcher.wait_idle()

    def update_token(self, token: str) -> None:
        """Uses a new token (after TOKEN_EXPIRED, reconnects with it)."""
        self.conn.update_token(token)

    def reconnect(self) -> None:
        """Drops the stream and connects again (e.g. after the network changed)."""
        self.conn.reconnect()

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -- ConnectionHandler --------------------------------------------------

    async def on_session(self, session: gateway_pb2.SessionFrame) -> None:
        """Binds the store to the authenticated user (refuses another user's store)."""
        if self.user_id and session.user_id != self.user_id:
            raise ParleyError(
                grpc.StatusCode.FAILED_PRECONDITION,
                "ERROR_REASON_FAILED_PRECONDITION",
                f"the database belongs to {self.user_id!r}, the token to {session.user_id!r}",
            )
        if not self.user_id:
            uid = session.user_id
            await self.store.run(lambda tx: tx.set_meta(USER_KEY, uid))
            self.user_id = uid
            self.syncer.me = uid

    def on_state(self, state: ConnectionState, detail: str) -> None:
        """Reports the state and starts or stops the online work."""
        if state == ConnectionState.CONNECTED:
            self._online_task = asyncio.get_running_loop().create_task(self._online())
        else:
            self._synced.clear()
            if self._online_task is not None:
                self._online_task.cancel()
                self._online_task = None

        async def call(listener: ParleyListener) -> None:
            await listener.on_connection_state(state, detail)

        self.dispatcher.emit(call)

    def on_kicked(self, reason: str, by_platform: int) -> None:
        """Reports a kick."""

        async def call(listener: ParleyListener) -> None:
            await listener.on_kicked(reason, by_platform)

        self.dispatcher.emit(call)

    def on_frame(self, frame: gateway_pb2.ServerFrame) -> None:
        """Routes a pushed frame."""
        kind = frame.WhichOneof("body")
        if kind == "message":
            self.syncer.add(frame.message.message)
        elif kind == "notification":
            self.syncer.add(frame.notification.message)
        elif kind == "typing":
            t = frame.typing
            event = TypingEvent(t.conversation_id, t.user_id, t.typing)

            async def typing(listener: ParleyListener) -> None:
                await listener.on_typing(event)

            self.dispatcher.emit(typing)
        elif kind == "read_state":
            rs = frame.read_state
            self._spawn(
                self._apply(
                    lambda tx: set_read(
                        tx, rs.conversation_id, rs.has_read_seq, self.user_id, False
                    )
                )
            )
        elif kind == "delivery_receipt":
            dr = frame.delivery_receipt
            self._spawn(
                self._apply(
                    lambda tx: apply_delivered(
                        tx, self.user_id, dr.conversation_id, dr.user_id, dr.delivered_seq
                    )
                )
            )
        elif kind == "presence":
            st = frame.presence.status
            pe = PresenceEvent(st.user_id, st.online, tuple(int(p) for p in st.platforms))

            async def presence(listener: ParleyListener) -> None:
                await listener.on_presence(pe)

            self.dispatcher.emit(presence)

    async def _online(self) -> None:
        """After every connect: sync, then flush what waited for the server."""
        session = self.conn.session
        version = session.conversations_version if session is not None else 0

        async def started(listener: ParleyListener) -> None:
            await listener.on_sync_started()

        async def finished(listener: ParleyListener) -> None:
            await listener.on_sync_finished()

        self.dispatcher.emit(started)
        for attempt in range(1_000_000):
            try:
                await self.syncer.sync_all(version)
                break
            except asyncio.CancelledError:
                raise
            except ParleyError as e:
                if not e.transient:
                    log.warning("sync failed: %s", e)
                    return
                log.info("sync interrupted (%s); retrying", e)
            except Exception:
                log.exception("sync failed; retrying")
            await asyncio.sleep(min(5.0, 0.2 * 2 ** min(attempt, 5)))
        self._synced.set()
        self.dispatcher.emit(finished)
        try:
            await self._flush_reads()
            await self._flush_delivery()
            for feature in (self.relations, self.groups):
                if feature.available is False:
                    continue
                try:
                    await feature.refresh()
                except ParleyError as e:
                    log.info("refresh of %s failed: %s", type(feature).__name__, e)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("post-sync work failed")

    # -- publishing ---------------------------------------------------------

    async def _apply(self, fn: Any) -> Effects:
        return await self.syncer.run_locked(fn)

    def _publish(self, fx: Effects) -> None:
        for call in fx.calls:
            self.dispatcher.emit(call)
        if fx.conversations:
            convs = list(fx.conversations)

            async def changed(listener: ParleyListener) -> None:
                await listener.on_conversation_changed(convs)

            self.dispatcher.emit(changed)
        if fx.total_unread is not None and fx.total_unread != self._total_unread:
            self._total_unread = total = fx.total_unread

            async def unread(listener: ParleyListener) -> None:
                await listener.on_total_unread_changed(total)

            self.dispatcher.emit(unread)
        if fx.delivered:
            self._delivered.update(fx.delivered)
            if self.conn.connected:
                self._spawn(self._flush_delivery())
        if fx.refresh_conversations:
            self._spawn(self.refresh_conversations(sorted(fx.refresh_conversations)))
        for group_id in fx.refresh_groups:
            self._spawn(self._refresh_group(group_id))

    async def _flush_delivery(self) -> None:
        pending, self._delivered = self._delivered, {}
        for cid, seq in pending.items():
            frame = gateway_pb2.ClientFrame()
            frame.delivery_ack.conversation_id = cid
            frame.delivery_ack.delivered_seq = seq
            try:
                await self.conn.post(frame)
            except NotConnectedError:
                self._delivered[cid] = max(seq, self._delivered.get(cid, 0))

    async def _refresh_group(self, group_id: str) -> None:
        with contextlib.suppress(ParleyError):
            await self.groups.refresh_group(group_id)

    async def _require_user(self, timeout: float = 10.0) -> str:
        if self._closed:
            raise ClientClosedError()
        if not self.user_id:
            try:
                await self.conn.wait_connected(timeout)
            except TimeoutError as e:
                raise NotConnectedError("the user is not known before the first connect") from e
        return self.user_id

    # -- conversations ------------------------------------------------------

    def conversation_with(self, user_id: str) -> str:
        """The single-chat conversation id with another user."""
        if not self.user_id:
            raise NotConnectedError("the user is not known before the first connect")
        return single_conversation_id(self.user_id, user_id)

    async def get_conversations(self, include_notifications: bool = True) -> list[Conversation]:
        """Conversations (local): pinned first, then by latest activity."""

        def read(tx: Tx) -> list[Conversation]:
            out = []
            for c in tx.conversations():
                if not include_notifications and c.session_type == SessionType.NOTIFICATION:
                    continue
                c.latest_message = tx.latest_message(c.conversation_id)
                out.append(c)
            return out

        return await self.store.run(read)

    async def get_conversation(self, conversation_id: str) -> Conversation | None:
        """One conversation (local)."""

        def read(tx: Tx) -> Conversation | None:
            c = tx.conversation(conversation_id)
            if c is not None:
                c.latest_message = tx.latest_message(conversation_id)
            return c

        return await self.store.run(read)

    async def get_total_unread(self) -> int:
        """Total unread over conversations that are not NOT_RECEIVE (local)."""
        return await self.store.run(_total_unread)

    async def refresh_conversations(self, conversation_ids: Sequence[str]) -> None:
        """Reloads conversations' settings and state from the server."""
        try:
            resp = await self.rpc.get_conversations(
                conversation_pb2.GetConversationsRequest(conversation_ids=list(conversation_ids))
            )
        except ParleyError as e:
            log.info("conversation refresh failed: %s", e)
            return
        items = list(resp.conversations)
        await self._apply(lambda tx: apply_server_conversations(tx, items, self.user_id))

    async def set_conversation(
        self,
        conversation_id: str,
        *,
        pinned: bool | None = None,
        receive_option: int | None = None,
        draft: str | None = None,
        extension: str | None = None,
    ) -> Conversation:
        """Changes the user's settings of a conversation (synced to other devices)."""
        req = conversation_pb2.SetConversationRequest(conversation_id=conversation_id)
        if pinned is not None:
            req.pinned = pinned
        if receive_option is not None:
            req.receive_option = receive_option  # type: ignore[assignment]
        if draft is not None:
            req.draft = draft
        if extension is not None:
            req.extension = extension
        resp = await self.rpc.set_conversation(req)
        item = resp.conversation
        await self._apply(lambda tx: apply_server_conversations(tx, [item], self.user_id))
        conv = await self.get_conversation(conversation_id)
        assert conv is not None
        return conv

    async def pin(self, conversation_id: str, pinned: bool = True) -> Conversation:
        """Pins (or unpins) a conversation."""
        return await self.set_conversation(conversation_id, pinned=pinned)

    async def mute(self, conversation_id: str, muted: bool = True) -> Conversation:
        """Do-not-disturb on (NO_NOTIFY) or off (NORMAL)."""
        option = ReceiveOption.NO_NOTIFY if muted else ReceiveOption.NORMAL
        return await self.set_conversation(conversation_id, receive_option=option)

    async def set_draft(self, conversation_id: str, draft: str) -> Conversation:
        """Saves (or clears, with "") the draft of a conversation."""
        return await self.set_conversation(conversation_id, draft=draft)

    # -- messages: reads ----------------------------------------------------

    async def get_history(
        self,
        conversation_id: str,
        *,
        before_seq: int | None = None,
        limit: int = 50,
        include_events: bool = True,
    ) -> list[ChatMessage]:
        """The latest messages of a conversation (older than `before_seq` when
        given), oldest first; messages being sent come last (local)."""
        return await self.store.run(
            lambda tx: tx.history(conversation_id, before_seq, limit, include_events)
        )

    async def get_message(self, conversation_id: str, seq: int) -> ChatMessage | None:
        """The message at a seq (local)."""
        return await self.store.run(lambda tx: tx.message_at(conversation_id, seq))

    async def get_message_by_client_id(
        self, client_msg_id: str, sender_id: str = ""
    ) -> ChatMessage | None:
        """A message by its client id (the user's own by default; local)."""
        sender = sender_id or self.user_id
        return await self.store.run(lambda tx: tx.message_by_client_id(sender, client_msg_id))

    async def search_messages(
        self,
        keyword: str,
        *,
        conversation_id: str | None = None,
        sender_id: str | None = None,
        limit: int = 50,
    ) -> list[ChatMessage]:
        """Full-text search over the local messages, newest first (every word must match)."""
        return await self.store.run(
            lambda tx: tx.search(keyword, conversation_id, sender_id, limit)
        )

    async def search_messages_remote(
        self, keyword: str, conversation_id: str = "", limit: int = 50
    ) -> list[message_pb2.Message]:
        """Server-side search over every visible message."""
        resp = await self.rpc.search(
            msg_pb2.SearchMessagesRequest(
                keyword=keyword,
                conversation_id=conversation_id,
                page=common_pb2.PageRequest(page_size=limit),
            )
        )
        return list(resp.messages)

    # -- messages: sending --------------------------------------------------

    async def send_text(self, conversation_id: str, text: str, **kwargs: Any) -> ChatMessage:
        """Sends a text message (see `send_message`)."""
        return await self.send_message(conversation_id, text_content(text), **kwargs)

    async def send_message(
        self,
        conversation_id: str,
        content: content_pb2.Content,
        *,
        mention_user_ids: Sequence[str] = (),
        mention_all: bool = False,
        extensions: dict[str, str] | None = None,
        need_read_receipt: bool = False,
        silent: bool = False,
        client_msg_id: str | None = None,
    ) -> ChatMessage:
        """Sends a message local-first.

        The message is stored as SENDING and reported by `on_new_message` at
        once; it becomes SENT (with the server's seq and id) when acknowledged,
        or FAILED (see `error`) when the server refuses it or stays unreachable
        for `send_timeout` seconds. Returns the message in its final state.
        """
        me = await self._require_user()
        session_type, recv_id, group_id = _target(conversation_id, me)
        msg = ChatMessage(
            conversation_id=conversation_id,
            client_msg_id=client_msg_id or uuid.uuid4().hex,
            sender_id=me,
            session_type=session_type,
            recv_id=recv_id,
            group_id=group_id,
            content=content,
            send_status=SendStatus.SENDING,
            send_time_ms=_now_ms(),
            counts_unread=True,
            need_read_receipt=need_read_receipt,
            mention_user_ids=list(mention_user_ids),
            mention_all=mention_all,
            extensions=dict(extensions or {}),
        )
        await self._apply(lambda tx: insert_outgoing(tx, msg, me))
        return await self.outbox.transmit(msg, silent)

    async def resend(self, message: ChatMessage | str) -> ChatMessage:
        """Sends a FAILED message again with the same client id (the server
        stores it at most once)."""
        me = await self._require_user()
        cmid = message if isinstance(message, str) else message.client_msg_id
        current = await self.store.run(lambda tx: tx.message_by_client_id(me, cmid))
        if current is None:
            raise ValueError(f"no message {cmid!r} of this user")
        if current.send_status == SendStatus.SENT:
            return current
        await self.outbox.set_status(cmid, SendStatus.SENDING, "")
        return await self.outbox.transmit(current, False)

    async def delete_local_message(self, message: ChatMessage) -> None:
        """Removes an unsent (FAILED) message from the local store."""
        if message.send_status == SendStatus.SENT:
            raise ValueError("use delete_messages for sent messages")

        def work(tx: Tx) -> Effects:
            fx = Effects()
            current = tx.message_by_client_id(message.sender_id, message.client_msg_id)
            if current is not None:
                tx.delete_message(current.local_id)
                fx.message_updated(current, MessageChange.DELETED)
            return fx

        await self._apply(work)

    # -- messages: changes --------------------------------------------------

    async def revoke_message(self, conversation_id: str, seq: int) -> ChatMessage | None:
        """Revokes a message; returns it as stored afterwards."""
        resp = await self.rpc.revoke(
            msg_pb2.RevokeMessageRequest(conversation_id=conversation_id, seq=seq)
        )
        if not await self.syncer.wait_for_seq(conversation_id, resp.event_seq, 5.0):

            def work(tx: Tx) -> Effects:
                fx = Effects()
                target = tx.message_at(conversation_id, seq)
                if target is not None and revoke_local(tx, target):
                    fx.message_updated(target, MessageChange.REVOKED)
                return fx

            await self._apply(work)
        return await self.get_message(conversation_id, seq)

    async def edit_message(
        self, conversation_id: str, seq: int, content: content_pb2.Content | str
    ) -> ChatMessage | None:
        """Replaces a message's content (text or any content); returns it as stored."""
        if isinstance(content, str):
            content = text_content(content)
        resp = await self.rpc.edit(
            msg_pb2.EditMessageRequest(conversation_id=conversation_id, seq=seq, content=content)
        )
        if not await self.syncer.wait_for_seq(conversation_id, resp.event_seq, 5.0):
            ed = message_pb2.Message().notification.message_edited
            ed.conversation_id = conversation_id
            ed.seq = seq
            ed.content.CopyFrom(content)
            ed.edit_version = resp.edit_version

            def work(tx: Tx) -> Effects:
                fx = Effects()
                target = tx.message_at(conversation_id, seq)
                if target is not None and edit_local(tx, target, ed):
                    fx.message_updated(target, MessageChange.EDITED)
                return fx

            await self._apply(work)
        return await self.get_message(conversation_id, seq)

    async def delete_messages(
        self, conversation_id: str, seqs: Sequence[int], for_everyone: bool = False
    ) -> None:
        """Deletes messages for this user (all their devices) or for everyone."""
        scope = (
            msg_pb2.DeleteScope.DELETE_SCOPE_FOR_EVERYONE
            if for_everyone
            else msg_pb2.DeleteScope.DELETE_SCOPE_FOR_ME
        )
        await self.rpc.delete(
            msg_pb2.DeleteMessagesRequest(
                conversation_id=conversation_id, seqs=list(seqs), scope=scope
            )
        )
        wanted = list(seqs)

        def work(tx: Tx) -> Effects:
            from parley_sdk.apply import ConvCache

            fx = Effects()
            for gone in delete_local(tx, conversation_id, wanted):
                fx.message_updated(gone, MessageChange.DELETED)
            convs = ConvCache(tx, self.user_id)
            convs.touch(conversation_id)
            convs.finish(fx)
            return fx

        await self._apply(work)

    async def clear_conversation(self, conversation_id: str) -> None:
        """Clears a conversation's history for this user (all their devices)."""
        resp = await self.rpc.clear(
            msg_pb2.ClearConversationRequest(conversation_id=conversation_id)
        )
        await self._apply(lambda tx: apply_floor(tx, self.user_id, conversation_id, resp.min_seq))

    # -- read state, receipts, typing, presence ------------------------------

    async def mark_read(self, conversation_id: str, seq: int | None = None) -> Conversation | None:
        """Marks a conversation read up to `seq` (default: everything stored).

        Applied locally at once; sent now when online, else after the next connect.
        """
        me = await self._require_user()
        conv = await self.store.run(lambda tx: tx.conversation(conversation_id))
        if conv is None:
            return None
        target = seq if seq is not None else conv.synced_seq
        await self._apply(lambda tx: set_read(tx, conversation_id, target, me, True))
        if self.conn.connected:
            self._spawn(self._flush_reads())
        return await self.get_conversation(conversation_id)

    async def _flush_reads(self) -> None:
        pending = await self.store.run(lambda tx: tx.pending_reads())
        for cid, seq in pending:
            frame = gateway_pb2.ClientFrame()
            frame.mark_read.conversation_id = cid
            frame.mark_read.has_read_seq = seq
            try:
                answer = await self.conn.request(frame)
            except (NotConnectedError, TimeoutError):
                return
            done = 0
            if answer.HasField("error"):
                log.info("mark read of %s refused: %s", cid, answer.error.message)
            elif answer.HasField("mark_read_result"):
                done = answer.mark_read_result.has_read_seq

            def confirm(tx: Tx, cid: str = cid, sent: int = seq, done: int = done) -> Effects:
                tx.clear_pending_read(cid, sent)
                return set_read(tx, cid, done, self.user_id, False)

            await self._apply(confirm)

    async def get_message_receipts(
        self, conversation_id: str, seqs: Sequence[int]
    ) -> list[MessageReceipt]:
        """Read/delivery receipts of messages (from the server)."""
        resp = await self.rpc.receipts(
            msg_pb2.GetMessageReceiptsRequest(conversation_id=conversation_id, seqs=list(seqs))
        )
        return [
            MessageReceipt(
                r.seq, r.read_count, r.delivered_count, r.unread_count, tuple(r.reader_user_ids)
            )
            for r in resp.receipts
        ]

    async def typing(self, conversation_id: str, typing: bool = True) -> None:
        """Tells the other side the user is (or stopped) typing; a no-op offline."""
        frame = gateway_pb2.ClientFrame()
        frame.typing.conversation_id = conversation_id
        frame.typing.typing = typing
        with contextlib.suppress(NotConnectedError):
            await self.conn.post(frame)

    async def subscribe_presence(
        self, user_ids: Sequence[str], unsubscribe: Sequence[str] = ()
    ) -> list[PresenceEvent]:
        """Watches users' presence (changes come to `on_presence`); returns their current state."""
        frame = gateway_pb2.ClientFrame()
        frame.subscribe_presence.subscribe_user_ids.extend(user_ids)
        frame.subscribe_presence.unsubscribe_user_ids.extend(unsubscribe)
        answer = await self.conn.request(frame)
        if answer.HasField("error"):
            e = answer.error
            raise from_error_frame(e.code, e.reason, e.message)
        return [
            PresenceEvent(s.user_id, s.online, tuple(int(p) for p in s.platforms))
            for s in answer.presence_snapshot.statuses
        ]

    # -- users --------------------------------------------------------------

    async def get_users(self, user_ids: Sequence[str], refresh: bool = False) -> list[UserProfile]:
        """Profiles (local cache; unknown ones are fetched when online)."""
        ids = list(user_ids)
        cached = await self.store.run(lambda tx: tx.users(ids))
        known = {u.user_id for u in cached}
        missing = ids if refresh else [u for u in ids if u not in known]
        if missing and self.conn.channel is not None:
            try:
                resp = await self.rpc.get_users(missing)
            except ParleyError as e:
                log.info("profile fetch failed: %s", e)
            else:
                fetched = [user_from_proto(u) for u in resp.users]

                def save(tx: Tx) -> None:
                    for u in fetched:
                        tx.save_user(u)

                await self.store.run(save)
                cached = await self.store.run(lambda tx: tx.users(ids))
        return cached

    async def get_self(self) -> UserProfile | None:
        """The user's own profile."""
        me = await self._require_user()
        found = await self.get_users([me])
        return found[0] if found else None

    async def update_profile(
        self,
        *,
        nickname: str | None = None,
        avatar_url: str | None = None,
        extension: str | None = None,
    ) -> UserProfile:
        """Changes the user's own profile (only the given fields)."""
        req = user_pb2.UpdateProfileRequest()
        if nickname is not None:
            req.nickname = nickname
        if avatar_url is not None:
            req.avatar_url = avatar_url
        if extension is not None:
            req.extension = extension
        resp = await self.rpc.update_profile(req)
        profile = user_from_proto(resp.user)
        await self.store.run(lambda tx: tx.save_user(profile))
        return profile


def _total_unread(tx: Tx) -> int:
    from parley_sdk.apply import total_unread

    return total_unread(tx)


def _target(conversation_id: str, me: str) -> tuple[int, str, str]:
    """(session type, receiver, group) of a conversation to send to."""
    if conversation_id.startswith("si_"):
        users = conversation_id[3:].split("_")
        if len(users) != 2 or me not in users:
            raise ValueError(f"not a conversation of {me!r}: {conversation_id!r}")
        peer = users[1] if users[0] == me else users[0]
        return SessionType.SINGLE, peer, ""
    if conversation_id.startswith("sg_") and len(conversation_id) > 3:
        return SessionType.GROUP, "", conversation_id[3:]
    raise ValueError(f"cannot send to {conversation_id!r}")
