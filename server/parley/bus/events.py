"""Peers over core NATS (parley.domain.peers in cluster mode).

Every gateway subscribes to `<prefix>.peers`; a change is one JSON message
`{"k": kind, "n": sender node, "d": data}`. Core NATS delivers in order and
exactly once to a connected subscriber, so a node only misses changes while
it is disconnected: after a reconnect it reloads its caches (`on_resync`).
A node that is cut off keeps what it has to tell, in order, until its link
is back.
Each node also says it is alive on the subject every heartbeat, which is how
`ask` knows whose answers to wait for."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import time
from collections import defaultdict
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from parley.bus.subjects import peers_subject
from parley.domain.peers import Handler, Resync

log = logging.getLogger(__name__)

ALIVE = "node.alive"


class NatsPeers:
    def __init__(
        self,
        nc: Client,
        prefix: str,
        node_id: str,
        heartbeat_seconds: float = 5.0,
        ask_timeout_seconds: float = 2.0,
    ) -> None:
        self._nc = nc
        self._subject = peers_subject(prefix)
        self.node_id = node_id
        self._heartbeat = heartbeat_seconds
        self._ask_timeout = ask_timeout_seconds
        self._handlers: dict[str, list[Handler]] = defaultdict(list)
        self._resyncs: list[Resync] = []
        # node id -> monotonic time it was last heard of
        self._alive: dict[str, float] = {}
        self._sub: Subscription | None = None
        self._beat: asyncio.Task[None] | None = None
        self._sending: asyncio.Task[None] | None = None
        self._outbox: asyncio.Queue[tuple[bytes, str]] = asyncio.Queue()
        self._reconnects = 0
        self.applied = 0

    # -- life cycle -------------------------------------------------------

    async def start(self) -> None:
        self._sub = await self._nc.subscribe(self._subject, cb=self._on_message)
        self._reconnects = self._nc.stats["reconnects"]
        loop = asyncio.get_running_loop()
        self._sending = loop.create_task(self._send_loop(), name="peers-outbox")
        self._beat = loop.create_task(self._heartbeats(), name="peers-heartbeat")
        self._say(ALIVE, {})

    async def stop(self) -> None:
        for task in (self._beat, self._sending):
            if task is not None:
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
        if self._sub is not None:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()

    def live_peers(self) -> set[str]:
        cutoff = time.monotonic() - 3 * self._heartbeat
        return {n for n, seen in self._alive.items() if seen >= cutoff}

    def _forget_dead(self) -> None:
        # Node ids come and go (a restarted pod may get a new one): a node
        # not heard of for a while is forgotten; it is re-learned if it talks.
        cutoff = time.monotonic() - 10 * self._heartbeat
        self._alive = {n: seen for n, seen in self._alive.items() if seen >= cutoff}

    # -- Peers ------------------------------------------------------------

    def on(self, kind: str, handler: Handler) -> None:
        self._handlers[kind].append(handler)

    def on_resync(self, resync: Resync) -> None:
        self._resyncs.append(resync)

    def tell(self, kind: str, data: dict[str, Any]) -> None:
        self._say(kind, data)

    async def ask(self, kind: str, data: dict[str, Any]) -> int:
        expected = self.live_peers()
        answers: dict[str, int] = {}
        all_in = asyncio.Event()

        async def on_answer(msg: Msg) -> None:
            try:
                body = json.loads(msg.data)
                answers[str(body["n"])] = int(body["c"])
            except (ValueError, KeyError, TypeError):
                log.warning("undecodable peer answer")
                return
            if expected.issubset(answers):
                all_in.set()

        inbox = self._nc.new_inbox()
        sub = await self._nc.subscribe(inbox, cb=on_answer)
        try:
            self._say(kind, data, reply=inbox)
            if expected:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(all_in.wait(), self._ask_timeout)
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
        missing = expected.difference(answers)
        if missing:
            log.warning("no answer to %s from %s", kind, ", ".join(sorted(missing)))
        return sum(answers.values())

    # -- internals --------------------------------------------------------

    def _encode(self, kind: str, data: dict[str, Any]) -> bytes:
        return json.dumps({"k": kind, "n": self.node_id, "d": data}).encode()

    def _say(self, kind: str, data: dict[str, Any], reply: str = "") -> None:
        # One sender task keeps this node's changes in the order they were
        # made (a logout floor reaches a peer before the close it asks for).
        self._outbox.put_nowait((self._encode(kind, data), reply))

    async def _send_loop(self) -> None:
        while True:
            payload, reply = await self._outbox.get()
            delay = 0.1
            while True:
                try:
                    await self._nc.publish(self._subject, payload, reply=reply)
                    break
                except Exception as e:
                    # NATS away (the connection does not buffer): the peers
                    # stayed connected and will not resync, so this change
                    # and the ones queued after it wait for the link.
                    log.warning("telling peers failed (%s); retrying", e)
                    await asyncio.sleep(delay)
                    delay = min(2.0, delay * 2)

    async def _heartbeats(self) -> None:
        while True:
            await asyncio.sleep(self._heartbeat)
            self._say(ALIVE, {})
            self._forget_dead()
            reconnects = self._nc.stats["reconnects"]
            if reconnects != self._reconnects:
                self._reconnects = reconnects
                await self.resync()

    async def resync(self) -> None:
        log.info("reloading cached state after a lost link to the peers")
        for resync in self._resyncs:
            try:
                await resync()
            except Exception:
                log.warning("resync failed", exc_info=True)

    async def _on_message(self, msg: Msg) -> None:
        try:
            body = json.loads(msg.data)
            kind, node, data = str(body["k"]), str(body["n"]), body["d"]
            if not isinstance(data, dict):
                raise TypeError("data is not an object")
        except (ValueError, KeyError, TypeError):
            log.warning("undecodable peer message")
            return
        if node == self.node_id:
            return
        self._alive[node] = time.monotonic()
        if kind == ALIVE:
            return
        count = 0
        for handler in self._handlers.get(kind, ()):
            try:
                out = handler(data)
                if inspect.isawaitable(out):
                    out = await out
                count += int(out or 0)
            except Exception:
                log.warning("applying %s from %s failed", kind, node, exc_info=True)
        self.applied += 1
        if msg.reply:
            answer = json.dumps({"n": self.node_id, "c": count}).encode()
            with contextlib.suppress(Exception):
                await self._nc.publish(msg.reply, answer)
