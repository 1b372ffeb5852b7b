"""The embedded seq allocator on the real SQLite store: its per-conversation
state is bounded (LRU of conversations with nothing in flight), reloading an
evicted conversation continues exactly where it was, and reads of
conversations with nothing stored keep no state (issue 12, finding C)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from parley.common.v1 import common_pb2
from parley.log.commit import CommitQueue
from parley.log.seqs import SeqAllocator
from parley.storage.batch import WriteBatch
from parley.storage.records import Conversation
from parley.storage.sql import SqlStores, open_sql
from parley.storage.sql.engine import sqlite_url


@pytest.fixture
async def stores(tmp_path: Path) -> AsyncIterator[SqlStores]:
    s = await open_sql(sqlite_url(tmp_path))
    yield s
    await s.close()


@pytest.fixture
async def commit(stores: SqlStores) -> AsyncIterator[CommitQueue]:
    q = CommitQueue(stores.messages, delay_ms=0, max_batch=64)
    q.start()
    yield q
    await q.stop()


async def append(seqs: SeqAllocator, commit: CommitQueue, cid: str) -> int:
    """Allocates a seq and writes its conversation max_seq, as an append does."""
    seq = await seqs.allocate(cid)
    batch = WriteBatch()
    batch.conversations[cid] = Conversation(
        cid, common_pb2.SessionType.SESSION_TYPE_SINGLE, max_seq=seq, version=1, update_time_ms=1
    )
    await commit.submit(batch, lambda ok, covered: seqs.settle(cid, seq, covered))
    return seq


async def test_the_state_is_bounded_and_reloads_exactly(
    stores: SqlStores, commit: CommitQueue
) -> None:
    seqs = SeqAllocator(stores.messages.max_seq, limit=10)
    for i in range(100):
        for _ in range(i % 3 + 1):
            await append(seqs, commit, f"si_a_{i}")
        assert len(seqs) <= 10
    # Evicted long ago: reloaded from the stores, visible and next as before.
    assert await seqs.visible_max("si_a_5") == 3
    assert await append(seqs, commit, "si_a_5") == 4
    assert await seqs.visible_max("si_a_5") == 4
    assert len(seqs) <= 10


async def test_a_conversation_with_a_write_in_flight_is_kept(
    stores: SqlStores, commit: CommitQueue
) -> None:
    seqs = SeqAllocator(stores.messages.max_seq, limit=2)
    await append(seqs, commit, "si_a_busy")
    busy = await seqs.allocate("si_a_busy")  # not settled yet
    for i in range(5):
        await append(seqs, commit, f"si_a_{i}")
    assert len(seqs) == 2
    # Still known: the next seq is not the one in flight again.
    assert await seqs.allocate("si_a_busy") == busy + 1


async def test_reads_of_unknown_conversations_keep_nothing(stores: SqlStores) -> None:
    seqs = SeqAllocator(stores.messages.max_seq, limit=1000)
    for i in range(500):
        assert await seqs.visible_max(f"si_me_{i}") == 0
    assert len(seqs) == 0
