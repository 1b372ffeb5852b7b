"""The claim of domain/idempotency.py on a real store (SQLite): what a
second call sees while the first attempt still runs, and a first attempt
that outlives its caller."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest

from parley.domain.idempotency import Idempotency
from parley.errors import ParleyError
from parley.storage.sql.engine import create_schema, make_engine
from parley.storage.sql.idempotency import SqlIdempotencyStore


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqlIdempotencyStore]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'keys.db'}", "NORMAL")
    await create_schema(engine)
    yield SqlIdempotencyStore(engine)
    await engine.dispose()


def keys(store: SqlIdempotencyStore, wait_seconds: float) -> Idempotency:
    return Idempotency(store, retention_seconds=60, lease_seconds=30, wait_seconds=wait_seconds)


async def test_a_retry_waits_for_the_running_attempt(store: SqlIdempotencyStore) -> None:
    idem = keys(store, wait_seconds=5)
    release = asyncio.Event()
    runs = 0

    async def slow() -> bytes:
        nonlocal runs
        runs += 1
        await release.wait()
        return b"group-1"

    first = asyncio.create_task(idem.once("u:a", "M", "k", "h", slow))
    await asyncio.sleep(0.05)
    second = asyncio.create_task(idem.once("u:a", "M", "k", "h", slow))
    await asyncio.sleep(0.1)
    assert not second.done()
    release.set()
    assert await first == await second == b"group-1"
    assert runs == 1


async def test_past_the_wait_a_retry_is_told_to_come_back(store: SqlIdempotencyStore) -> None:
    idem = keys(store, wait_seconds=0.1)
    release = asyncio.Event()

    async def slow() -> bytes:
        await release.wait()
        return b"r"

    first = asyncio.create_task(idem.once("u:a", "M", "k", "h", slow))
    await asyncio.sleep(0.05)
    with pytest.raises(ParleyError) as told:
        await idem.once("u:a", "M", "k", "h", slow)
    assert told.value.code == grpc.StatusCode.ABORTED
    assert told.value.reason_name == "ERROR_REASON_IDEMPOTENCY_KEY_IN_FLIGHT"
    release.set()
    assert await first == b"r"


async def test_the_first_attempt_outlives_its_caller(store: SqlIdempotencyStore) -> None:
    """A caller hanging up (its call cancelled) does not stop the attempt:
    the retry after the lost answer finds the result."""
    idem = keys(store, wait_seconds=5)
    release = asyncio.Event()
    runs = 0

    async def slow() -> bytes:
        nonlocal runs
        runs += 1
        await release.wait()
        return b"made"

    first = asyncio.create_task(idem.once("u:a", "M", "k", "h", slow))
    await asyncio.sleep(0.05)
    first.cancel()
    release.set()
    assert await idem.once("u:a", "M", "k", "h", slow) == b"made"
    assert runs == 1


async def test_a_stop_lets_running_attempts_store_their_result(
    store: SqlIdempotencyStore,
) -> None:
    idem = keys(store, wait_seconds=5)

    async def slow() -> bytes:
        await asyncio.sleep(0.3)
        return b"made"

    caller = asyncio.create_task(idem.once("u:a", "M", "k", "h", slow))
    await asyncio.sleep(0.05)
    caller.cancel()  # the server's stop ends the call
    await idem.drain(5)
    stored = await store.get("u:a", "M", "k")
    assert stored is not None and stored.response == b"made"
