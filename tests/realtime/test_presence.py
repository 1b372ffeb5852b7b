"""Cluster presence: what a watcher hears never runs ahead of the shared store,
so another gateway asked right after answers the same."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from parley.config import MultiLoginPolicy
from parley.gateway.v1 import gateway_pb2
from parley.realtime.presence import Presence
from parley.realtime.registry import Registry
from parley.storage.memory.presence import MemoryPresenceStore
from tests.realtime.test_registry import _session


class GatedStore(MemoryPresenceStore):
    """The in-process store, whose next route write waits until released:
    the window in which a stream can close while its opening is written."""

    def __init__(self) -> None:
        super().__init__()
        self.gate: asyncio.Event | None = None
        self.waiting = asyncio.Event()

    async def set_routes(self, node_id: str, routes: Mapping[str, Sequence[int]]) -> None:
        gate, self.gate = self.gate, None
        if gate is not None:
            self.waiting.set()
            await gate.wait()
        await super().set_routes(node_id, routes)


async def test_a_watcher_hears_offline_only_once_the_store_says_so() -> None:
    store = GatedStore()
    gw1 = Presence(Registry(MultiLoginPolicy.NO_KICK, notify_presence=False), "gw1", store)
    gw2 = Presence(Registry(MultiLoginPolicy.NO_KICK, notify_presence=False), "gw2", store)
    await gw1.start()
    await gw2.start()
    try:
        watcher = _session("w")
        gw1.registry.add(watcher)
        gw1.registry.watch(watcher, ["z"], [])
        await asyncio.sleep(0.05)
        while not watcher.queue.empty():
            watcher.queue.get_nowait()

        # z's phone opens, and closes while its opening is being written;
        # the write of its closing is held too.
        first = store.gate = asyncio.Event()
        phone = _session("z", "z-phone")
        gw1.registry.add(phone)
        await asyncio.wait_for(store.waiting.wait(), 5)
        gw1.registry.remove(phone)
        second = store.gate = asyncio.Event()
        first.set()

        heard = gateway_pb2.ServerFrame()
        for step in range(100):
            if step == 20:
                second.set()
            await asyncio.sleep(0.02)
            while not watcher.queue.empty():
                heard.ParseFromString(watcher.queue.get_nowait())
                if not heard.presence.status.online:
                    elsewhere = (await gw2.statuses(["z"]))[0]
                    assert not elsewhere.online, elsewhere
                    return
        raise AssertionError("the watcher never heard z go offline")
    finally:
        await gw1.stop()
        await gw2.stop()
