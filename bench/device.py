"""One simulated device: a user's bidirectional `GatewayService.Connect`
stream, or the browser's receive-only `GatewayService.Subscribe` stream,
opened through the generated stub and authenticated with its token."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any, Protocol

import grpc

from bench.provision import PLATFORM
from parley.gateway.v1 import gateway_pb2, gateway_pb2_grpc


class FrameSink(Protocol):
    """Where a device's incoming frames go (the worker)."""

    def on_frame(self, dev: Device, frame: gateway_pb2.ServerFrame) -> None: ...

    def on_closed(self, dev: Device, reason: str) -> None: ...


class Device:
    """One user's device and its stream. Frames to send go through a queue
    drained by one writer task (gRPC allows one pending write per call)."""

    __slots__ = (
        "call",
        "closed",
        "idx",
        "last_send",
        "out",
        "reader",
        "stub",
        "subscribe",
        "token",
        "user_id",
        "worker",
        "writer",
    )

    def __init__(
        self, worker: FrameSink, idx: int, user_id: str, token: str, subscribe: bool = False
    ) -> None:
        self.worker = worker
        # A Subscribe stream receives only; its heartbeats are unary calls.
        self.subscribe = subscribe
        self.stub: gateway_pb2_grpc.GatewayServiceStub | None = None
        self.idx = idx
        self.user_id = user_id
        self.token = token
        self.call: Any = None
        self.out: asyncio.Queue[gateway_pb2.ClientFrame | None] = asyncio.Queue()
        self.reader: asyncio.Task[None] | None = None
        self.writer: asyncio.Task[None] | None = None
        self.closed = False
        self.last_send = time.monotonic()

    @property
    def device_id(self) -> str:
        return f"bench-{self.user_id}"

    async def open(self, stub: gateway_pb2_grpc.GatewayServiceStub, timeout: float) -> None:
        self.stub = stub
        auth = gateway_pb2.ClientFrame(request_id="auth")
        auth.auth.token = self.token
        auth.auth.platform = PLATFORM
        auth.auth.device_id = self.device_id
        auth.auth.sdk_version = "parley-bench/0.1"
        if self.subscribe:
            self.call = stub.Subscribe(gateway_pb2.SubscribeRequest(auth=auth.auth))
        else:
            self.call = stub.Connect()
            await asyncio.wait_for(self.call.write(auth), timeout)
        first = await asyncio.wait_for(self.call.read(), timeout)
        if first is grpc.aio.EOF or not first.HasField("session"):
            raise ConnectionError(f"no session frame: {first!r}")
        loop = asyncio.get_running_loop()
        self.reader = loop.create_task(self._read())
        if not self.subscribe:
            self.writer = loop.create_task(self._write())

    def send(self, frame: gateway_pb2.ClientFrame) -> bool:
        if self.closed or self.subscribe:
            return False
        self.out.put_nowait(frame)
        self.last_send = time.monotonic()
        return True

    async def _write(self) -> None:
        call = self.call
        out = self.out
        try:
            while True:
                frame = await out.get()
                if frame is None:
                    await call.done_writing()
                    return
                await call.write(frame)
        except asyncio.CancelledError:
            raise
        except Exception:
            self.closed = True

    async def _read(self) -> None:
        call = self.call
        on_frame = self.worker.on_frame
        reason = "EOF"
        try:
            while True:
                frame = await call.read()
                if frame is grpc.aio.EOF:
                    break
                on_frame(self, frame)
        except asyncio.CancelledError:
            reason = "cancelled"
        except grpc.aio.AioRpcError as e:
            reason = str(e.code().name)
        except Exception as e:
            reason = type(e).__name__
        if not self.closed:
            self.closed = True
            self.worker.on_closed(self, reason)

    async def close(self) -> None:
        self.closed = True
        self.out.put_nowait(None)
        if self.writer is not None:
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(asyncio.shield(self.writer), 1.0)
        if self.call is not None:
            self.call.cancel()
        for t in (self.reader, self.writer):
            if t is not None:
                t.cancel()
