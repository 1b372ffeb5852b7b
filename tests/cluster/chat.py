"""What the cluster tests do with clients: devices on a given gateway,
waiting for routes and visibility, reading pushes."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable

import grpc
from redis.asyncio import Redis

from parley.common.v1 import common_pb2
from parley.msg.v1 import message_pb2, msg_pb2
from tests.cluster.conftest import Cluster
from tests.harness import Api, Device, bearer

P = common_pb2.Platform


async def admin_api(c: Cluster, gw: int = 0) -> Api:
    """Unary stubs on gateway `gw`, with an admin token."""
    api = Api(c.gateways[gw].address, c.admin_secret)
    await api.login_admin()
    return api


def cid_of(a: str, b: str) -> str:
    lo, hi = sorted((a, b))
    return f"si_{lo}_{hi}"


async def until(cond: Callable[[], Awaitable[bool]], timeout: float = 15.0) -> None:
    """Polls `cond` (an RPC error counts as not yet) until it holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(grpc.aio.AioRpcError):
            if await cond():
                return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def online_at(redis: Redis, c: Cluster, user: str, node: str) -> None:
    async def routed() -> bool:
        return node in await redis.hkeys(f"{c.redis_prefix}route:{user}")  # type: ignore[misc]

    await until(routed)


async def device(
    c: Cluster, api: Api, user: str, gw: int, device_id: str, platform: int = P.PLATFORM_IOS
) -> Device:
    d = Device(c.gateways[gw].address, await api.token(user, platform), platform, device_id)
    await d.open()
    return d


async def max_seq(api: Api, token: str, cid: str) -> int:
    resp = await api.msg.GetSeqs(msg_pb2.GetSeqsRequest(), metadata=bearer(token))
    return {s.conversation_id: s.max_seq for s in resp.seqs}.get(cid, 0)


async def wait_visible(api: Api, token: str, cid: str, n: int, timeout: float = 20.0) -> None:
    async def visible() -> bool:
        return await max_seq(api, token, cid) >= n

    await until(visible, timeout)


async def pushed_texts(d: Device, n: int, timeout: float = 15.0) -> list[tuple[int, str]]:
    out = []
    for _ in range(n):
        f = await d.next_frame("message", timeout)
        m = f.message.message
        out.append((m.seq, m.content.text.text))
    return out


def no_more_messages(d: Device) -> None:
    extra = [f for f in d.drain() if f.WhichOneof("body") == "message"]
    assert not extra, f"duplicate pushes: {extra}"


def texts(msgs: list[message_pb2.Message]) -> list[str]:
    return [m.content.text.text for m in msgs]


async def group_texts(d: Device, n: int, timeout: float = 15.0) -> list[str]:
    """The next n group messages pushed to d (events skipped), as texts."""
    out = []
    while len(out) < n:
        f = await d.next_frame("message", timeout)
        out.append(f.message.message.content.text.text)
    return out
