"""Peers over core NATS: a change told by one node is applied by the others,
in the order it was told, and never by the teller; `ask` sums the live
peers' answers and does not wait for a peer that is gone."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from nats.aio.client import Client

from parley.bus.events import NatsPeers


@pytest.fixture
async def peers(nats_client: Client) -> AsyncIterator[list[NatsPeers]]:
    prefix = f"ev{uuid.uuid4().hex[:8]}"
    nodes = [NatsPeers(nats_client, prefix, f"n{i}", heartbeat_seconds=0.1) for i in range(3)]
    for p in nodes:
        await p.start()
    yield nodes
    for p in nodes:
        await p.stop()


async def until(cond: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_told_changes_reach_the_others_in_order(peers: list[NatsPeers]) -> None:
    seen: dict[str, list[int]] = {p.node_id: [] for p in peers}
    for p in peers:
        p.on("x.changed", lambda d, p=p: seen[p.node_id].append(d["i"]))
    for i in range(50):
        peers[0].tell("x.changed", {"i": i})
    await until(lambda: len(seen["n1"]) == 50 and len(seen["n2"]) == 50)
    assert seen["n1"] == seen["n2"] == list(range(50))
    await asyncio.sleep(0.1)
    assert seen["n0"] == []


async def test_ask_sums_the_answers_of_live_peers(peers: list[NatsPeers]) -> None:
    async def closes(data: dict[str, Any]) -> int:
        return int(data["n"])

    for p in peers:
        p.on("streams.close", closes)
    await until(lambda: peers[0].live_peers() == {"n1", "n2"})
    assert await peers[0].ask("streams.close", {"n": 3}) == 6
    # A peer that stops answering is waited for at most the ask timeout,
    # and forgotten once its heartbeats are missed.
    await peers[2].stop()
    started = time.monotonic()
    assert await peers[0].ask("streams.close", {"n": 2}) == 2
    assert time.monotonic() - started < 2.5
    await until(lambda: peers[0].live_peers() == {"n1"})
    started = time.monotonic()
    assert await peers[0].ask("streams.close", {"n": 1}) == 1
    assert time.monotonic() - started < 0.5


async def test_a_failing_handler_still_answers(peers: list[NatsPeers]) -> None:
    def broken(data: dict[str, Any]) -> int:
        raise RuntimeError("boom")

    peers[1].on("y", broken)
    peers[2].on("y", lambda d: 1)
    await until(lambda: peers[0].live_peers() == {"n1", "n2"})
    started = time.monotonic()
    assert await peers[0].ask("y", {}) == 1
    assert time.monotonic() - started < 0.5
