"""A rolling upgrade on the real engines: old gateways still append BSON
entries while new ones append protobuf, into the same log; the workers
persist both, and a resend finds its original in either format."""

from __future__ import annotations

import asyncio

import pytest

from parley.bus.codec import MSG, Envelope
from parley.bus.jetstream import DuplicateAppend
from tests.bus.bson_writer import encode_bson
from tests.bus.conftest import Bus
from tests.bus.test_pipeline import append, now_ms, uid, until
from tests.storage.contracts.rows import chat_batch


async def old_gateway_append(
    bus: Bus, cid: str, sender: str, members: list[str], text: str
) -> Envelope:
    """What a gateway of the release before protobuf appends."""
    seq = await bus.seqs.allocate(cid)
    batch = chat_batch(cid, sender, members, [text], first_seq=seq)
    env = Envelope(MSG, cid, seq, now_ms(), batch, members, f"frame-{seq}".encode())
    ack = await bus.js.publish(
        bus.publisher.subject(cid),
        encode_bson(env),
        stream=bus.cfg.stream,
        headers={"Nats-Msg-Id": f"{sender}:{batch.messages[0].client_msg_id}"},
    )
    assert not ack.duplicate
    return env


async def test_a_worker_persists_and_pushes_old_and_new_entries_in_order(bus: Bus) -> None:
    a, b = f"a{uid()}", f"b{uid()}"
    cid = f"si_{a}_{b}"
    got, sub = await bus.pushes_to(b)
    assert (await old_gateway_append(bus, cid, a, [a, b], "old one")).seq == 1
    await append(bus, cid, a, [a, b], "new two")
    assert (await old_gateway_append(bus, cid, a, [a, b], "old three")).seq == 3
    assert await bus.publisher.last_seq(cid) == 3
    bus.worker().start()

    async def all_visible() -> bool:
        return await bus.seqs.visible_max(cid) == 3

    await until(all_visible)
    rows = await bus.store.get_range(cid, 1, 10)
    assert [(r.seq, r.search_text) for r in rows] == [
        (1, "old one"),
        (2, "new two"),
        (3, "old three"),
    ]
    frames = [(await asyncio.wait_for(got.get(), 5)).frame for _ in range(3)]
    assert frames == [b"frame-1", b"frame-2", b"frame-3"]
    conv = await bus.conversations.get_conversation(cid)
    assert conv is not None and conv.max_seq == 3
    await sub.unsubscribe()


async def test_a_resend_through_a_new_gateway_finds_the_old_original(bus: Bus) -> None:
    a, b = f"a{uid()}", f"b{uid()}"
    cid = f"si_{a}_{b}"
    first = await old_gateway_append(bus, cid, a, [a, b], "once")
    assert first.batch is not None
    cmid = first.batch.messages[0].client_msg_id
    again = Envelope(MSG, cid, 2, now_ms(), chat_batch(cid, a, [a, b], ["once"], 2), [a, b])
    with pytest.raises(DuplicateAppend) as e:
        await bus.publisher.append(again, f"{a}:{cmid}", 2.0)
    assert e.value.original == first
