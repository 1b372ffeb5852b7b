"""Workers say they are alive, so operators see which answer.

Workers do not talk on the peers subject (a gateway would then wait for their
answers to every `ask`): each publishes its node id on `<prefix>.workers`
every heartbeat, and the gateways (`WorkerWatch`) list those heard from within
three heartbeats in AdminService.GetServerInfo."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from parley.bus.subjects import workers_subject

log = logging.getLogger(__name__)


class WorkerBeat:
    """A worker's heartbeat."""

    def __init__(self, nc: Client, prefix: str, node_id: str, heartbeat_seconds: float) -> None:
        self._nc = nc
        self._subject = workers_subject(prefix)
        self._payload = json.dumps({"n": node_id}).encode()
        self._heartbeat = heartbeat_seconds
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._beat(), name="worker-heartbeat")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task

    async def _beat(self) -> None:
        while True:
            try:
                await self._nc.publish(self._subject, self._payload)
            except Exception as e:
                # NATS away: the gateways stop listing this worker until it is back.
                log.debug("worker heartbeat not sent (%s)", e)
            await asyncio.sleep(self._heartbeat)


class WorkerWatch:
    """The workers a gateway hears from."""

    def __init__(self, nc: Client, prefix: str, heartbeat_seconds: float) -> None:
        self._nc = nc
        self._subject = workers_subject(prefix)
        self._heartbeat = heartbeat_seconds
        # node id -> monotonic time it was last heard of
        self._seen: dict[str, float] = {}
        self._sub: Subscription | None = None

    async def start(self) -> None:
        self._sub = await self._nc.subscribe(self._subject, cb=self._on_beat)

    async def stop(self) -> None:
        if self._sub is not None:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()

    def live(self) -> set[str]:
        cutoff = time.monotonic() - 3 * self._heartbeat
        # Workers come and go (a restarted pod may get a new id): forget the silent.
        self._seen = {n: t for n, t in self._seen.items() if t >= cutoff}
        return set(self._seen)

    async def _on_beat(self, msg: Msg) -> None:
        try:
            node = str(json.loads(msg.data)["n"])
        except (ValueError, KeyError, TypeError):
            log.warning("undecodable worker heartbeat")
            return
        self._seen[node] = time.monotonic()
