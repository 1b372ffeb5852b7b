"""Closed loops of unary MsgService calls (SendMessage, PullMessages) from
one worker, as the users whose tokens it holds."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Sequence
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
    addresses: Sequence[str],
    gateway_of: dict[str, int],
    tokens: dict[str, str],
    cmd: p.Unary,
    res: p.UnaryResult,
) -> p.UnaryResult:
    """`cmd.concurrency` loops of calls for `cmd.duration` seconds, filling
    `res` (its `calls` grow as they complete: the worker reports them). A
    call as user u goes to gateway `gateway_of[u]` (`cmd.channels` channels
    to each gateway)."""
    if not (cmd.pairs if cmd.kind == "send" else cmd.conversations):
        return res
    per_gw = max(1, cmd.channels)
    chans = [
        grpc.aio.insecure_channel(address, options=channel_options())
        for address in addresses
        for _ in range(per_gw)
    ]
    stubs = [msg_pb2_grpc.MsgServiceStub(c) for c in chans]
    errors: Counter[str] = Counter()
    md = {u: bearer(t) for u, t in tokens.items()}
    loop = asyncio.get_running_loop()
    cpu0 = cpu_seconds()
    t0 = loop.time()
    deadline = t0 + cmd.duration
    counter = 0

    def send_request() -> tuple[msg_pb2.SendMessageRequest, Metadata, str]:
        nonlocal counter
        user, peer = random.choice(cmd.pairs)
        counter += 1
        req = msg_pb2.SendMessageRequest()
        m = req.message
        m.client_msg_id = f"u{res.worker}-{counter}"
        m.session_type = ST.SESSION_TYPE_SINGLE
        m.recv_id = peer
        m.content.text.text = "unary bench"
        return req, md[user], user

    def pull_request() -> tuple[msg_pb2.PullMessagesRequest, Metadata, str]:
        user, cid, max_seq = random.choice(cmd.conversations)
        begin = random.randint(1, max(1, max_seq - cmd.pull_size + 1))
        rng = msg_pb2.SeqRange(conversation_id=cid, begin=begin, end=begin + cmd.pull_size - 1)
        return msg_pb2.PullMessagesRequest(ranges=[rng]), md[user], user

    def stub_for(user: str, k: int) -> Any:
        return stubs[gateway_of.get(user, 0) % len(addresses) * per_gw + k % per_gw]

    async def calls(k: int) -> None:
        while loop.time() < deadline:
            start = time.perf_counter()
            try:
                if cmd.kind == "send":
                    sreq, meta, user = send_request()
                    await stub_for(user, k).SendMessage(sreq, metadata=meta, timeout=30)
                    res.items += 1
                else:
                    preq, meta, user = pull_request()
                    resp = await stub_for(user, k).PullMessages(preq, metadata=meta, timeout=30)
                    res.items += sum(len(r.messages) for r in resp.results)
            except Exception as e:
                errors[status_name(e)] += 1
                await asyncio.sleep(0.01)  # no hot loop on a failing call
                continue
            res.lat_ms.append((time.perf_counter() - start) * 1000)
            res.done_t.append(loop.time() - t0)
            res.calls += 1

    try:
        await asyncio.gather(*(calls(k) for k in range(cmd.concurrency)))
    finally:
        for c in chans:
            await c.close()
    res.elapsed = loop.time() - t0
    res.errors = dict(errors)
    res.cpu_s = cpu_seconds() - cpu0
    return res
