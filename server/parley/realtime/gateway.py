"""The device's session and its two transports: `Connect` (the bidirectional
stream: authenticate, dispatch client frames) and `Subscribe` (a server
stream for browsers, whose client acts through unary calls). Both write the
session's queue and close with a reason; the registry, kicks, the idle sweep,
the slow-consumer close and shutdown see one kind of session."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from typing import Any

import grpc

from parley.clock import now_ms
from parley.common.v1 import common_pb2
from parley.config import Settings
from parley.domain.auth import Admission
from parley.domain.messages import Messages
from parley.domain.peers import (
    NO_PEERS,
    SESSION_OPENED,
    STREAMS_CLOSE,
    TOKEN_REVOKED,
    Peers,
)
from parley.domain.policy import FRAMES
from parley.domain.read_state import ReadState
from parley.domain.rules import Action
from parley.domain.tokens import Identity, TokenService
from parley.errors import ParleyError, R, Rejected, exhausted, invalid, unauthenticated, unavailable
from parley.gateway.v1 import gateway_pb2
from parley.log.versions import VersionClock
from parley.realtime.devices import Devices
from parley.realtime.presence import Presence
from parley.realtime.registry import Registry, conflicts
from parley.realtime.sessions import Session, TokenBucket

log = logging.getLogger("parley.gateway")
P = common_pb2.Platform
ST = common_pb2.SessionType
Ctx = grpc.aio.ServicerContext[Any, Any]


def client_msg_id(frame: gateway_pb2.ClientFrame) -> str:
    return frame.send.message.client_msg_id if frame.WhichOneof("body") == "send" else ""


def error_frame(request_id: str, err: ParleyError, client_msg_id: str = "") -> bytes:
    frame = gateway_pb2.ServerFrame(request_id=request_id)
    frame.error.code = err.code.value[0]
    frame.error.reason = err.reason  # type: ignore[assignment]
    frame.error.message = err.message
    frame.error.client_msg_id = client_msg_id
    return frame.SerializeToString()


class Gateway:
    """The streams, and their control for the domain (domain/ports.py
    StreamControl). Logouts, revocations, blocks and logins on other nodes
    reach the streams of this one through `peers`."""

    def __init__(
        self,
        settings: Settings,
        tokens: TokenService,
        admission: Admission,
        registry: Registry,
        messages: Messages,
        read_state: ReadState,
        versions: VersionClock,
        presence: Presence,
        peers: Peers = NO_PEERS,
    ) -> None:
        self.settings = settings
        self.presence = presence
        self.versions = versions
        self.tokens = tokens
        self.admission = admission
        self.registry = registry
        self.messages = messages
        self.read_state = read_state
        self.accepting = True
        self._sweeper: asyncio.Task[None] | None = None
        self._handlers: set[asyncio.Task[Any]] = set()
        self._inflight = asyncio.Semaphore(settings.limits.max_inflight_sends)
        self.frames_in = 0
        self.peers = peers
        self.devices = Devices(registry, peers)
        peers.on(TOKEN_REVOKED, lambda d: self.close_token(str(d["jti"])))
        peers.on(STREAMS_CLOSE, self._peer_close)
        peers.on(SESSION_OPENED, self._peer_session)

    # -- life cycle -------------------------------------------------------

    def start(self) -> None:
        self._sweeper = asyncio.get_running_loop().create_task(self._sweep(), name="idle-sweeper")

    async def shutdown(self) -> None:
        """Stop accepting; close every stream after its queued pushes."""
        self.accepting = False
        for s in self.registry.sessions():
            s.close(unavailable(R.ERROR_REASON_SHUTTING_DOWN, "server shutting down; reconnect"))
        if self._sweeper is not None:
            self._sweeper.cancel()

    async def _sweep(self) -> None:
        idle = self.settings.limits.idle_timeout_seconds
        period = max(0.05, min(1.0, idle / 4))
        while True:
            await asyncio.sleep(period)
            cutoff = time.monotonic() - idle
            for s in self.registry.sessions():
                if s.last_recv < cutoff:
                    s.close(
                        ParleyError(
                            grpc.StatusCode.DEADLINE_EXCEEDED,
                            R.ERROR_REASON_IDLE_TIMEOUT,
                            "no traffic within the idle timeout",
                        )
                    )

    # -- logout / kick ----------------------------------------------------

    @staticmethod
    def _kicked_frame(reason: int, by_platform: int = 0) -> bytes:
        frame = gateway_pb2.ServerFrame()
        frame.kicked.reason = reason  # type: ignore[assignment]
        frame.kicked.by_platform = by_platform  # type: ignore[assignment]
        return frame.SerializeToString()

    def _kick(self, s: Session, reason: int, by_platform: int = 0) -> None:
        s.close(
            unauthenticated(reason, common_pb2.ErrorReason.Name(reason)),  # type: ignore[arg-type]
            final=self._kicked_frame(reason, by_platform),
        )
        self.registry.remove(s)

    def sessions_of(self, user_id: str) -> list[Session]:
        return self.registry.sessions_of(user_id)

    async def close_user(self, user_id: str, platform: int, reason: int) -> int:
        """Closes the user's streams of `platform` (0: all) on every node;
        returns how many closed."""
        n = self._close(user_id, platform, reason)
        close = {"user_id": user_id, "platform": platform, "reason": reason}
        return n + await self.peers.ask(STREAMS_CLOSE, close)

    def _close(self, user_id: str, platform: int, reason: int) -> int:
        n = 0
        for s in self.registry.sessions_of(user_id):
            if platform in (P.PLATFORM_UNSPECIFIED, s.platform):
                self._kick(s, reason)
                n += 1
        return n

    def _peer_close(self, data: dict[str, Any]) -> int:
        return self._close(str(data["user_id"]), int(data["platform"]), int(data["reason"]))

    def close_token(self, jti: str) -> None:
        for s in self.registry.sessions():
            if isinstance(s.ident, Identity) and s.ident.jti == jti:
                self._kick(s, R.ERROR_REASON_TOKEN_REVOKED)

    async def _kick_for_login(self, old: Session, by_platform: int, new_jti: str) -> None:
        """A login took `old`'s slot under the multi-login policy."""
        old.close(
            unauthenticated(R.ERROR_REASON_KICKED, "another login took this slot"),
            final=self._kicked_frame(R.ERROR_REASON_KICKED, by_platform),
        )
        self.registry.remove(old)
        # Revoke the kicked device's token, unless the new login uses the
        # same token (it would lock the new device out too).
        if isinstance(old.ident, Identity) and old.ident.jti != new_jti:
            await self.tokens.revoke(old.ident)

    async def _peer_session(self, data: dict[str, Any]) -> None:
        """A stream of one of our users authenticated on another node: the
        multi-login policy applies across nodes (the newer login wins)."""
        user_id, device_id = str(data["user_id"]), str(data["device_id"])
        platform, connect_ms = int(data["platform"]), int(data["connect_ms"])
        for old in self.registry.sessions_of(user_id):
            if old.connect_ms > connect_ms:
                continue
            if old.device_id == device_id:
                self._replace(old)
            elif conflicts(self.registry.policy, platform, old.platform):
                await self._kick_for_login(old, platform, str(data["jti"]))

    def _replace(self, old: Session) -> None:
        old.close(unavailable(R.ERROR_REASON_KICKED, "replaced by a new stream of this device"))
        self.registry.remove(old)

    # -- the transports ---------------------------------------------------

    async def connect(self, request_iterator: Any, context: Ctx) -> None:
        """The bidirectional stream: this task reads the frames in; a writer
        task writes the frames out while there are any (Session)."""
        await self._refuse_when_closing(context)
        try:
            session = await self._authenticate(context)
        except ParleyError as e:
            await context.abort_with_status(e.to_status())
            return
        await self._serve(session, context, reading=True)

    async def subscribe(self, request: Any, context: Ctx) -> None:
        """The server stream: the request authenticates it, frames out; the
        client's sends, reads, typing and heartbeats come as unary calls."""
        await self._refuse_when_closing(context)
        try:
            if isinstance(request, Rejected):
                raise request.error
            if not isinstance(request, gateway_pb2.SubscribeRequest):
                raise invalid("request could not be decoded")
            if not request.HasField("auth"):
                raise unauthenticated(R.ERROR_REASON_AUTH_REQUIRED, "auth is required")
            session = await self._open(request.auth, "", context)
        except ParleyError as e:
            await context.abort_with_status(e.to_status())
            return
        await self._serve(session, context, reading=False)

    async def _refuse_when_closing(self, context: Ctx) -> None:
        if not self.accepting:
            err = unavailable(R.ERROR_REASON_SHUTTING_DOWN, "server shutting down")
            await context.abort_with_status(err.to_status())

    async def _serve(self, session: Session, context: Ctx, reading: bool) -> None:
        """Reads the stream (when `reading`), then waits until the session
        has written its queue up to its close (Session.end cancels this
        task), then ends the call with the close status (either transport)."""
        me = asyncio.current_task()
        session.attach(context, me)
        try:
            if reading:
                await self._read(session, context)
            # Until Session.end, or gRPC cancels the call because it is gone.
            await asyncio.get_running_loop().create_future()
        except asyncio.CancelledError:
            if not session.ended or me is None or not me.cancelling():
                raise
            me.uncancel()
        finally:
            session.handler = None
            writer = session.writer
            if writer is not None:
                session.writer = None
                writer.cancel()
            session.closed = True
            self.registry.remove(session)
        if session.close_error is not None:
            await context.abort_with_status(session.close_error.to_status())

    async def _authenticate(self, context: Ctx) -> Session:
        limits = self.settings.limits
        try:
            first = await asyncio.wait_for(context.read(), limits.auth_timeout_seconds)
        except TimeoutError as e:
            raise unauthenticated(R.ERROR_REASON_AUTH_REQUIRED, "no auth frame in time") from e
        if isinstance(first, Rejected):
            raise first.error
        if first is grpc.aio.EOF or not isinstance(first, gateway_pb2.ClientFrame):
            raise unauthenticated(R.ERROR_REASON_AUTH_REQUIRED, "stream ended before auth")
        if first.WhichOneof("body") != "auth":
            raise unauthenticated(R.ERROR_REASON_AUTH_REQUIRED, "the first frame must be auth")
        return await self._open(first.auth, first.request_id, context)

    async def _open(self, auth: gateway_pb2.AuthFrame, request_id: str, context: Ctx) -> Session:
        """Admits the device, registers its session (the multi-login policy
        here and on the peers) and writes the SessionFrame."""
        limits = self.settings.limits
        ident = self.admission.admit(auth.token, FRAMES["auth"].caller)
        if auth.platform != ident.platform:
            raise unauthenticated(R.ERROR_REASON_TOKEN_INVALID, "platform does not match the token")
        if not 1 <= len(auth.device_id) <= 128:
            raise invalid("device_id must be 1-128 chars")
        session = Session(
            ident,
            ident.user_id,
            ident.platform,
            auth.device_id,
            auth.sdk_version[:64],
            limits.send_queue_frames,
            TokenBucket(limits.send_rate_per_second, limits.send_burst),
            now_ms(),
        )
        session.listen_only = auth.listen_only
        session.batches = auth.accept_batches
        replaced, kicked = self.registry.add(session)
        for old in replaced:
            self._replace(old)
        for old in kicked:
            await self._kick_for_login(old, ident.platform, ident.jti)
        opened = {
            "user_id": ident.user_id,
            "device_id": auth.device_id,
            "platform": ident.platform,
            "jti": ident.jti,
            "connect_ms": session.connect_ms,
        }
        self.peers.tell(SESSION_OPENED, opened)
        hello = gateway_pb2.ServerFrame(request_id=request_id)
        hello.session.server_time_ms = now_ms()
        hello.session.user_id = ident.user_id
        hello.session.platform = ident.platform  # type: ignore[assignment]
        hello.session.device_id = auth.device_id
        hello.session.conversations_version = self.versions.safe()
        hello.session.heartbeat_interval_ms = int(limits.heartbeat_interval_seconds * 1000)
        hello.session.idle_timeout_ms = int(limits.idle_timeout_seconds * 1000)
        hello.session.max_frame_bytes = limits.max_frame_bytes
        hello.session.node_id = self.settings.node_id
        await context.write(hello.SerializeToString())
        return session

    async def _read(self, session: Session, context: Ctx) -> None:
        try:
            while not session.closed:
                frame = await context.read()
                if frame is grpc.aio.EOF:
                    await self._half_closed(session)
                    return
                session.last_recv = time.monotonic()
                self.frames_in += 1
                if isinstance(frame, Rejected):
                    # Refused whole (too large, a field out of bounds); the
                    # stream stays usable.
                    rid, cmid = frame.request.request_id, client_msg_id(frame.request)
                    session.send(error_frame(rid, frame.error, cmid))
                    continue
                if not isinstance(frame, gateway_pb2.ClientFrame):
                    session.close(invalid("frame could not be decoded"))
                    break
                await self._dispatch(session, frame)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.debug("stream read ended", exc_info=True)
        session.close()

    async def _half_closed(self, session: Session) -> None:
        """The client sends no more. A listen-only console keeps receiving
        pushes until it cancels; a one-shot sender (grpcurl with piped
        frames) gets the answers still pending, then the stream ends OK."""
        if session.listen_only:
            # It can send no heartbeat now: the idle timeout cannot apply, and
            # the transport's keepalive pings detect a peer that is gone.
            session.last_recv = math.inf
            return
        if session.tasks:
            await asyncio.wait(list(session.tasks))
        session.close()

    async def _dispatch(self, session: Session, frame: gateway_pb2.ClientFrame) -> None:
        rid = frame.request_id
        kind = frame.WhichOneof("body")
        try:
            if kind not in FRAMES:
                # A frame kind without a rule in api/policy.py is refused.
                raise invalid("unknown frame kind")
            if kind == "send":
                await self._send(session, rid, frame.send)
            elif kind == "ping":
                pong = gateway_pb2.ServerFrame(request_id=rid)
                pong.pong.client_time_ms = frame.ping.client_time_ms
                pong.pong.server_time_ms = now_ms()
                session.send(pong.SerializeToString())
            elif kind == "mark_read":
                self._spawn(self._mark_read(session, rid, frame.mark_read), session)
            elif kind == "delivery_ack":
                da = frame.delivery_ack
                await self.read_state.ack_delivery(
                    session.user_id, da.conversation_id, da.delivered_seq
                )
            elif kind == "typing":
                tf = frame.typing
                await self.typing(session.user_id, tf.conversation_id, tf.typing)
            elif kind == "subscribe_presence":
                sp = frame.subscribe_presence
                self.registry.watch(session, sp.subscribe_user_ids, sp.unsubscribe_user_ids)
                snap = gateway_pb2.ServerFrame(request_id=rid)
                snap.presence_snapshot.statuses.extend(
                    await self.presence.statuses(sp.subscribe_user_ids)
                )
                session.send(snap.SerializeToString())
            elif kind == "auth":
                raise invalid("already authenticated")
            else:
                raise invalid("unknown frame kind")
        except ParleyError as e:
            session.send(error_frame(rid, e, client_msg_id(frame)))

    async def _send(self, session: Session, rid: str, send: gateway_pb2.SendFrame) -> None:
        if not session.rate.take():
            raise exhausted(R.ERROR_REASON_RATE_LIMITED, "send rate exceeded; slow down")
        ident = session.ident
        assert isinstance(ident, Identity)
        # Admission control: this stream's reader waits here (and so stops
        # reading) while too many sends are in flight server-wide.
        await self._inflight.acquire()
        try:
            # Enqueued in frame order (so one device's messages keep their
            # order); the ack is written when the group commit is durable.
            waiter = await self.messages.enqueue(ident, send.message, exclude=session)
        except BaseException:
            self._inflight.release()
            raise
        cmid = send.message.client_msg_id

        async def finish() -> None:
            try:
                ack = await waiter()
            except ParleyError as e:
                session.send(error_frame(rid, e, cmid))
                return
            finally:
                self._inflight.release()
            out = gateway_pb2.ServerFrame(request_id=rid)
            out.send_ack.ack.CopyFrom(ack)
            session.send(out.SerializeToString())

        self._spawn(finish(), session)

    async def _mark_read(self, session: Session, rid: str, mr: gateway_pb2.MarkReadFrame) -> None:
        try:
            seq, unread = await self.read_state.mark_read(
                session.user_id, mr.conversation_id, mr.has_read_seq, exclude=session
            )
        except ParleyError as e:
            session.send(error_frame(rid, e))
            return
        out = gateway_pb2.ServerFrame(request_id=rid)
        out.mark_read_result.conversation_id = mr.conversation_id
        out.mark_read_result.has_read_seq = seq
        out.mark_read_result.unread_count = unread
        session.send(out.SerializeToString())

    async def typing(self, user_id: str, conversation_id: str, typing: bool) -> None:
        """Relays a typing indicator (a frame of Connect, a unary call beside Subscribe)."""
        access = self.read_state.access
        ref = (await access.admit(Action.TYPING, conversation_id, user_id)).ref
        out = gateway_pb2.ServerFrame()
        out.typing.conversation_id = conversation_id
        out.typing.user_id = user_id
        out.typing.typing = typing
        targets = [u for u in await access.recipients(ref) if u != user_id]
        # The log's pusher: typing reaches the members' streams on every node.
        self.read_state.log.pusher.push(targets, out)

    def _spawn(self, coro: Any, session: Session) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._handlers.add(task)
        task.add_done_callback(self._handlers.discard)
        if session.tasks is None:
            session.tasks = set()
        session.tasks.add(task)
        task.add_done_callback(session.tasks.discard)
