"""FrameBatch: frames queued for a busy stream go out in one write, to the
clients that accept it (AuthFrame.accept_batches), in order; an idle stream
writes each frame at once."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import grpc
import pytest

from parley.gateway.v1 import gateway_pb2, gateway_pb2_grpc
from parley.realtime.batches import MAX_BATCH_BYTES, encode_batch
from parley.realtime.sessions import CLOSE, Session, TokenBucket
from tests.harness import Api, Device, P, ServerProcess, new_user_id

FLOOD = 200
TEXT = "z" * 30_000  # FLOOD of these is far past what HTTP/2 flow control lets through


async def _user(api: Api) -> tuple[str, str]:
    uid = new_user_id()
    await api.register(uid)
    return uid, await api.token(uid, P.PLATFORM_IOS)


class RawStream:
    """A stream read only when the test says so (the harness Device reads at once)."""

    def __init__(self, address: str, token: str, accept_batches: bool) -> None:
        self.channel = grpc.aio.insecure_channel(address)
        self.out: asyncio.Queue[gateway_pb2.ClientFrame] = asyncio.Queue()
        self.token = token
        self.accept_batches = accept_batches
        self.call: Any = None

    async def _frames(self):  # type: ignore[no-untyped-def]
        while True:
            yield await self.out.get()

    async def open(self) -> None:
        self.call = gateway_pb2_grpc.GatewayServiceStub(self.channel).Connect(self._frames())
        auth = gateway_pb2.ClientFrame(request_id="auth")
        auth.auth.token = self.token
        auth.auth.platform = P.PLATFORM_IOS
        auth.auth.device_id = uuid.uuid4().hex[:8]
        auth.auth.accept_batches = self.accept_batches
        await self.out.put(auth)
        first = await asyncio.wait_for(self.call.read(), 10)
        assert first.HasField("session")

    async def read(self, timeout: float = 30.0) -> gateway_pb2.ServerFrame:
        frame = await asyncio.wait_for(self.call.read(), timeout)
        assert isinstance(frame, gateway_pb2.ServerFrame)
        return frame

    async def close(self) -> None:
        self.call.cancel()
        await self.channel.close()


def _text_frame(recv_id: str, i: int) -> gateway_pb2.ClientFrame:
    frame = gateway_pb2.ClientFrame()
    m = frame.send.message
    m.client_msg_id = f"flood-{i}"
    m.session_type = 1
    m.recv_id = recv_id
    m.content.text.text = TEXT
    return frame


@pytest.mark.parametrize("accept_batches", [True, False])
async def test_a_busy_stream_gets_batches_only_when_it_accepts_them(
    fresh_server: ServerProcess, accept_batches: bool
) -> None:
    # The flood goes out at once: no rate limit in the way.
    fresh_server.env.update(
        PARLEY_LIMITS__SEND_RATE_PER_SECOND="100000", PARLEY_LIMITS__SEND_BURST="100000"
    )
    fresh_server.start()
    api = Api(fresh_server.address, fresh_server.admin_secret)
    await api.login_admin()
    _a, ta = await _user(api)
    b, tb = await _user(api)
    receiver = RawStream(api.address, tb, accept_batches)
    await receiver.open()
    sender = Device(api.address, ta, P.PLATFORM_IOS, "sender")
    await sender.open()
    # The receiver reads nothing while the flood is sent: its writes stall on
    # flow control and the pushes queue up behind them.
    acks = await asyncio.gather(
        *(sender.request(_text_frame(b, i), timeout=60) for i in range(FLOOD))
    )
    assert all(ack.HasField("send_ack") for ack in acks), acks[0]
    seqs: list[int] = []
    batches = 0
    while len(seqs) < FLOOD:
        frame = await receiver.read()
        frames = list(frame.batch.frames) if frame.HasField("batch") else [frame]
        batches += frame.HasField("batch")
        for inner in frames:
            assert inner.WhichOneof("body") == "message"
            seqs.append(inner.message.message.seq)
    # Every message pushed once, in seq order, whether batched or not.
    assert seqs == sorted(set(seqs)) and len(seqs) == FLOOD
    assert seqs[-1] - seqs[0] == FLOOD - 1
    if accept_batches:
        assert batches > 0
    else:
        assert batches == 0
    await sender.close()
    await receiver.close()
    await api.close()


async def test_an_idle_stream_gets_its_push_alone_and_at_once(api: Api) -> None:
    _a, ta = await _user(api)
    b, tb = await _user(api)
    receiver = RawStream(api.address, tb, accept_batches=True)
    await receiver.open()
    sender = Device(api.address, ta, P.PLATFORM_IOS, "sender")
    await sender.open()
    for i in range(3):
        reading = asyncio.ensure_future(receiver.read())
        started = time.monotonic()
        ack = await sender.request(_text_frame(b, i))
        push = await reading
        # Nothing else was queued: the push is written as it comes, no batch,
        # no wait for company (a timer would show as a delay here).
        assert push.WhichOneof("body") == "message"
        assert push.message.message.seq == ack.send_ack.ack.seq
        assert time.monotonic() - started < 5.0
    await sender.close()
    await receiver.close()


def _session(batches: bool) -> Session:
    s = Session(None, "u", P.PLATFORM_IOS, "d", "", 1024, TokenBucket(1, 1), 0)
    s.batches = batches
    return s


def _frame(seq: int, size: int = 10) -> bytes:
    f = gateway_pb2.ServerFrame()
    f.message.message.seq = seq
    f.message.message.content.text.text = "x" * size
    return f.SerializeToString()


async def test_take_batches_in_order_up_to_close_and_the_size_limit() -> None:
    s = _session(batches=True)
    big = MAX_BATCH_BYTES // 3
    for seq in (1, 2, 3, 4):
        s.send(_frame(seq, big))
    s.close()  # CLOSE after the four frames: never inside a batch
    first = gateway_pb2.ServerFrame.FromString(s.take())
    assert [f.message.message.seq for f in first.batch.frames] == [1, 2]
    second = gateway_pb2.ServerFrame.FromString(s.take())
    assert [f.message.message.seq for f in second.batch.frames] == [3, 4]
    assert s.take() is CLOSE


async def test_take_without_batches_gives_one_frame_each() -> None:
    s = _session(batches=False)
    for seq in (1, 2, 3):
        s.send(_frame(seq))
    assert [gateway_pb2.ServerFrame.FromString(s.take()).message.message.seq for _ in range(3)] == [
        1,
        2,
        3,
    ]


def test_encode_batch_is_a_serialized_frame_batch() -> None:
    frames = [_frame(1), _frame(2, 300)]
    expected = gateway_pb2.ServerFrame()
    expected.batch.frames.extend(gateway_pb2.ServerFrame.FromString(f) for f in frames)
    assert encode_batch(frames) == expected.SerializeToString()


class _Wire:
    """Takes a session's writes, as the servicer context does."""

    def __init__(self) -> None:
        self.frames: list[bytes] = []

    async def write(self, data: bytes) -> None:
        self.frames.append(data)

    def seqs(self) -> list[int]:
        return [gateway_pb2.ServerFrame.FromString(f).message.message.seq for f in self.frames]


async def test_an_idle_session_holds_no_queue_and_no_writer_task() -> None:
    s = _session(batches=False)
    wire = _Wire()
    s.attach(wire, None)
    assert s.pending is None and s.writer is None and s.tasks is None and s.watching is None
    s.send(_frame(1))
    writer = s.writer
    assert writer is not None
    await writer
    # Written out: the writer task is gone and the stream keeps no deque.
    assert wire.seqs() == [1] and s.pending is None and s.writer is None
    s.send(_frame(2))
    s.send(_frame(3))
    assert s.writer is not None
    await s.writer
    assert wire.seqs() == [1, 2, 3]


async def test_frames_queued_before_attach_wait_for_it() -> None:
    s = _session(batches=False)
    s.send(_frame(1))
    assert s.writer is None  # the SessionFrame is not written yet
    wire = _Wire()
    s.attach(wire, None)
    assert s.writer is not None
    await s.writer
    assert wire.seqs() == [1]


async def test_the_close_ends_the_handler_after_the_queue() -> None:
    s = _session(batches=False)
    handler = asyncio.get_running_loop().create_task(asyncio.sleep(30))
    wire = _Wire()
    s.attach(wire, handler)
    s.send(_frame(1))
    s.close()
    with pytest.raises(asyncio.CancelledError):
        await handler
    assert wire.seqs() == [1] and s.ended
