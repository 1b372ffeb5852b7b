"""Statistics queries: range reads over primary keys and indexes only."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from parley.storage.sql.schema import (
    DailyActivityRow,
    DailyCounterRow,
    DailyGroupActivityRow,
    UserRow,
)

U = UserRow.__table__  # type: ignore[attr-defined]
A = DailyActivityRow.__table__  # type: ignore[attr-defined]
GA = DailyGroupActivityRow.__table__  # type: ignore[attr-defined]
DC = DailyCounterRow.__table__  # type: ignore[attr-defined]
DAY_MS = 86_400_000


class SqlStatsStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def new_users_by_day(self, start_ms: int, end_ms: int) -> dict[int, int]:
        # Reads the create_time_ms index over the range only.
        day = (U.c.create_time_ms // DAY_MS).label("d")
        q = (
            select(day, func.count())
            .where(U.c.create_time_ms >= start_ms, U.c.create_time_ms < end_ms)
            .group_by(day)
        )
        async with self._engine.connect() as conn:
            return {int(d): int(n) for d, n in (await conn.execute(q)).all()}

    async def _per_day(self, table: object, first_day: str, last_day: str) -> dict[str, int]:
        t: object = table
        day = t.c.day  # type: ignore[attr-defined]
        q = select(day, func.count()).where(day >= first_day, day <= last_day).group_by(day)
        async with self._engine.connect() as conn:
            return {str(d): int(n) for d, n in (await conn.execute(q)).all()}

    async def active_users_by_day(self, first_day: str, last_day: str) -> dict[str, int]:
        return await self._per_day(A, first_day, last_day)

    async def active_groups_by_day(self, first_day: str, last_day: str) -> dict[str, int]:
        return await self._per_day(GA, first_day, last_day)

    async def counters(self, first_day: str, last_day: str) -> dict[tuple[str, str], int]:
        q = select(DC.c.day, DC.c.metric, DC.c.value).where(
            DC.c.day >= first_day, DC.c.day <= last_day
        )
        async with self._engine.connect() as conn:
            return {(str(d), str(m)): int(v) for d, m, v in (await conn.execute(q)).all()}
