from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from parley.storage.records import BlockEntry, Friend, FriendRequest
from parley.storage.sql.engine import insert_for, insert_ignore
from parley.storage.sql.mapping import columns, record
from parley.storage.sql.schema import BlacklistRow, FriendRequestRow, FriendRow

F = FriendRow.__table__  # type: ignore[attr-defined]
FR = FriendRequestRow.__table__  # type: ignore[attr-defined]
B = BlacklistRow.__table__  # type: ignore[attr-defined]
PENDING = 1
ACCEPTED = 2
REFUSED = 3


def upsert(engine: AsyncEngine, table: Any, keys: list[str], row: dict[str, Any]) -> Any:
    """INSERT of `row`, replacing the non-key columns when the key exists."""
    stmt: Any = insert_for(engine, table).values(**row)
    changes = {k: v for k, v in row.items() if k not in keys}
    if engine.dialect.name in ("mysql", "mariadb"):
        return stmt.on_duplicate_key_update(**changes)
    return stmt.on_conflict_do_update(index_elements=keys, set_=changes)


async def count(conn: AsyncConnection, table: Any, *cond: Any) -> int:
    return int(
        (await conn.execute(select(func.count()).select_from(table).where(*cond))).scalar() or 0
    )


class SqlRelationStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    # -- friends ----------------------------------------------------------

    async def _owned_ids(self, owner_col: Any, other_col: Any, owner_user_id: str) -> list[str]:
        """The other side of every row owned by the user (friends, blocked)."""
        q = select(other_col).where(owner_col == owner_user_id)
        async with self._engine.connect() as conn:
            return [r[0] for r in (await conn.execute(q)).all()]

    async def _owned_page(
        self,
        table: Any,
        owner_col: Any,
        other_col: Any,
        owner_user_id: str,
        offset: int,
        limit: int,
    ) -> tuple[list[Any], int]:
        """A page of the user's rows, newest first, with the total."""
        cond = owner_col == owner_user_id
        q = (
            select(table)
            .where(cond)
            .order_by(table.c.create_time_ms.desc(), other_col)
            .offset(offset)
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            total = await count(conn, table, cond)
            rows = (await conn.execute(q)).all()
        return list(rows), total

    async def get_friend(self, owner_user_id: str, friend_user_id: str) -> Friend | None:
        q = select(F).where(
            F.c.owner_user_id == owner_user_id, F.c.friend_user_id == friend_user_id
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(q)).first()
        return record(Friend, row) if row else None

    async def friend_ids(self, owner_user_id: str) -> list[str]:
        return await self._owned_ids(F.c.owner_user_id, F.c.friend_user_id, owner_user_id)

    async def list_friends(
        self, owner_user_id: str, offset: int, limit: int
    ) -> tuple[list[Friend], int]:
        rows, total = await self._owned_page(
            F, F.c.owner_user_id, F.c.friend_user_id, owner_user_id, offset, limit
        )
        return [record(Friend, r) for r in rows], total

    async def accept_application(
        self, from_user_id: str, to_user_id: str, response: str, now_ms: int
    ) -> bool:
        async with self._engine.begin() as conn:
            res = await conn.execute(
                update(FR)
                .where(
                    FR.c.from_user_id == from_user_id,
                    FR.c.to_user_id == to_user_id,
                    FR.c.state == PENDING,
                )
                .values(state=ACCEPTED, response_message=response, handle_time_ms=now_ms)
            )
            if not res.rowcount:
                return False
            await conn.execute(
                insert_ignore(self._engine, F, ["owner_user_id", "friend_user_id"]),
                [
                    {
                        "owner_user_id": a,
                        "friend_user_id": b,
                        "remark": "",
                        "create_time_ms": now_ms,
                    }
                    for a, b in ((from_user_id, to_user_id), (to_user_id, from_user_id))
                ],
            )
        return True

    async def delete_friendship(self, a: str, b: str) -> bool:
        async with self._engine.begin() as conn:
            res = await conn.execute(
                delete(F).where(
                    ((F.c.owner_user_id == a) & (F.c.friend_user_id == b))
                    | ((F.c.owner_user_id == b) & (F.c.friend_user_id == a))
                )
            )
        return bool(res.rowcount)

    async def set_remark(self, owner_user_id: str, friend_user_id: str, remark: str) -> bool:
        async with self._engine.begin() as conn:
            res = await conn.execute(
                update(F)
                .where(F.c.owner_user_id == owner_user_id, F.c.friend_user_id == friend_user_id)
                .values(remark=remark)
            )
        return bool(res.rowcount)

    # -- applications -----------------------------------------------------

    async def put_application(self, request: FriendRequest) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                upsert(self._engine, FR, ["from_user_id", "to_user_id"], columns(request))
            )

    async def refuse_application(
        self, from_user_id: str, to_user_id: str, response: str, now_ms: int
    ) -> bool:
        async with self._engine.begin() as conn:
            res = await conn.execute(
                update(FR)
                .where(
                    FR.c.from_user_id == from_user_id,
                    FR.c.to_user_id == to_user_id,
                    FR.c.state == PENDING,
                )
                .values(state=REFUSED, response_message=response, handle_time_ms=now_ms)
            )
        return bool(res.rowcount)

    async def list_applications(
        self, user_id: str, sent: bool, offset: int, limit: int
    ) -> tuple[list[FriendRequest], int, int]:
        cond = (FR.c.from_user_id if sent else FR.c.to_user_id) == user_id
        q = (
            select(FR)
            .where(cond)
            .order_by(FR.c.create_time_ms.desc(), FR.c.from_user_id, FR.c.to_user_id)
            .offset(offset)
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            total = await count(conn, FR, cond)
            pending = await count(conn, FR, cond, FR.c.state == PENDING)
            rows = (await conn.execute(q)).all()
        return [record(FriendRequest, r) for r in rows], total, pending

    # -- blacklist --------------------------------------------------------

    async def block(self, owner_user_id: str, blocked_user_id: str, now_ms: int) -> bool:
        async with self._engine.begin() as conn:
            res = await conn.execute(
                insert_ignore(self._engine, B, ["owner_user_id", "blocked_user_id"]),
                {
                    "owner_user_id": owner_user_id,
                    "blocked_user_id": blocked_user_id,
                    "create_time_ms": now_ms,
                },
            )
        return bool(res.rowcount)

    async def unblock(self, owner_user_id: str, blocked_user_id: str) -> bool:
        async with self._engine.begin() as conn:
            res = await conn.execute(
                delete(B).where(
                    B.c.owner_user_id == owner_user_id, B.c.blocked_user_id == blocked_user_id
                )
            )
        return bool(res.rowcount)

    async def blocked_ids(self, owner_user_id: str) -> list[str]:
        return await self._owned_ids(B.c.owner_user_id, B.c.blocked_user_id, owner_user_id)

    async def list_blacklist(
        self, owner_user_id: str, offset: int, limit: int
    ) -> tuple[list[BlockEntry], int]:
        rows, total = await self._owned_page(
            B, B.c.owner_user_id, B.c.blocked_user_id, owner_user_id, offset, limit
        )
        return [record(BlockEntry, r) for r in rows], total
