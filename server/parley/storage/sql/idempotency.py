"""IdempotencyStore on SQL: the primary key (caller, method, key) makes the
insert the claim, so two gateways racing on one key create once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from parley.storage.records import IdempotencyRecord
from parley.storage.sql.engine import insert_ignore
from parley.storage.sql.schema import IdempotencyKeyRow

T = IdempotencyKeyRow.__table__  # type: ignore[attr-defined]
_PK = ["caller", "method", "key"]
_FIELDS = tuple(c.name for c in T.columns)


def _of(caller: str, method: str, key: str) -> Any:
    return and_(T.c.caller == caller, T.c.method == method, T.c.key == key)


def _record(row: Any) -> IdempotencyRecord:
    values = dict(row._mapping)
    if values["response"] is not None:
        values["response"] = bytes(values["response"])
    return IdempotencyRecord(**values)


class SqlIdempotencyStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def claim(self, record: IdempotencyRecord, now_ms: int) -> IdempotencyRecord | None:
        where = _of(record.caller, record.method, record.key)
        stale = or_(
            T.c.expire_time_ms <= now_ms,
            and_(T.c.response.is_(None), T.c.lease_until_ms <= now_ms),
        )
        values = {name: getattr(record, name) for name in _FIELDS}
        # A holder that releases between our insert and our read leaves
        # nothing to return: claim again (it is free now).
        for _ in range(3):
            async with self._engine.begin() as conn:
                await conn.execute(delete(T).where(where, stale))
                inserted = await conn.execute(insert_ignore(self._engine, T, _PK), values)
                if inserted.rowcount == 1:
                    return None
            # Read after the commit: the holder's row is committed by now
            # (the insert waited for it), whatever the isolation level.
            found = await self.get(record.caller, record.method, record.key)
            if found is not None:
                return found
        raise RuntimeError(f"idempotency key {record.key!r} claimed and released in a loop")

    async def complete(
        self, caller: str, method: str, key: str, claim_id: str, response: bytes
    ) -> bool:
        async with self._engine.begin() as conn:
            done = await conn.execute(
                update(T)
                .where(_of(caller, method, key), T.c.claim_id == claim_id)
                .values(response=response)
            )
        return bool(done.rowcount)

    async def release(self, caller: str, method: str, key: str, claim_id: str) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                delete(T).where(
                    _of(caller, method, key), T.c.claim_id == claim_id, T.c.response.is_(None)
                )
            )

    async def get(self, caller: str, method: str, key: str) -> IdempotencyRecord | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(T).where(_of(caller, method, key)))).first()
        return None if row is None else _record(row)

    async def purge(self, now_ms: int) -> int:
        async with self._engine.begin() as conn:
            gone = await conn.execute(delete(T).where(T.c.expire_time_ms <= now_ms))
        return int(gone.rowcount)
