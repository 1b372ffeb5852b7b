"""Group commit: writes that arrive within a few milliseconds share one
transaction (and one fsync), so throughput does not hang on one fsync per message.

Each submitted write carries an `on_done` callback that runs in submission
order right after its batch committed (or failed), before any later batch is
written: seq settlement and pushes therefore happen in seq order.

A write that is dropped as a duplicate or fails leaves its seq a hole. The
writer then persists the conversation rows of those writes alone (their
max_seq), so that the hole is covered by a durable record before anyone is
shown it (the hole rule, log/seqs.py); `on_done` says whether it was."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from parley.log.versions import VersionClock
from parley.storage.batch import WriteBatch
from parley.storage.interfaces import MessageStore
from parley.storage.records import Message

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Item:
    batch: WriteBatch
    # Resolves to None once stored, or to the stored original when the write
    # was a resend of an existing (sender, client_msg_id).
    future: asyncio.Future[Message | None] | None
    # (stored, covered): covered when a durable record covers the batch's
    # conversation max_seq (always when stored).
    on_done: Callable[[bool, bool], None] | None
    dedup: tuple[str, str] | None = None


class CommitQueue:
    def __init__(
        self,
        store: MessageStore,
        delay_ms: float,
        max_batch: int,
        versions: VersionClock | None = None,
    ) -> None:
        self._store = store
        self._delay = delay_ms / 1000.0
        self._max = max_batch
        self._queue: asyncio.Queue[_Item | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.batches = 0
        self.items = 0
        # Told which conversation-list versions are written.
        self.versions = versions

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="commit-queue")

    async def stop(self) -> None:
        if self._task is None:
            return
        self._queue.put_nowait(None)
        await self._task
        self._task = None

    def submit_nowait(
        self,
        batch: WriteBatch,
        on_done: Callable[[bool, bool], None] | None = None,
        wait: bool = True,
        dedup: tuple[str, str] | None = None,
    ) -> asyncio.Future[Message | None] | None:
        """Enqueues without suspending (so callers keep seq order). Returns a
        future that resolves when the batch is durable, or None if not waited.

        With `dedup` (sender, client_msg_id), the writer first looks the key up
        (one query per batch, not one per send): if it is already stored, this
        write is dropped, `on_done(False, covered)` runs (its seq becomes a
        hole) and the future resolves to the stored original."""
        if self._task is None:
            raise RuntimeError("commit queue is not running")
        fut = asyncio.get_running_loop().create_future() if wait else None
        self._queue.put_nowait(_Item(batch, fut, on_done, dedup))
        return fut

    async def submit(
        self, batch: WriteBatch, on_done: Callable[[bool, bool], None] | None = None
    ) -> None:
        fut = self.submit_nowait(batch, on_done)
        assert fut is not None
        await fut

    async def _run(self) -> None:
        stopping = False
        while not stopping:
            first = await self._queue.get()
            if first is None:
                break
            items = [first]
            if self._delay > 0 and self._queue.empty():
                await asyncio.sleep(self._delay)
            while len(items) < self._max and not self._queue.empty():
                nxt = self._queue.get_nowait()
                if nxt is None:
                    stopping = True
                    break
                items.append(nxt)
            await self._commit(items)

    async def _commit(self, items: list[_Item]) -> None:
        duplicates = await self._duplicates(items)
        fresh = [it for it in items if it.dedup is None or it.dedup not in duplicates]
        ok = await self._write(fresh)
        if not ok and len(fresh) > 1:
            # One bad write must not fail its neighbours: retry one by one.
            results = [await self._write([it]) for it in fresh]
        else:
            results = [ok] * len(fresh)
        outcome = dict(zip((id(it) for it in fresh), results, strict=True))
        holes = [it for it in items if not outcome.get(id(it), False)]
        holes_covered = await self._cover(holes)
        self.batches += 1
        self.items += len(items)
        if self.versions is not None:
            for it in items:
                self.versions.done(it.batch.versions())
        for it in items:
            original = duplicates.get(it.dedup) if it.dedup is not None else None
            stored = outcome.get(id(it), False)
            if it.on_done is not None:
                try:
                    it.on_done(stored, stored or holes_covered)
                except Exception:
                    log.exception("after-commit callback failed")
            if it.future is None or it.future.done():
                continue
            if original is not None:
                it.future.set_result(original)
            elif stored:
                it.future.set_result(None)
            else:
                it.future.set_exception(RuntimeError("commit failed"))

    async def _cover(self, holes: list[_Item]) -> bool:
        """Persists the conversation rows (max_seq) of writes that were not
        stored, alone: their seqs become durable holes. False if that failed."""
        if not holes:  # the common batch: nothing to build or await
            return True
        rows = WriteBatch()
        for it in holes:
            rows.merge(WriteBatch(conversations=it.batch.conversations))
        return await self._persist(rows, f"persisting the max_seq of {len(holes)} holes")

    async def _duplicates(self, items: list[_Item]) -> dict[tuple[str, str], Message]:
        keys = [it.dedup for it in items if it.dedup is not None]
        if not keys:
            return {}
        try:
            return await self._store.find_by_client_ids(keys)
        except Exception:
            log.exception("idempotency lookup failed")
            return {}

    async def _write(self, items: list[_Item]) -> bool:
        merged = WriteBatch()
        for it in items:
            merged.merge(it.batch)
        return await self._persist(merged, f"group commit of {len(items)} writes")

    async def _persist(self, batch: WriteBatch, what: str) -> bool:
        if batch.is_empty():
            return True
        try:
            await self._store.write(batch)
            return True
        except Exception:
            log.exception("%s failed", what)
            return False
