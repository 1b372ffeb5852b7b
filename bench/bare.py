"""The transport ceiling: a bare grpc.aio server speaking the same
`GatewayService.Connect` frames as Parley, with nothing behind them. No
authentication, storage, routing tables or sessions: the auth frame is
answered with a session frame, a send with its ack and its push, each frame
serialized once.

`echo`: the push goes back to the sending stream (a one-to-one message costs
the transport what it costs Parley: one frame in, an ack and a push out).
`fanout`: the push goes to every other open stream (a group with everyone
online). Run by the benchmark as `python -m bench.bare MODE` (see
bench/server.py, BareServer); it prints the same listening line as
`parley serve`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import time
from collections.abc import AsyncIterator

import grpc

from parley.gateway.v1 import gateway_pb2

MODES = ("echo", "fanout")
METHOD = "/parley.gateway.v1.GatewayService/Connect"

ClientFrame = gateway_pb2.ClientFrame
ServerFrame = gateway_pb2.ServerFrame
Context = grpc.aio.ServicerContext[ClientFrame, bytes]


class Hub:
    """The open streams' outgoing queues (frames already serialized)."""

    def __init__(self, mode: str) -> None:
        self.fanout = mode == "fanout"
        self.streams: dict[int, asyncio.Queue[bytes | None]] = {}
        self.ids = itertools.count(1)
        self.seq = 0

    def answer(self, sid: int, frame: gateway_pb2.ClientFrame) -> None:
        own = self.streams[sid]
        kind = frame.WhichOneof("body")
        if kind == "send":
            m = frame.send.message
            self.seq += 1
            conv = m.group_id or m.recv_id
            ack = ServerFrame(request_id=frame.request_id)
            a = ack.send_ack.ack
            a.client_msg_id = m.client_msg_id
            a.conversation_id = conv
            a.seq = self.seq
            own.put_nowait(ack.SerializeToString())
            push = ServerFrame()
            pm = push.message.message
            pm.client_msg_id = m.client_msg_id
            pm.conversation_id = conv
            pm.seq = self.seq
            pm.content.CopyFrom(m.content)
            pm.extensions.update(m.extensions)
            data = push.SerializeToString()
            if self.fanout:
                for other, q in self.streams.items():
                    if other != sid:
                        q.put_nowait(data)
            else:
                own.put_nowait(data)
        elif kind == "ping":
            pong = ServerFrame(request_id=frame.request_id)
            pong.pong.client_time_ms = frame.ping.client_time_ms
            pong.pong.server_time_ms = time.time_ns() // 1_000_000
            own.put_nowait(pong.SerializeToString())

    async def connect(self, _requests: AsyncIterator[ClientFrame], context: Context) -> None:
        first = await context.read()
        if first is grpc.aio.EOF:
            return
        hello = ServerFrame(request_id=first.request_id)
        hello.session.server_time_ms = time.time_ns() // 1_000_000
        await context.write(hello.SerializeToString())
        sid = next(self.ids)
        out: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.streams[sid] = out
        reader = asyncio.get_running_loop().create_task(self._read(sid, context))
        try:
            while (data := await out.get()) is not None:
                await context.write(data)
        finally:
            self.streams.pop(sid, None)
            reader.cancel()
            with contextlib.suppress(BaseException):
                await reader

    async def _read(self, sid: int, context: Context) -> None:
        try:
            while (frame := await context.read()) is not grpc.aio.EOF:
                self.answer(sid, frame)
        finally:
            q = self.streams.get(sid)
            if q is not None:
                q.put_nowait(None)


def _identity(data: bytes) -> bytes:
    return data


async def serve(mode: str, listen: str) -> None:
    hub = Hub(mode)
    handler = grpc.stream_stream_rpc_method_handler(
        hub.connect,
        request_deserializer=ClientFrame.FromString,
        response_serializer=_identity,
    )
    server = grpc.aio.server(
        options=[("grpc.max_concurrent_streams", 1 << 20)],
    )
    service, method = METHOD.rsplit("/", 1)
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler(service.lstrip("/"), {method: handler}),)
    )
    port = server.add_insecure_port(listen)
    await server.start()
    host = listen.rsplit(":", 1)[0]
    print(f"bare {mode} server listening on {host}:{port}", flush=True)
    await server.wait_for_termination()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.bare")
    ap.add_argument("mode", choices=MODES)
    ap.add_argument("--listen", default="127.0.0.1:0")
    a = ap.parse_args(argv)
    # The same event loop as `parley serve` (uvloop when installed).
    try:
        import uvloop

        uvloop.run(serve(a.mode, a.listen))
    except ImportError:
        asyncio.run(serve(a.mode, a.listen))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
