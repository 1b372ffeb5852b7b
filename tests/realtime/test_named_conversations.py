"""Naming conversations that do not exist costs the server no memory (issue
12, finding C): delivery acks, pulls and seq queries for `si_<me>_<random>`
are accepted for any well-formed id containing the caller, so nothing may be
kept for them."""

from __future__ import annotations

import time
import uuid

import pytest

from parley.gateway.v1 import gateway_pb2
from parley.msg.v1 import msg_pb2
from tests.harness import Api, Device, P, ServerProcess, bearer, new_user_id

MiB = 1024 * 1024


def named(me: str) -> str:
    """A well-formed single-chat id with the caller and a random peer."""
    lo, hi = sorted((me, f"x-{uuid.uuid4().hex[:16]}"))
    return f"si_{lo}_{hi}"


def rss(server: ServerProcess) -> int:
    """VmRSS of the server process, bytes."""
    assert server.proc is not None
    status = open(f"/proc/{server.proc.pid}/status").read()
    kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))
    return int(kib) * 1024


async def name_conversations(dev: Device, me: str, n: int) -> None:
    """n delivery acks for fresh conversation ids, then a ping: frames are
    handled in order, so the pong says they all were."""
    for _ in range(n):
        frame = gateway_pb2.ClientFrame()
        frame.delivery_ack.conversation_id = named(me)
        frame.delivery_ack.delivered_seq = 5
        await dev.post(frame)
    ping = gateway_pb2.ClientFrame()
    ping.ping.client_time_ms = 1
    await dev.request(ping, timeout=600)
    # Acks are not answered: an error frame here means an id was refused.
    assert [f for f in dev.drain() if f.HasField("error")] == []


async def pull_and_query(api: Api, me: str, token: str, n: int) -> None:
    """Pulls and seq queries of n unknown conversations: empty answers."""
    for _ in range(n):
        cid = named(me)
        pulled = await api.msg.PullMessages(
            msg_pb2.PullMessagesRequest(
                ranges=[msg_pb2.SeqRange(conversation_id=cid, begin=1, end=10)]
            ),
            metadata=bearer(token),
        )
        assert list(pulled.results[0].messages) == [] and pulled.results[0].is_end
        seqs = await api.msg.GetSeqs(
            msg_pb2.GetSeqsRequest(conversation_ids=[cid]), metadata=bearer(token)
        )
        assert list(seqs.seqs) == []


@pytest.mark.slow
@pytest.mark.timeout(1200)  # two database reads per id: minutes on a loaded machine
async def test_memory_stays_flat_while_naming_40k_conversations(
    fresh_server: ServerProcess,
) -> None:
    fresh_server.start()
    api = Api(fresh_server.address, fresh_server.admin_secret)
    await api.login_admin()
    me = new_user_id()
    await api.register(me)
    token = await api.token(me)
    dev = Device(api.address, token, P.PLATFORM_IOS, "d")
    await dev.open()
    # Warm-up: the server's pools and caches reach their working size (the
    # unary path's in steps of about 2 MiB, over the first thousand calls).
    await name_conversations(dev, me, 10_000)
    await pull_and_query(api, me, token, 1000)
    before = rss(fresh_server)
    t0 = time.monotonic()
    await name_conversations(dev, me, 40_000)
    elapsed = time.monotonic() - t0
    grown = rss(fresh_server) - before
    print(f"40k conversations named in {elapsed:.1f}s: RSS {before / MiB:.1f} MiB")
    print(f"grown by {grown / MiB:.2f} MiB")
    # 17-19 MiB per 100k ids (linear) when every id was cached: ~7 MiB here;
    # 40k rather than 100k keeps the suite within its time budget.
    assert grown < 3 * MiB, f"grew {grown / MiB:.1f} MiB"
    await dev.close()
    await api.close()
