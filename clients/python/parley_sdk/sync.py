"""Sync by seq: everything the user missed, exactly once, in seq order.

Records (messages, events and placeholders) reach the `Syncer` from pushes
and pulls alike. They wait in a per-conversation buffer until they continue
the conversation's *synced seq* (every seq up to it is stored or known to be
empty); one applier task then applies consecutive runs in a transaction. A
push that leaves a hole triggers a pull of the hole. On every (re)connect,
`sync_all` compares the local synced seqs with the server's (GetSeqs, after
the changed conversations from ListConversations) and pulls what is missing,
in pages of at most 100 seqs per range and 20 ranges per call, with a bounded
number of calls in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from parley.common.v1 import common_pb2
from parley.conversation.v1 import conversation_pb2
from parley.msg.v1 import message_pb2, msg_pb2
from parley_sdk.apply import (
    Effects,
    apply_messages,
    apply_server_conversations,
    apply_server_seqs,
)
from parley_sdk.errors import ParleyError
from parley_sdk.rpc import Rpc
from parley_sdk.store import Store

log = logging.getLogger("parley_sdk.sync")
MAX_RANGE = 100
MAX_RANGES = 20
CURSOR_KEY = "conversations_version"


@dataclass(slots=True)
class SyncOptions:
    """Paging of sync pulls."""

    #: Seqs per range (the server's maximum is 100).
    range_size: int = MAX_RANGE
    #: Ranges per PullMessages call (the server's maximum is 20).
    ranges_per_call: int = MAX_RANGES
    #: PullMessages calls in flight at once.
    concurrency: int = 4
    #: Records applied per transaction.
    apply_batch: int = 1000


Range = tuple[str, int, int]


def split_ranges(ranges: list[Range], size: int, per_call: int) -> list[list[Range]]:
    """Splits inclusive seq ranges into pages of `size` seqs, grouped `per_call` per call."""
    pages: list[Range] = []
    for cid, begin, end in ranges:
        lo = begin
        while lo <= end:
            hi = min(end, lo + size - 1)
            pages.append((cid, lo, hi))
            lo = hi + 1
    return [pages[i : i + per_call] for i in range(0, len(pages), per_call)]


def _placeholder(conversation_id: str, seq: int) -> message_pb2.Message:
    return message_pb2.Message(conversation_id=conversation_id, seq=seq, placeholder=True)


class Syncer:
    """Buffers, orders and applies records; pulls what is missing."""

    def __init__(
        self,
        store: Store,
        rpc: Rpc,
        publish: Callable[[Effects], None],
        options: SyncOptions | None = None,
    ) -> None:
        self.store = store
        self.rpc = rpc
        self.publish = publish
        self.options = options or SyncOptions()
        self.me = ""
        self.synced: dict[str, int] = {}
        self._buffers: dict[str, dict[int, message_pb2.Message]] = {}
        self._dirty: set[str] = set()
        self._wake = asyncio.Event()
        self._flush_waiters: list[asyncio.Future[None]] = []
        self._seq_waiters: dict[str, list[tuple[int, asyncio.Future[None]]]] = {}
        self._gap_tasks: dict[str, asyncio.Task[None]] = {}
        self._task: asyncio.Task[None] | None = None
        self.lock = asyncio.Lock()
        self.syncing = False
        self.pulled_records = 0
        self.pull_calls = 0

    async def load(self) -> None:
        """Reads the synced seqs from the store."""
        self.synced = await self.store.run(lambda tx: tx.synced_seqs())

    def start(self) -> None:
        """Starts the applier."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(
                self._applier(), name="parley-apply"
            )

    async def stop(self) -> None:
        """Stops the applier and any gap pulls."""
        tasks = [t for t in (self._task, *self._gap_tasks.values()) if t is not None]
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        self._task = None
        self._gap_tasks.clear()
        for fut in self._flush_waiters:
            if not fut.done():
                fut.cancel()
        self._flush_waiters.clear()

    # -- intake -------------------------------------------------------------

    def add(self, record: message_pb2.Message, from_push: bool = True) -> None:
        """Takes a record for its seq (duplicates and old seqs are dropped)."""
        cid = record.conversation_id
        if not cid or record.seq < 1 or record.seq <= self.synced.get(cid, 0):
            return
        buf = self._buffers.setdefault(cid, {})
        buf.setdefault(record.seq, record)
        self._dirty.add(cid)
        self._wake.set()
        if from_push and not self.syncing and record.seq > self.synced.get(cid, 0) + 1:
            self.fill_gaps(cid)

    def fill_gaps(self, conversation_id: str) -> None:
        """Pulls the holes below buffered records of a conversation (once at a time)."""
        if conversation_id in self._gap_tasks:
            return
        task = asyncio.get_running_loop().create_task(self._fill_gaps(conversation_id))
        self._gap_tasks[conversation_id] = task
        task.add_done_callback(lambda _t: self._gap_tasks.pop(conversation_id, None))

    async def _fill_gaps(self, cid: str) -> None:
        try:
            for _ in range(20):
                await self.flush()
                buf = self._buffers.get(cid)
                top = self.synced.get(cid, 0)
                if not buf:
                    return
                low = min(buf)
                if low <= top + 1:
                    continue
                await self.pull([(cid, top + 1, low - 1)])
        except ParleyError as e:
            log.info("gap pull of %s failed (%s); the next sync recovers it", cid, e)

    # -- applying -----------------------------------------------------------

    def _take_runs(self) -> dict[str, list[message_pb2.Message]]:
        runs: dict[str, list[message_pb2.Message]] = {}
        budget = self.options.apply_batch
        for cid in sorted(self._dirty):
            buf = self._buffers.get(cid)
            top = self.synced.get(cid, 0)
            if buf:
                for seq in [s for s in buf if s <= top]:
                    del buf[seq]
            run = []
            nxt = top + 1
            while buf and nxt in buf and budget > 0:
                run.append(buf.pop(nxt))
                nxt += 1
                budget -= 1
            if not buf:
                self._buffers.pop(cid, None)
            if run:
                runs[cid] = run
            if budget > 0 or not run:
                self._dirty.discard(cid)
            if budget <= 0:
                break
        return runs

    async def _applier(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while True:
                runs = self._take_runs()
                if not runs:
                    break
                try:
                    async with self.lock:
                        fx, left = await self.store.run(
                            lambda tx, runs=runs: apply_messages(tx, runs, self.me)  # type: ignore[misc]
                        )
                        self._after(fx)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("applying records failed")
                    continue
                for records in left.values():
                    for r in records:
                        self.add(r, from_push=False)
                self.publish(fx)
            waiters, self._flush_waiters = self._flush_waiters, []
            for fut in waiters:
                if not fut.done():
                    fut.set_result(None)

    def _after(self, fx: Effects) -> None:
        """Mirrors the synced seqs a transaction set; wakes waiters. Call under `lock`."""
        for cid, seq in fx.synced.items():
            self.synced[cid] = seq
            if cid in self._buffers:
                self._dirty.add(cid)
                self._wake.set()
            waiters = self._seq_waiters.get(cid)
            if waiters:
                keep = []
                for target, fut in waiters:
                    if seq >= target:
                        if not fut.done():
                            fut.set_result(None)
                    else:
                        keep.append((target, fut))
                self._seq_waiters[cid] = keep

    async def flush(self) -> None:
        """Waits until every record that can be applied now was applied."""
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._flush_waiters.append(fut)
        self._wake.set()
        await fut

    async def wait_for_seq(self, conversation_id: str, seq: int, timeout: float) -> bool:
        """Waits until the conversation is synced up to `seq`, pulling it when a
        push does not bring it soon. Returns False on timeout."""
        if self.synced.get(conversation_id, 0) >= seq:
            return True
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._seq_waiters.setdefault(conversation_id, []).append((seq, fut))
        try:
            await asyncio.wait_for(asyncio.shield(fut), min(0.5, timeout))
            return True
        except TimeoutError:
            pass
        with contextlib.suppress(ParleyError):
            top = self.synced.get(conversation_id, 0)
            if top < seq:
                await self.pull([(conversation_id, top + 1, seq)])
        try:
            await asyncio.wait_for(fut, max(0.1, timeout - 0.5))
            return True
        except TimeoutError:
            return False

    async def run_locked(self, fn: Callable[..., Effects]) -> Effects:
        """Runs a store function that may move synced seqs, then publishes its effects."""
        async with self.lock:
            fx = await self.store.run(fn)
            self._after(fx)
        self.publish(fx)
        return fx

    # -- pulling ------------------------------------------------------------

    async def pull(self, ranges: list[Range]) -> None:
        """Pulls inclusive seq ranges (paged) and feeds the records in."""
        calls = split_ranges(
            ranges,
            max(1, min(self.options.range_size, MAX_RANGE)),
            max(1, min(self.options.ranges_per_call, MAX_RANGES)),
        )
        sem = asyncio.Semaphore(max(1, self.options.concurrency))

        async def one(pages: list[Range]) -> None:
            async with sem:
                req = msg_pb2.PullMessagesRequest(
                    ranges=[
                        msg_pb2.SeqRange(conversation_id=c, begin=b, end=e) for c, b, e in pages
                    ],
                    order=msg_pb2.PullOrder.PULL_ORDER_ASC,
                )
                resp = await self.rpc.pull(req)
                self.pull_calls += 1
                for (cid, begin, _end), result in zip(pages, resp.results, strict=False):
                    records = list(result.messages)
                    # Every visible seq of the range comes back (holes as placeholders),
                    # so seqs below the first one are under the user's min seq: empty.
                    if records and records[0].seq > begin:
                        for seq in range(begin, records[0].seq):
                            self.add(_placeholder(cid, seq), from_push=False)
                    for record in records:
                        self.pulled_records += 1
                        self.add(record, from_push=False)

        tasks = [asyncio.ensure_future(one(pages)) for pages in calls]
        try:
            await asyncio.gather(*tasks)
        finally:
            for t in tasks:
                t.cancel()

    async def sync_all(self, session_version: int) -> None:
        """The (re)connect sync: conversation changes, seq state, missing ranges."""
        self.syncing = True
        try:
            await self._sync_conversation_list(session_version)
            resp = await self.rpc.get_seqs(msg_pb2.GetSeqsRequest())
            seqs = list(resp.seqs)
            await self.run_locked(lambda tx: apply_server_seqs(tx, seqs, self.me))
            targets = {s.conversation_id: s.max_seq for s in seqs}
            for _ in range(10):
                ranges = [
                    (cid, self.synced.get(cid, 0) + 1, top)
                    for cid, top in sorted(targets.items())
                    if self.synced.get(cid, 0) < top
                ]
                if not ranges:
                    break
                before = dict(self.synced)
                await self.pull(ranges)
                await self.flush()
                if all(self.synced.get(c, 0) == before.get(c, 0) for c, _, _ in ranges):
                    log.warning("sync made no progress on %d conversations", len(ranges))
                    break
        finally:
            self.syncing = False
        for cid in list(self._buffers):
            self.fill_gaps(cid)

    async def _sync_conversation_list(self, session_version: int) -> None:
        cursor = int(await self.store.run(lambda tx: tx.get_meta(CURSOR_KEY)) or 0)
        if cursor and cursor == session_version:
            return
        token = ""
        version = 0
        while True:
            req = conversation_pb2.ListConversationsRequest(
                since_version=cursor,
                page=common_pb2.PageRequest(page_token=token, page_size=200),
            )
            resp = await self.rpc.list_conversations(req)
            version = version or resp.version
            items = list(resp.conversations)
            await self.run_locked(
                lambda tx, items=items: apply_server_conversations(tx, items, self.me)
            )  # type: ignore[misc]
            token = resp.page.next_page_token
            if not token:
                break
        await self.store.run(lambda tx: tx.set_meta(CURSOR_KEY, str(version)))
