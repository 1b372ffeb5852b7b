"""The network layer: one bidirectional stream per client.

`Connection` opens `GatewayService.Connect`, authenticates with the first
frame, matches answers to requests by `request_id`, sends heartbeats, and
reconnects with exponential backoff and jitter after any failure until the
failure is final (kicked, token expired or invalid), reporting every state
change. Unary calls share its channel and carry `authorization: Bearer`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import grpc

from parley.gateway.v1 import gateway_pb2, gateway_pb2_grpc
from parley_sdk.errors import NotConnectedError, ParleyError, from_rpc_error, reason_of
from parley_sdk.models import ConnectionState

log = logging.getLogger("parley_sdk.network")

SDK_VERSION = "parley-python/0.1.0"
Address = str | Callable[[], str]

_KICKED_REASONS = frozenset(
    {"ERROR_REASON_KICKED", "ERROR_REASON_TOKEN_REVOKED", "ERROR_REASON_USER_BLOCKED"}
)
_AUTH_REASONS = frozenset(
    {
        "ERROR_REASON_TOKEN_INVALID",
        "ERROR_REASON_TOKEN_MISSING",
        "ERROR_REASON_PERMISSION_DENIED",
        "ERROR_REASON_ADMIN_REQUIRED",
    }
)


@dataclass(slots=True)
class NetworkOptions:
    """Tuning of the realtime connection (the defaults suit apps; tests shorten them)."""

    #: Seconds between pings; None uses the server's `heartbeat_interval_ms`.
    heartbeat_interval: float | None = None
    #: Seconds to wait for a pong (or the session frame) before dropping the stream.
    pong_timeout: float = 10.0
    #: Seconds to wait for the session frame after opening the stream.
    connect_timeout: float = 10.0
    #: First reconnect delay, seconds; doubles per failed attempt.
    backoff_initial: float = 0.5
    #: Largest reconnect delay, seconds.
    backoff_max: float = 30.0
    #: Default timeout of a request over the stream, seconds.
    request_timeout: float = 15.0
    #: Sent in the auth frame.
    sdk_version: str = SDK_VERSION
    #: TLS to the server, verified against the system's root certificates (or `ca_file`).
    tls: bool = False
    #: PEM CA certificates to trust instead of the system's, e.g. the certificate of
    #: `parley dev-cert`; setting it turns TLS on. Read at each connect, so a renewed
    #: CA is picked up on the next reconnect.
    ca_file: str | None = None

    def credentials(self) -> grpc.ChannelCredentials | None:
        """TLS credentials of the channel, or None for cleartext."""
        if self.ca_file:
            with open(self.ca_file, "rb") as f:
                roots: bytes | None = f.read()
        elif self.tls:
            roots = None
        else:
            return None
        credentials: grpc.ChannelCredentials = grpc.ssl_channel_credentials(roots)
        return credentials


class ConnectionHandler(Protocol):
    """What the connection reports to the layer above."""

    async def on_session(self, session: gateway_pb2.SessionFrame) -> None:
        """The stream is authenticated. Raising a ParleyError rejects it (final)."""

    def on_frame(self, frame: gateway_pb2.ServerFrame) -> None:
        """A pushed frame (anything that is not an answer to a request)."""

    def on_state(self, state: ConnectionState, detail: str) -> None:
        """The connection state changed."""

    def on_kicked(self, reason: str, by_platform: int) -> None:
        """The server sent a kicked frame."""


class _Final(Exception):
    def __init__(self, state: ConnectionState, detail: str) -> None:
        super().__init__(detail)
        self.state = state
        self.detail = detail


def classify(code: grpc.StatusCode | None, reason: str) -> ConnectionState | None:
    """The final state a stream failure leads to, or None when reconnecting may help."""
    if reason in _KICKED_REASONS:
        return ConnectionState.KICKED
    if reason == "ERROR_REASON_TOKEN_EXPIRED":
        return ConnectionState.TOKEN_EXPIRED
    if reason in _AUTH_REASONS:
        return ConnectionState.AUTH_FAILED
    if code == grpc.StatusCode.UNAUTHENTICATED and reason != "ERROR_REASON_AUTH_REQUIRED":
        return ConnectionState.AUTH_FAILED
    return None


def backoff_delay(attempt: int, initial: float, maximum: float) -> float:
    """Exponential backoff with jitter: uniform in [d/2, d], d = initial * 2**attempt."""
    d = min(maximum, initial * (2 ** min(attempt, 30)))
    return random.uniform(d / 2, d)


class Connection:
    """The realtime stream of one device, reconnecting until stopped."""

    def __init__(
        self,
        address: Address,
        token: str,
        platform: int,
        device_id: str,
        handler: ConnectionHandler,
        options: NetworkOptions | None = None,
    ) -> None:
        self._address = address
        self.token = token
        self.platform = platform
        self.device_id = device_id
        self.handler = handler
        self.options = options or NetworkOptions()
        self.state = ConnectionState.DISCONNECTED
        self.session: gateway_pb2.SessionFrame | None = None
        self.channel: grpc.aio.Channel | None = None
        self._call: Any = None
        self._pending: dict[str, asyncio.Future[gateway_pb2.ServerFrame]] = {}
        self._ids = itertools.count(1)
        self._write_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._stopped = False
        self._wake = asyncio.Event()
        self._connected = asyncio.Event()
        self._kicked_reason = ""
        self.connects = 0

    # -- public -------------------------------------------------------------

    @property
    def address(self) -> str:
        """The address to dial now."""
        return self._address() if callable(self._address) else self._address

    def metadata(self) -> tuple[tuple[str, str], ...]:
        """Call metadata of unary requests."""
        return (("authorization", f"Bearer {self.token}"),)

    def start(self) -> None:
        """Starts connecting in the background."""
        if self._task is None:
            self._stopped = False
            self._task = asyncio.get_running_loop().create_task(self._run(), name="parley-network")

    async def stop(self) -> None:
        """Closes the stream and stops reconnecting."""
        self._stopped = True
        self._wake.set()
        if self._call is not None:
            self._call.cancel()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        await self._close_channel()
        self._set_state(ConnectionState.CLOSED, "")

    def update_token(self, token: str) -> None:
        """Uses a new token from now on; reconnects if the old one had failed."""
        self.token = token
        if self.state.terminal and self.state != ConnectionState.CLOSED:
            self._wake.set()

    def reconnect(self) -> None:
        """Drops the current stream (or skips the backoff wait) and connects again."""
        if self._call is not None:
            self._call.cancel()
        self._wake.set()

    @property
    def connected(self) -> bool:
        """True while the stream is authenticated and open."""
        return self.state == ConnectionState.CONNECTED

    async def wait_connected(self, timeout: float | None = None) -> None:
        """Waits until the stream is open."""
        await asyncio.wait_for(self._connected.wait(), timeout)

    async def request(
        self, frame: gateway_pb2.ClientFrame, timeout: float | None = None
    ) -> gateway_pb2.ServerFrame:
        """Sends a request frame and returns the frame that answers it."""
        call = self._call
        if call is None or not self.connected:
            raise NotConnectedError()
        rid = frame.request_id or f"r{next(self._ids)}"
        frame.request_id = rid
        fut: asyncio.Future[gateway_pb2.ServerFrame] = asyncio.get_running_loop().create_future()
        self._pending[rid] = fut
        try:
            await self._write(call, frame)
            return await asyncio.wait_for(fut, timeout or self.options.request_timeout)
        finally:
            self._pending.pop(rid, None)

    async def post(self, frame: gateway_pb2.ClientFrame) -> None:
        """Sends a frame that gets no answer (typing, delivery ack)."""
        call = self._call
        if call is None or not self.connected:
            raise NotConnectedError()
        await self._write(call, frame)

    # -- internals ----------------------------------------------------------

    async def _write(self, call: Any, frame: gateway_pb2.ClientFrame) -> None:
        async with self._write_lock:
            try:
                await call.write(frame)
            except (grpc.aio.AioRpcError, grpc.aio.UsageError, RuntimeError) as e:
                raise NotConnectedError(f"stream write failed: {e}") from e

    def _set_state(self, state: ConnectionState, detail: str) -> None:
        if state == self.state and state != ConnectionState.DISCONNECTED:
            return
        self.state = state
        if state == ConnectionState.CONNECTED:
            self._connected.set()
        else:
            self._connected.clear()
        try:
            self.handler.on_state(state, detail)
        except Exception:
            log.exception("state handler failed")

    async def _close_channel(self) -> None:
        channel, self.channel = self.channel, None
        if channel is not None:
            with contextlib.suppress(Exception):
                await channel.close(None)

    async def _run(self) -> None:
        attempt = 0
        while not self._stopped:
            self._wake.clear()
            self._set_state(ConnectionState.CONNECTING, "")
            started = time.monotonic()
            detail = ""
            try:
                established = await self._connect_once()
                detail = "stream closed"
            except _Final as e:
                self._set_state(e.state, e.detail)
                self._fail_pending()
                await self._close_channel()
                # Wait for a new token (or stop) before trying again.
                await self._wake.wait()
                attempt = 0
                continue
            except asyncio.CancelledError:
                raise
            except Exception as e:
                established = False
                detail = str(e) or type(e).__name__
                log.debug("connection failed: %s", detail)
            self._fail_pending()
            if self._stopped:
                break
            self._set_state(ConnectionState.DISCONNECTED, detail)
            if established and time.monotonic() - started > 2 * self.options.backoff_initial:
                attempt = 0
            delay = backoff_delay(attempt, self.options.backoff_initial, self.options.backoff_max)
            attempt += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)

    def _fail_pending(self) -> None:
        pending, self._pending = self._pending, {}
        for fut in pending.values():
            if not fut.done():
                fut.set_exception(NotConnectedError("stream closed"))

    async def _connect_once(self) -> bool:
        """One stream's life; returns True when it was authenticated before it ended."""
        await self._close_channel()
        options = [
            ("grpc.max_receive_message_length", 64 * 1024 * 1024),
            ("grpc.enable_retries", 0),
        ]
        credentials = self.options.credentials()
        if credentials is None:
            self.channel = grpc.aio.insecure_channel(self.address, options=options)
        else:
            self.channel = grpc.aio.secure_channel(self.address, credentials, options=options)
        stub = gateway_pb2_grpc.GatewayServiceStub(self.channel)
        call = stub.Connect()
        self._kicked_reason = ""
        heartbeat: asyncio.Task[None] | None = None
        established = False
        try:
            auth = gateway_pb2.ClientFrame(request_id="auth")
            auth.auth.token = self.token
            auth.auth.platform = self.platform  # type: ignore[assignment]
            auth.auth.device_id = self.device_id
            auth.auth.sdk_version = self.options.sdk_version
            auth.auth.accept_batches = True
            try:
                await call.write(auth)
                first = await asyncio.wait_for(call.read(), self.options.connect_timeout)
            except grpc.aio.AioRpcError as e:
                self._raise_final(e.code(), reason_of(e.trailing_metadata()), e.details() or "")
                raise
            if first is grpc.aio.EOF or not first.HasField("session"):
                code = await call.code()
                self._raise_final(code, reason_of(await call.trailing_metadata()), "no session")
                raise ConnectionError(f"stream ended before the session frame ({code})")
            try:
                await self.handler.on_session(first.session)
            except ParleyError as e:
                raise _Final(ConnectionState.AUTH_FAILED, e.message) from e
            self.session = first.session
            self._call = call
            established = True
            self.connects += 1
            self._set_state(ConnectionState.CONNECTED, "")
            heartbeat = asyncio.get_running_loop().create_task(self._heartbeat(call))
            await self._read(call)
            return True
        except asyncio.CancelledError:
            # grpc raises CancelledError from read() when the call was cancelled
            # (by the heartbeat or `reconnect`); only a cancelled task stops here.
            task = asyncio.current_task()
            if self._stopped or (task is not None and task.cancelling()):
                raise
            if established:
                return True
            raise ConnectionError("stream cancelled") from None
        except grpc.aio.AioRpcError as e:
            self._raise_final(e.code(), reason_of(e.trailing_metadata()), e.details() or "")
            if established:
                return True
            raise
        finally:
            self._call = None
            if heartbeat is not None:
                heartbeat.cancel()
            call.cancel()

    def _raise_final(self, code: grpc.StatusCode | None, reason: str, detail: str) -> None:
        reason = reason or self._kicked_reason
        state = classify(code, reason)
        if state is not None:
            raise _Final(state, f"{reason or code}: {detail}")

    async def _read(self, call: Any) -> None:
        while True:
            frame = await call.read()
            if frame is grpc.aio.EOF:
                code = await call.code()
                details = await call.details()
                self._raise_final(code, reason_of(await call.trailing_metadata()), details or "")
                return
            if frame.HasField("batch"):
                # Frames the server queued together (we set accept_batches), in order.
                for inner in frame.batch.frames:
                    self._handle(inner)
            else:
                self._handle(frame)

    def _handle(self, frame: gateway_pb2.ServerFrame) -> None:
        rid = frame.request_id
        fut = self._pending.pop(rid, None) if rid else None
        if fut is not None:
            if not fut.done():
                fut.set_result(frame)
            return
        if frame.HasField("kicked"):
            from parley.common.v1 import common_pb2

            self._kicked_reason = common_pb2.ErrorReason.Name(frame.kicked.reason)
            try:
                self.handler.on_kicked(self._kicked_reason, int(frame.kicked.by_platform))
            except Exception:
                log.exception("kicked handler failed")
            return
        if frame.HasField("pong"):
            return
        try:
            self.handler.on_frame(frame)
        except Exception:
            log.exception("frame handler failed")

    async def _heartbeat(self, call: Any) -> None:
        session = self.session
        interval = self.options.heartbeat_interval
        if interval is None:
            ms = session.heartbeat_interval_ms if session is not None else 30_000
            interval = max(1.0, ms / 1000.0)
            if session is not None and session.idle_timeout_ms:
                interval = min(interval, session.idle_timeout_ms / 3000.0)
        while True:
            await asyncio.sleep(interval)
            ping = gateway_pb2.ClientFrame()
            ping.ping.client_time_ms = int(time.time() * 1000)
            try:
                await self.request(ping, timeout=self.options.pong_timeout)
            except (TimeoutError, NotConnectedError):
                log.info("heartbeat failed; dropping the stream")
                call.cancel()
                return


async def unary(fn: Any, request: Any, conn: Connection, timeout: float = 30.0) -> Any:
    """Runs a unary stub method with the token; failures become ParleyError."""
    if conn.channel is None:
        raise NotConnectedError("no channel yet")
    try:
        return await fn(request, metadata=conn.metadata(), timeout=timeout)
    except grpc.aio.AioRpcError as e:
        raise from_rpc_error(e) from e
