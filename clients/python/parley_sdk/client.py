"""`ParleyClient`: the SDK's entry point, and the one place its parts are wired.

    async with ParleyClient(address, token, "ios", "phone-1", db_path="alice.db") as client:
        client.add_listener(MyListener())
        await client.wait_synced()
        for conv in await client.get_conversations():
            print(conv.conversation_id, conv.unread_count)
        await client.send_text(client.conversation_with("bob"), "hi Bob")

Every read works offline, from the local store. Writes go to the server and
land in the store as the server confirms them (sends are shown at once).
The features live in their own modules (conversations, messages, reads,
presence, users, relations, groups); `ClientApi` (api.py) is the flat API
over them; this module holds the life cycle and the stream's events.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from pathlib import Path

import grpc

from parley.gateway.v1 import gateway_pb2
from parley_sdk.api import ClientApi
from parley_sdk.apply import Effects, apply_delivered, set_read, total_unread
from parley_sdk.conversations import Conversations
from parley_sdk.errors import ClientClosedError, NotConnectedError, ParleyError
from parley_sdk.files import Files
from parley_sdk.groups import Groups
from parley_sdk.ids import group_conversation_id, parse_platform, single_conversation_id
from parley_sdk.listeners import Dispatcher, ParleyListener
from parley_sdk.messages import Messages
from parley_sdk.models import ChatMessage, ConnectionState, PresenceEvent, SendStatus, TypingEvent
from parley_sdk.network import Address, Connection, NetworkOptions
from parley_sdk.outbox import Outbox
from parley_sdk.presence import Presence
from parley_sdk.reads import ReadState
from parley_sdk.relations import Relations
from parley_sdk.rpc import Rpc
from parley_sdk.store import Store, Tx
from parley_sdk.sync import Syncer, SyncOptions
from parley_sdk.tasks import Tasks
from parley_sdk.users import Users

__all__ = [
    "ParleyClient",
    "group_conversation_id",
    "parse_platform",
    "single_conversation_id",
]

log = logging.getLogger("parley_sdk")
USER_KEY = "user_id"


class ParleyClient(ClientApi):
    """One user's device: realtime stream, sync, local store and listeners.

    `address` is ``host:port`` (or a callable returning it, asked on every
    connect attempt); `token` a user token from the app server; `platform` the
    token's platform; `device_id` a stable id of this installation; `db_path`
    the SQLite file of this user on this device (``":memory:"`` for none);
    `cache_dir` where downloaded files are kept (default ``<db_path>.files``;
    none for an in-memory store).
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
        cache_dir: str | Path | None = None,
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
        self.tasks = Tasks()
        me = self._me
        apply = self.syncer.run_locked
        self.relations = Relations(self.store, self.rpc, me)
        self.groups = Groups(self.store, self.rpc, me)
        self.outbox = Outbox(
            self.conn,
            apply,
            self.syncer.add,
            me,
            lambda: self._closed,
            send_timeout=send_timeout,
            request_timeout=self.conn.options.request_timeout,
        )
        self.conversations = Conversations(self.store, self.rpc, apply, me)
        self.messages = Messages(
            self.store,
            self.rpc,
            apply,
            self.outbox,
            self.syncer.wait_for_seq,
            self._require_user,
            me,
        )
        self.reads = ReadState(
            self.store, self.rpc, self.conn, apply, self.tasks.spawn, self._require_user, me
        )
        self.presence = Presence(self.conn)
        self.users = Users(self.store, self.rpc, self.conn, self._require_user)
        if cache_dir is None and str(db_path) != ":memory:":
            cache_dir = Path(f"{db_path}.files")
        self.files = Files(self.conn, Path(cache_dir) if cache_dir is not None else None)
        self.user_id = ""
        self._total_unread: int | None = None
        self._online_task: asyncio.Task[None] | None = None
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
        self._total_unread = await self.store.run(total_unread)
        stale = await self.store.run(lambda tx: tx.messages_with_status(SendStatus.SENDING))
        self.dispatcher.start()
        self.syncer.start()
        self.conn.start()
        self._opened = True
        # Sends interrupted by the app's exit go out again with the same client_msg_id (the
        # server stores a message once), as sends cut off by a reconnect do.
        for msg in stale:
            self.tasks.spawn(self._resume_send(msg))

    async def _resume_send(self, msg: ChatMessage) -> None:
        with contextlib.suppress(ParleyError):
            await self.outbox.transmit(msg, silent=False)

    async def close(self) -> None:
        """Closes the stream, delivers queued events and closes the store."""
        if self._closed or not self._opened:
            return
        self._closed = True
        await self.conn.stop()
        if self._online_task is not None:
            self._online_task.cancel()
        await self.tasks.cancel_all()
        if self._online_task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._online_task
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

    def _me(self) -> str:
        return self.user_id

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
            self.tasks.spawn(
                self._apply(
                    lambda tx: set_read(
                        tx, rs.conversation_id, rs.has_read_seq, self.user_id, False
                    )
                )
            )
        elif kind == "delivery_receipt":
            dr = frame.delivery_receipt
            self.tasks.spawn(
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
            await self.reads.flush_reads()
            await self.reads.flush_delivery()
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

    async def _apply(self, fn: Callable[[Tx], Effects]) -> Effects:
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
            self.reads.delivered(fx.delivered)
        if fx.refresh_conversations:
            self.tasks.spawn(self.conversations.refresh(sorted(fx.refresh_conversations)))
        for group_id in fx.refresh_groups:
            self.tasks.spawn(self._refresh_group(group_id))

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
