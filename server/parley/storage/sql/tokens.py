from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine

from parley.storage.sql.engine import insert_for, insert_ignore
from parley.storage.sql.schema import TokenFloorRow, TokenRevocationRow

REV = TokenRevocationRow.__table__  # type: ignore[attr-defined]
FLOOR = TokenFloorRow.__table__  # type: ignore[attr-defined]


class SqlTokenStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def revoke(self, jti: str, expire_ms: int) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                insert_ignore(self._engine, REV, ["jti"]), {"jti": jti, "expire_ms": expire_ms}
            )

    async def revocations(self, now_ms: int) -> dict[str, int]:
        async with self._engine.begin() as conn:
            await conn.execute(delete(REV).where(REV.c.expire_ms < now_ms))
            rows = (await conn.execute(select(REV.c.jti, REV.c.expire_ms))).all()
        return {r[0]: int(r[1]) for r in rows}

    async def set_floor(self, user_id: str, platform: int, not_before_ms: int) -> None:
        stmt = insert_for(self._engine, FLOOR).values(
            user_id=user_id, platform=platform, not_before_ms=not_before_ms
        )
        if self._engine.dialect.name in ("mysql", "mariadb"):
            stmt = stmt.on_duplicate_key_update(not_before_ms=not_before_ms)  # type: ignore[attr-defined]
        else:
            stmt = stmt.on_conflict_do_update(  # type: ignore[attr-defined]
                index_elements=["user_id", "platform"], set_={"not_before_ms": not_before_ms}
            )
        async with self._engine.begin() as conn:
            await conn.execute(stmt)

    async def floors(self) -> dict[tuple[str, int], int]:
        async with self._engine.connect() as conn:
            rows = (await conn.execute(select(FLOOR))).all()
        return {(r.user_id, r.platform): r.not_before_ms for r in rows}
