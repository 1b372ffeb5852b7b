from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, bindparam, case, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from parley.ids import group_conversation_id
from parley.storage.records import Group, GroupMember, GroupRequest, MemberBrief, UserConversation
from parley.storage.sql.engine import insert_ignore
from parley.storage.sql.mapping import columns, membership_columns, record
from parley.storage.sql.relations import count, upsert
from parley.storage.sql.schema import (
    GroupMemberRow,
    GroupRequestRow,
    GroupRow,
    UserConversationRow,
)

G = GroupRow.__table__  # type: ignore[attr-defined]
GM = GroupMemberRow.__table__  # type: ignore[attr-defined]
GR = GroupRequestRow.__table__  # type: ignore[attr-defined]
UC = UserConversationRow.__table__  # type: ignore[attr-defined]
OWNER, ADMIN, MEMBER = 3, 2, 1
PENDING = 1
# Large IN lists are split so no backend hits its bound-parameter limit.
CHUNK = 500


def _group(r: Any) -> Group:
    return record(Group, r)


def _member(r: Any) -> GroupMember:
    return record(GroupMember, r)


def _chunks(items: Sequence[str]) -> list[list[str]]:
    return [list(items[i : i + CHUNK]) for i in range(0, len(items), CHUNK)]


_BUMPABLE = set("abcdefghijklmnopqrstuvwxyABCDEFGHIJKLMNOPQRSTUVWXY012345678")


def _name_prefix(prefix: str) -> list[Any]:
    if not prefix:
        return []
    like = prefix.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
    # The range bounds let ix_groups_name serve the match whatever the
    # collation (LIKE alone skips the index in PostgreSQL's non-C locales).
    # The upper bound only after a letter or digit that has a successor of its
    # kind: a locale may ignore punctuation, and "ab-" would then sort "ab-z"
    # above "ab.".
    cond = [G.c.name >= prefix, G.c.name.like(f"{like}%", escape="\\")]
    if prefix[-1] in _BUMPABLE:
        cond.append(G.c.name < prefix[:-1] + chr(ord(prefix[-1]) + 1))
    return cond


class SqlGroupStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        p: Any = bindparam("b_min")
        self._raise_min = (
            update(UC)
            .where(UC.c.user_id == bindparam("b_user"), UC.c.conversation_id == bindparam("b_conv"))
            .values(
                min_seq=case((p > UC.c.min_seq, p), else_=UC.c.min_seq),
                version=bindparam("b_ver"),
            )
        )

    async def _counts(self, conn: AsyncConnection, group_ids: Sequence[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for part in _chunks(group_ids):
            q = (
                select(GM.c.group_id, func.count())
                .where(GM.c.group_id.in_(part), GM.c.active.is_(True))
                .group_by(GM.c.group_id)
            )
            out.update({r[0]: int(r[1]) for r in (await conn.execute(q)).all()})
        return out

    async def _insert_members(
        self,
        conn: AsyncConnection,
        group_id: str,
        members: Sequence[GroupMember],
        conversations: Sequence[UserConversation],
    ) -> None:
        if members:
            await conn.execute(GM.insert(), [columns(m) for m in members])
        if conversations:
            await conn.execute(
                insert_ignore(self._engine, UC, ["user_id", "conversation_id"]),
                [membership_columns(uc) for uc in conversations],
            )

    async def create_group(
        self,
        group: Group,
        members: Sequence[GroupMember],
        conversations: Sequence[UserConversation],
    ) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(G.insert(), columns(group))
            await self._insert_members(conn, group.group_id, members, conversations)

    async def load_group(self, group_id: str) -> tuple[Group, list[MemberBrief]] | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(G).where(G.c.group_id == group_id))).first()
            if row is None:
                return None
            q = select(
                GM.c.user_id, GM.c.role, GM.c.mute_end_time_ms, GM.c.active, GM.c.left_seq
            ).where(GM.c.group_id == group_id)
            members = [
                MemberBrief(r[0], int(r[1]), int(r[2]), bool(r[3]), int(r[4]))
                for r in (await conn.execute(q)).all()
            ]
        return _group(row), members

    async def get_groups(self, group_ids: Sequence[str]) -> list[tuple[Group, int]]:
        ids = list(dict.fromkeys(group_ids))
        found: dict[str, Group] = {}
        async with self._engine.connect() as conn:
            for part in _chunks(ids):
                for r in (await conn.execute(select(G).where(G.c.group_id.in_(part)))).all():
                    found[r.group_id] = _group(r)
            counts = await self._counts(conn, list(found))
        return [(found[g], counts.get(g, 0)) for g in ids if g in found]

    async def update_group(self, group_id: str, **fields: object) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(update(G).where(G.c.group_id == group_id).values(**fields))

    async def add_members(
        self,
        group_id: str,
        members: Sequence[GroupMember],
        conversations: Sequence[UserConversation],
        rejoin: dict[str, tuple[int, int]],
    ) -> None:
        async with self._engine.begin() as conn:
            # Former members' rows are replaced: a rejoin starts a new membership.
            for part in _chunks([m.user_id for m in members]):
                await conn.execute(
                    delete(GM).where(
                        GM.c.group_id == group_id, GM.c.user_id.in_(part), GM.c.active.is_(False)
                    )
                )
            await self._insert_members(conn, group_id, members, conversations)
            if rejoin:
                conv = group_conversation_id(group_id)
                await conn.execute(
                    self._raise_min,
                    [
                        {"b_user": u, "b_conv": conv, "b_min": m, "b_ver": v}
                        for u, (m, v) in rejoin.items()
                    ],
                )

    async def remove_members(
        self, group_id: str, user_ids: Sequence[str], left_seq: int, version: int
    ) -> None:
        conv = group_conversation_id(group_id)
        async with self._engine.begin() as conn:
            for part in _chunks(user_ids):
                await conn.execute(
                    update(GM)
                    .where(GM.c.group_id == group_id, GM.c.user_id.in_(part))
                    .values(active=False, left_seq=left_seq, role=MEMBER, mute_end_time_ms=0)
                )
                # The list entry changes (its max_seq is capped now): bump its version.
                await conn.execute(
                    update(UC)
                    .where(UC.c.conversation_id == conv, UC.c.user_id.in_(part))
                    .values(version=version)
                )

    async def update_member(self, group_id: str, user_id: str, **fields: object) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                update(GM)
                .where(GM.c.group_id == group_id, GM.c.user_id == user_id)
                .values(**fields)
            )

    async def transfer_owner(self, group_id: str, old_owner: str, new_owner: str) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                update(GM)
                .where(GM.c.group_id == group_id, GM.c.user_id == old_owner)
                .values(role=ADMIN)
            )
            await conn.execute(
                update(GM)
                .where(GM.c.group_id == group_id, GM.c.user_id == new_owner)
                .values(role=OWNER, mute_end_time_ms=0)
            )
            await conn.execute(
                update(G).where(G.c.group_id == group_id).values(owner_user_id=new_owner)
            )

    async def get_member(self, group_id: str, user_id: str) -> GroupMember | None:
        q = select(GM).where(GM.c.group_id == group_id, GM.c.user_id == user_id)
        async with self._engine.connect() as conn:
            row = (await conn.execute(q)).first()
        return _member(row) if row else None

    async def list_members(
        self, group_id: str, role: int, offset: int, limit: int
    ) -> tuple[list[GroupMember], int]:
        cond = [GM.c.group_id == group_id, GM.c.active.is_(True)]
        if role:
            cond.append(GM.c.role == role)
        q = (
            select(GM)
            .where(*cond)
            .order_by(GM.c.role.desc(), GM.c.join_time_ms, GM.c.user_id)
            .offset(offset)
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            total = await count(conn, GM, *cond)
            rows = (await conn.execute(q)).all()
        return [_member(r) for r in rows], total

    async def joined_groups(
        self, user_id: str, offset: int, limit: int
    ) -> tuple[list[tuple[Group, int]], int]:
        cond = [GM.c.user_id == user_id, GM.c.active.is_(True)]
        q = (
            select(G)
            .join(GM, GM.c.group_id == G.c.group_id)
            .where(*cond)
            .order_by(GM.c.join_time_ms.desc(), G.c.group_id)
            .offset(offset)
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            total = await count(conn, GM, *cond)
            groups = [_group(r) for r in (await conn.execute(q)).all()]
            counts = await self._counts(conn, [g.group_id for g in groups])
        return [(g, counts.get(g.group_id, 0)) for g in groups], total

    async def search_groups(
        self, name_prefix: str, after: tuple[str, str] | None, limit: int
    ) -> list[tuple[Group, int]]:
        cond = _name_prefix(name_prefix)
        if after is not None:
            name, gid = after
            cond.append(or_(G.c.name > name, and_(G.c.name == name, G.c.group_id > gid)))
        q = select(G).where(*cond).order_by(G.c.name, G.c.group_id).limit(limit)
        async with self._engine.connect() as conn:
            groups = [_group(r) for r in (await conn.execute(q)).all()]
            counts = await self._counts(conn, [g.group_id for g in groups])
        return [(g, counts.get(g.group_id, 0)) for g in groups]

    async def count_groups(self, name_prefix: str) -> int:
        async with self._engine.connect() as conn:
            return await count(conn, G, *_name_prefix(name_prefix))

    async def put_request(self, request: GroupRequest) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(upsert(self._engine, GR, ["group_id", "user_id"], columns(request)))

    async def get_request(self, group_id: str, user_id: str) -> GroupRequest | None:
        q = select(GR).where(GR.c.group_id == group_id, GR.c.user_id == user_id)
        async with self._engine.connect() as conn:
            row = (await conn.execute(q)).first()
        return record(GroupRequest, row) if row else None

    async def handle_request(
        self, group_id: str, user_id: str, state: int, handler_user_id: str, now_ms: int
    ) -> bool:
        async with self._engine.begin() as conn:
            res = await conn.execute(
                update(GR)
                .where(GR.c.group_id == group_id, GR.c.user_id == user_id, GR.c.state == PENDING)
                .values(state=state, handler_user_id=handler_user_id, handle_time_ms=now_ms)
            )
        return bool(res.rowcount)

    async def list_requests(
        self, group_id: str, offset: int, limit: int
    ) -> tuple[list[GroupRequest], int, int]:
        cond = GR.c.group_id == group_id
        q = (
            select(GR)
            .where(cond)
            .order_by(GR.c.create_time_ms.desc(), GR.c.user_id)
            .offset(offset)
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            total = await count(conn, GR, cond)
            pending = await count(conn, GR, cond, GR.c.state == PENDING)
            rows = (await conn.execute(q)).all()
        return [record(GroupRequest, r) for r in rows], total, pending
