"""IdempotencyStore contract: SQL (SQLite, PostgreSQL, MySQL) and MongoDB."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from parley.storage.interfaces import IdempotencyStore
from parley.storage.mongo.idempotency import MongoIdempotencyStore
from parley.storage.records import IdempotencyRecord
from parley.storage.sql.idempotency import SqlIdempotencyStore
from tests.engines import SQL_BACKENDS, Engines
from tests.storage.contracts.conftest import uid
from tests.storage.contracts.rows import now_ms

METHOD = "parley.group.v1.CreateGroupRequest"


@pytest.fixture(params=[*SQL_BACKENDS, "mongo"])
async def keys(request: pytest.FixtureRequest, sql_engines: Engines, mongo_db: Any) -> Any:
    if request.param == "mongo":
        store = MongoIdempotencyStore(mongo_db)
        await store.ensure_indexes()
        return store
    return SqlIdempotencyStore(await sql_engines.get(request.param))


def pending(caller: str, key: str, claim_id: str = "c1", **kw: Any) -> IdempotencyRecord:
    now = now_ms()
    values: dict[str, Any] = {
        "request_hash": "h" * 64,
        "create_time_ms": now,
        "expire_time_ms": now + 60_000,
        "lease_until_ms": now + 10_000,
    }
    values.update(kw)
    return IdempotencyRecord(caller, METHOD, key, claim_id=claim_id, **values)


async def test_first_claim_inserts_then_the_holder_is_returned(keys: IdempotencyStore) -> None:
    caller, key = uid("u:"), uid("k")
    assert await keys.claim(pending(caller, key), now_ms()) is None
    held = await keys.claim(pending(caller, key, "c2", request_hash="x" * 64), now_ms())
    assert held is not None and held.claim_id == "c1" and held.response is None
    assert held.request_hash == "h" * 64
    assert await keys.complete(caller, METHOD, key, "c1", b"\x00answer\xff")
    done = await keys.claim(pending(caller, key, "c3"), now_ms())
    assert done is not None and done.response == b"\x00answer\xff" and done.claim_id == "c1"
    got = await keys.get(caller, METHOD, key)
    assert got is not None and got.response == b"\x00answer\xff"


async def test_keys_are_scoped_by_caller_and_method(keys: IdempotencyStore) -> None:
    key = uid("k")
    a, b = uid("u:"), uid("a:")
    assert await keys.claim(pending(a, key), now_ms()) is None
    assert await keys.claim(pending(b, key), now_ms()) is None
    other = pending(a, key)
    other.method = "parley.relation.v1.ApplyFriendRequest"
    assert await keys.claim(other, now_ms()) is None


async def test_empty_response_is_a_result_not_pending(keys: IdempotencyStore) -> None:
    caller, key = uid("u:"), uid("k")
    assert await keys.claim(pending(caller, key), now_ms()) is None
    assert await keys.complete(caller, METHOD, key, "c1", b"")
    done = await keys.get(caller, METHOD, key)
    assert done is not None and done.response == b""


async def test_release_frees_only_the_holders_pending_record(keys: IdempotencyStore) -> None:
    caller, key = uid("u:"), uid("k")
    assert await keys.claim(pending(caller, key), now_ms()) is None
    await keys.release(caller, METHOD, key, "someone-else")
    assert await keys.get(caller, METHOD, key) is not None
    await keys.release(caller, METHOD, key, "c1")
    assert await keys.get(caller, METHOD, key) is None
    assert await keys.claim(pending(caller, key, "c2"), now_ms()) is None
    assert await keys.complete(caller, METHOD, key, "c2", b"r")
    # A completed record is a result: releasing it changes nothing.
    await keys.release(caller, METHOD, key, "c2")
    assert (await keys.get(caller, METHOD, key)) is not None


async def test_abandoned_pending_record_is_taken_over(keys: IdempotencyStore) -> None:
    caller, key = uid("u:"), uid("k")
    now = now_ms()
    assert await keys.claim(pending(caller, key, lease_until_ms=now - 1), now) is None
    assert await keys.claim(pending(caller, key, "c2"), now) is None
    # The first holder came back too late: it stores nothing.
    assert not await keys.complete(caller, METHOD, key, "c1", b"late")
    assert await keys.complete(caller, METHOD, key, "c2", b"r2")
    got = await keys.get(caller, METHOD, key)
    assert got is not None and got.response == b"r2"


async def test_completed_record_outlives_its_lease_until_expiry(keys: IdempotencyStore) -> None:
    caller, key = uid("u:"), uid("k")
    now = now_ms()
    first = pending(caller, key, lease_until_ms=now - 1, expire_time_ms=now + 60_000)
    assert await keys.claim(first, now - 10) is None
    assert await keys.complete(caller, METHOD, key, "c1", b"r")
    held = await keys.claim(pending(caller, key, "c2"), now)
    assert held is not None and held.response == b"r"
    # Past the expiry the key is free again.
    assert await keys.claim(pending(caller, key, "c3"), now + 60_000) is None


async def test_purge_deletes_expired_records_only(keys: IdempotencyStore) -> None:
    caller = uid("u:")
    now = now_ms()
    old, live = uid("k"), uid("k")
    assert await keys.claim(pending(caller, old, expire_time_ms=now - 5), now - 10) is None
    assert await keys.claim(pending(caller, live), now) is None
    assert await keys.purge(now) >= 1
    assert await keys.get(caller, METHOD, old) is None
    assert await keys.get(caller, METHOD, live) is not None


async def test_concurrent_claims_insert_once(keys: IdempotencyStore) -> None:
    caller, key = uid("u:"), uid("k")
    now = now_ms()
    results = await asyncio.gather(
        *(keys.claim(pending(caller, key, f"c{i}"), now) for i in range(8))
    )
    winners = [r for r in results if r is None]
    assert len(winners) == 1
    holders = {r.claim_id for r in results if r is not None}
    assert len(holders) == 1
