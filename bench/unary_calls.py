"""Closed loops of unary MsgService calls (SendMessage, PullMessages) from
one worker, as the users whose tokens it holds."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from typing import Any

import grpc

from bench import protocol as p
from bench.phase import cpu_seconds
from bench.provision import Metadata, bearer, channel_options
from parley.common.v1 import common_pb2
from parley.msg.v1 import msg_pb2, msg_pb2_grpc

ST = common_pb2.SessionType


def status_name(err: BaseException) -> str:
    if isinstance(err, grpc.aio.AioRpcError):
        return str(err.code().name)
    return type(err).__name__


async def run_unary(
    address: str, tokens: dict[str, str], cmd: p.Unary, res: p.UnaryResult
) -> p.UnaryResult:
    """`cmd.concurrency` loops of calls for `cmd.duration` seconds, filling
    `res` (its `calls` grow as they complete: the worker reports them)."""
    if not (cmd.pairs if cmd.kind == "send" else cmd.conversations):
        return res
    chans = [
        grpc.aio.insecure_channel(address, options=channel_options())
        for _ in range(max(1, cmd.channels))
    ]
    stubs = [msg_pb2_grpc.MsgServiceStub(c) for c in chans]
    errors: Counter[str] = Counter()
    md = {u: bearer(t) for u, t in tokens.items()}
    loop = asyncio.get_running_loop()
    cpu0 = cpu_seconds()
    t0 = loop.time()
    deadline = t0 + cmd.duration
    counter = 0

    def send_request() -> tuple[msg_pb2.SendMessageRequest, Metadata]:
        nonlocal counter
        user, peer = random.choice(cmd.pairs)
        counter += 1
        req = msg_pb2.SendMessageRequest()
        m = req.message
        m.client_msg_id = f"u{res.worker}-{counter}"
        m.session_type = ST.SESSION_TYPE_SINGLE
        m.recv_id = peer
        m.content.text.text = "unary bench"
        return req, md[user]

    def pull_request() -> tuple[msg_pb2.PullMessagesRequest, Metadata]:
        user, cid, max_seq = random.choice(cmd.conversations)
        begin = random.randint(1, max(1, max_seq - cmd.pull_size + 1))
        rng = msg_pb2.SeqRange(conversation_id=cid, begin=begin, end=begin + cmd.pull_size - 1)
        return msg_pb2.PullMessagesRequest(ranges=[rng]), md[user]

    async def calls(stub: Any) -> None:
        while loop.time() < deadline:
            start = time.perf_counter()
            try:
                if cmd.kind == "send":
                    sreq, meta = send_request()
                    await stub.SendMessage(sreq, metadata=meta, timeout=30)
                    res.items += 1
                else:
                    preq, meta = pull_request()
                    resp = await stub.PullMessages(preq, metadata=meta, timeout=30)
                    res.items += sum(len(r.messages) for r in resp.results)
            except Exception as e:
                errors[status_name(e)] += 1
                await asyncio.sleep(0.01)  # no hot loop on a failing call
                continue
            res.lat_ms.append((time.perf_counter() - start) * 1000)
            res.done_t.append(loop.time() - t0)
            res.calls += 1

    try:
        await asyncio.gather(*(calls(stubs[k % len(stubs)]) for k in range(cmd.concurrency)))
    finally:
        for c in chans:
            await c.close()
    res.elapsed = loop.time() - t0
    res.errors = dict(errors)
    res.cpu_s = cpu_seconds() - cpu0
    return res
