"""The worker side of the pipeline: persist what the log holds, in order,
then settle seqs (the visible max) and push.

One durable pull consumer per partition, shared by every worker process. A
consumer hands out at most `batch` unacked messages, so one batch per
partition is in flight at a time and a conversation's messages are written,
settled and pushed in log order, whichever worker holds the batch. A batch is
acked only after it is stored, settled and pushed; a worker that dies holding
one leaves it to be redelivered (to any worker) after ack_wait, and writing
it again is harmless (idempotent stores, idempotent settlement).

The visible max (docs/cluster.md): a seq is visible once every lower seq is
stored or a known hole. Holes are seqs that will never be written: a gateway
that could not publish says so (a hole envelope); a message appended to the
log later than publish_deadline + skew_margin after its allocation was never
acked to its sender and is refused (the late rule); and a gap below stored
seqs that outlives that same bound becomes holes. The last is judged by log
time: once this worker has processed a message appended at or after the
bound, everything appended before it was processed too (log order), so a
missing seq can no longer arrive in time. Idle partitions with gaps get tick
messages so that log time moves on.

A hole is made durable like a message before it is settled: the batch that
settles it also raises the conversation's max_seq in the stores. Redis and
the log are not the only record of it then, so after a Redis flush (with the
log aged out) the visible max and the counters, which start from the stores'
max, stay above every seq anyone was shown."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from parley.bus.codec import HOLE, MSG, TICK, Envelope, PushEvent
from parley.bus.jetstream import BusConfig, Publisher
from parley.bus.leases import PartitionLease
from parley.bus.subjects import push_subject
from parley.clock import now_ms
from parley.ids import parse_conversation_id
from parley.storage.batch import WriteBatch
from parley.storage.interfaces import MessageStore, PresenceStore
from parley.storage.records import Conversation
from parley.storage.redis.seqs import RedisSeqs

log = logging.getLogger(__name__)

# How long a fetch waits for messages (and its pull request lives).
FETCH_SECONDS = 1.0


async def _nak_unprocessed(sub: JetStreamContext.PullSubscription, batch: list[Msg]) -> None:
    """NAKs the batch's unacked messages and what was delivered to sub but
    not fetched yet, then unsubscribes."""
    left = [m for m in batch if not m.is_acked]
    # nats-py has no public drain; without its private queue (another
    # version) the deliveries come back after ack_wait instead.
    queue = getattr(getattr(sub, "_sub", None), "_pending_queue", None)
    while isinstance(queue, asyncio.Queue) and not queue.empty():
        m = queue.get_nowait()
        if not JetStreamContext.is_status_msg(m):
            left.append(m)
    for m in left:
        with contextlib.suppress(Exception):
            await m.nak()
    with contextlib.suppress(Exception):
        await sub.unsubscribe()


def _log_ms(m: Msg) -> int:
    ts = m.metadata.timestamp
    return int(ts.timestamp() * 1000) if ts is not None else int(time.time() * 1000)


class Worker:
    def __init__(
        self,
        nc: Client,
        js: JetStreamContext,
        cfg: BusConfig,
        store: MessageStore,
        seqs: RedisSeqs,
        presence: PresenceStore,
        partitions: list[int] | None = None,
        lease: PartitionLease | None = None,
    ) -> None:
        self._lease = lease
        self._nc = nc
        self._js = js
        self.cfg = cfg
        self._store = store
        self._seqs = seqs
        self._presence = presence
        self._publisher = Publisher(js, cfg)
        self.partitions = partitions if partitions is not None else list(range(cfg.partitions))
        self._tasks: list[asyncio.Task[None]] = []
        # Per partition: its pull subscription and the batch being processed
        # (what a stop hands back to JetStream).
        self._subs: dict[int, JetStreamContext.PullSubscription] = {}
        self._batches: dict[int, list[Msg]] = {}
        # Per partition: conversation -> log time (ms) after which its gaps are holes.
        self._gaps: dict[int, dict[str, int]] = defaultdict(dict)
        self.stored = 0
        self._stopping = False
        # The last conversation-list version given to a message that came late.
        self._version = 0
        self.restamped = 0

    def start(self) -> None:
        self._stopping = False
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._run(p), name=f"worker-{p}") for p in self.partitions]

    async def stop(self) -> None:
        # The flag as well as the cancel: asyncio.wait_for (Python 3.11) can
        # swallow a cancel that races with a fetched message.
        self._stopping = True
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        self._tasks = []
        # Hand every partition back as a surplus one is (_give_up): a batch
        # cut short and what the last pull delivered are NAKed, so the next
        # holder gets them before anything newer (unacked, they would come
        # back only after ack_wait, behind later messages whose gaps would
        # have become holes by then).
        if self._subs:
            await asyncio.sleep(FETCH_SECONDS + 0.2)
        for partition, sub in list(self._subs.items()):
            await _nak_unprocessed(sub, self._batches.get(partition, []))
        self._subs.clear()
        self._batches.clear()
        if self._lease is not None:
            with contextlib.suppress(Exception):
                await self._lease.leave()

    async def _run(self, partition: int) -> None:
        sub: JetStreamContext.PullSubscription | None = None
        last_tick = 0.0
        # A fetched batch stays this loop's until it is stored and acked: the
        # next fetch would hand out later messages of the partition, whose
        # gaps could become holes (by log time) before this batch comes back.
        batch: list[Msg] = []
        applied = False
        holding = False
        while not self._stopping:
            try:
                lease = self._lease
                if lease is not None and not await lease.hold(partition):
                    # Another worker took the partition over: its batch now.
                    batch, applied, holding = [], False, False
                    await asyncio.sleep(0.5)
                    continue
                if not holding:
                    holding = True
                    if lease is not None:
                        await self._handoff(partition)
                if not batch:
                    if sub is None:
                        sub = await self._js.pull_subscribe_bind(
                            durable=self.cfg.durable(partition), stream=self.cfg.stream
                        )
                        self._subs[partition] = sub
                    try:
                        batch = await sub.fetch(self.cfg.batch, timeout=FETCH_SECONDS)
                    except TimeoutError:
                        batch = []
                    self._batches[partition] = batch
                if batch and not applied:
                    await self._apply(partition, batch)
                    applied = True
                if batch:
                    # Acks fail while NATS is away: retried without a replay.
                    await self._finish(partition, batch)
                    batch, applied = [], False
                if lease is not None and lease.surplus(partition):
                    # Between batches: another worker's share now.
                    self._subs.pop(partition, None)
                    await self._give_up(lease, partition, sub)
                    sub, holding = None, False
                    continue
                if self._gaps[partition] and time.monotonic() - last_tick > 1.0:
                    last_tick = time.monotonic()
                    await self._publisher.tick(partition)
            except asyncio.CancelledError:
                raise
            except Exception:
                # NATS or Redis away: retry the batch (applying is idempotent).
                log.warning("worker partition %d: retrying", partition, exc_info=True)
                await asyncio.sleep(0.5)

    def _fresh_version(self) -> int:
        # The HybridVersionClock scheme (ms * 1000 + counter); nothing is
        # pending here, the write follows at once.
        self._version = max(self._version + 1, now_ms() * 1000)
        return self._version

    async def _give_up(
        self,
        lease: PartitionLease,
        partition: int,
        sub: JetStreamContext.PullSubscription | None,
    ) -> None:
        """Hands the partition over. A fetch's pull request may outlive the
        fetch and deliver into this worker's queue after it returned: wait it
        out, then NAK whatever was delivered but not processed, so JetStream
        redelivers it before anything newer (to the next holder), then
        release the lease."""
        if sub is not None:
            await asyncio.sleep(FETCH_SECONDS + 0.2)
            await _nak_unprocessed(sub, [])
        await lease.release(partition)

    async def _handoff(self, partition: int) -> None:
        """Before consuming a partition that changed hands: the previous
        holder's pull requests must have expired (no more deliveries to it).
        What it was delivered and did not ack is redelivered before anything
        newer: NAKed by a holder that gave the partition up, expired by the
        time a dead holder's lease does (the lease outlives ack_wait)."""
        durable = self.cfg.durable(partition)
        limit = time.monotonic() + 3 * FETCH_SECONDS + 1.0
        while time.monotonic() < limit and not self._stopping:
            info = await self._js.consumer_info(self.cfg.stream, durable)
            if not info.num_waiting:
                return
            await asyncio.sleep(0.1)

    async def process(self, partition: int, msgs: list[Msg]) -> None:
        """Stores, settles and pushes a batch, then acks it."""
        await self._apply(partition, msgs)
        await self._finish(partition, msgs)

    async def _finish(self, partition: int, msgs: list[Msg]) -> None:
        """Acks what is not acked yet, then turns gaps past their bound into holes."""
        for m in msgs:
            if not m.is_acked:
                await m.ack()
        log_now = max(_log_ms(m) for m in msgs)
        gaps = self._gaps[partition]
        for cid, bound in list(gaps.items()):
            if log_now >= bound:
                await self._fill(cid)
                del gaps[cid]

    async def _apply(self, partition: int, msgs: list[Msg]) -> None:
        """Idempotent: a batch that failed part way is applied again."""
        envs = [(Envelope.decode(m.data), _log_ms(m)) for m in msgs]
        by_conv: dict[str, list[int]] = defaultdict(list)
        for env, _ in envs:
            if env.kind == MSG:
                by_conv[env.conversation_id].append(env.seq)
        declared = {c: await self._seqs.holes(c, s) for c, s in by_conv.items()}
        merged = WriteBatch()
        stored: dict[str, list[int]] = defaultdict(list)
        newest_alloc: dict[str, int] = {}
        holes: dict[str, list[int]] = defaultdict(list)
        pushes: list[Envelope] = []
        for env, at in envs:
            cid = env.conversation_id
            if env.kind == TICK:
                continue
            if env.kind == HOLE:
                holes[cid].append(env.seq)
                continue
            late = at - env.alloc_ms > self.cfg.late_ms
            if late or env.seq in declared.get(cid, ()):
                if late:
                    log.warning("late append %s/%d refused (a hole)", cid, env.seq)
                holes[cid].append(env.seq)
                continue
            if env.batch is not None:
                merged.merge(env.batch)
            stored[cid].append(env.seq)
            newest_alloc[cid] = max(newest_alloc.get(cid, 0), env.alloc_ms)
            pushes.append(env)
        for cid, seqs in holes.items():
            merged.merge(self._covering(cid, max(seqs)))
        # A version older than this could be below cursors already handed
        # out by the time it is written (HybridVersionClock).
        stale = (now_ms() - self.cfg.restamp_after_ms) * 1000
        self.restamped += merged.restamp(stale, self._fresh_version)
        await self._write(merged, msgs)
        self.stored += sum(len(s) for s in stored.values())
        gaps = self._gaps[partition]
        for cid, seqs in stored.items():
            visible = await self._seqs.settle(cid, seqs)
            if visible < max(seqs):
                bound = newest_alloc[cid] + self.cfg.late_ms
                gaps[cid] = max(gaps.get(cid, 0), bound)
        for cid, seqs in holes.items():
            await self._seqs.settle(cid, seqs, hole=True)
        try:
            await self._push(pushes)
        except Exception as e:
            # Best effort (sync recovers a missed push): not worth a replay.
            log.warning("worker push failed: %s", e)

    def _covering(self, conversation_id: str, seq: int) -> WriteBatch:
        """The conversation row that makes `seq` a durable hole (max_seq)."""
        try:
            session_type = parse_conversation_id(conversation_id).session_type
        except Exception:
            # Gateways only allocate for valid ids; never stall a partition on one.
            log.warning("hole in malformed conversation %r not persisted", conversation_id)
            return WriteBatch()
        row = Conversation(conversation_id, session_type, seq, self._fresh_version(), now_ms())
        return WriteBatch(conversations={conversation_id: row})

    async def _write(self, batch: WriteBatch, msgs: list[Msg]) -> None:
        """Until it is stored: nothing later of this partition may pass it."""
        delay = 0.1
        while True:
            try:
                if not batch.is_empty():
                    await self._store.write(batch)
                return
            except Exception:
                log.warning("worker write failed; retrying", exc_info=True)
                for m in msgs:
                    with contextlib.suppress(Exception):
                        await m.in_progress()
                await asyncio.sleep(delay)
                delay = min(2.0, delay * 2)

    async def _fill(self, conversation_id: str) -> None:
        """Declares every missing seq below the settled ones a hole."""
        pending = await self._seqs.pending(conversation_id)
        if not pending:
            return
        visible = await self._seqs.visible_max(conversation_id)
        have = set(pending)
        missing = [s for s in range(visible + 1, max(pending)) if s not in have]
        if missing:
            # Below a settled seq, so the stores' max_seq already covers them.
            log.info("holes in %s: %s", conversation_id, missing[:20])
            await self._seqs.settle(conversation_id, missing, hole=True)

    async def _push(self, envs: list[Envelope]) -> None:
        users = sorted({u for e in envs for u in e.members})
        if not users:
            return
        routes = await self._presence.nodes_of(users)
        for env in envs:
            per_node: dict[str, list[str]] = defaultdict(list)
            for u in env.members:
                for node in routes.get(u, ()):
                    per_node[node].append(u)
            for node, node_users in per_node.items():
                event = PushEvent(node_users, env.frame, env.exclude)
                await self._nc.publish(push_subject(self.cfg.prefix, node), event.encode())
