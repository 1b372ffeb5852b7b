from __future__ import annotations

from typing import Any

from sqlalchemy import and_, bindparam, case, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from parley.storage.batch import WriteBatch
from parley.storage.sql.engine import insert_for, insert_ignore
from parley.storage.sql.schema import (
    ConversationRow,
    DailyActivityRow,
    HiddenMessageRow,
    MessageRow,
    UserConversationRow,
)

M = MessageRow.__table__  # type: ignore[attr-defined]
C = ConversationRow.__table__  # type: ignore[attr-defined]
UC = UserConversationRow.__table__  # type: ignore[attr-defined]
H = HiddenMessageRow.__table__  # type: ignore[attr-defined]
A = DailyActivityRow.__table__  # type: ignore[attr-defined]


def _msg(r: object) -> MessageRow:
    return MessageRow.model_validate(dict(r._mapping))  # type: ignore[attr-defined]


def _raise_to(column: object, param: str) -> object:
    """`column` becomes max(column, :param), portably (no GREATEST in SQLite)."""
    p: Any = bindparam(param)
    return case((p > column, p), else_=column)  # type: ignore[arg-type]


class SqlMessageStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._upd_read = (
            update(UC)
            .where(UC.c.user_id == bindparam("b_user"), UC.c.conversation_id == bindparam("b_conv"))
            .values(has_read_seq=_raise_to(UC.c.has_read_seq, "b_seq"), version=bindparam("b_ver"))
        )
        self._upd_min = (
            update(UC)
            .where(UC.c.user_id == bindparam("b_user"), UC.c.conversation_id == bindparam("b_conv"))
            .values(min_seq=_raise_to(UC.c.min_seq, "b_seq"), version=bindparam("b_ver"))
        )
        self._upd_delivered = (
            update(UC)
            .where(UC.c.user_id == bindparam("b_user"), UC.c.conversation_id == bindparam("b_conv"))
            .values(delivered_seq=_raise_to(UC.c.delivered_seq, "b_seq"))
        )
        self._upd_msg = (
            update(M)
            .where(M.c.conversation_id == bindparam("b_conv"), M.c.seq == bindparam("b_seq"))
            .values(
                status=bindparam("b_status"),
                body=bindparam("b_body"),
                search_text=bindparam("b_text"),
            )
        )

    def _conversation_upsert(self) -> Any:
        stmt = insert_for(self._engine, C)
        if self._engine.dialect.name in ("mysql", "mariadb"):
            return stmt.on_duplicate_key_update(  # type: ignore[attr-defined]
                max_seq=func.greatest(C.c.max_seq, stmt.inserted.max_seq),  # type: ignore[attr-defined]
                version=func.greatest(C.c.version, stmt.inserted.version),  # type: ignore[attr-defined]
                update_time_ms=func.greatest(C.c.update_time_ms, stmt.inserted.update_time_ms),  # type: ignore[attr-defined]
            )
        ex = stmt.excluded  # type: ignore[attr-defined]
        return stmt.on_conflict_do_update(  # type: ignore[attr-defined]
            index_elements=["conversation_id"],
            set_={
                "max_seq": case((ex.max_seq > C.c.max_seq, ex.max_seq), else_=C.c.max_seq),
                "version": case((ex.version > C.c.version, ex.version), else_=C.c.version),
                "update_time_ms": case(
                    (ex.update_time_ms > C.c.update_time_ms, ex.update_time_ms),
                    else_=C.c.update_time_ms,
                ),
            },
        )

    async def write(self, batch: WriteBatch) -> None:
        async with self._engine.begin() as conn:
            if batch.messages:
                await conn.execute(M.insert(), batch.messages)
            if batch.conversations:
                await conn.execute(
                    self._conversation_upsert(),  # type: ignore[arg-type]
                    list(batch.conversations.values()),
                )
            if batch.user_conversations:
                await conn.execute(
                    insert_ignore(self._engine, UC, ["user_id", "conversation_id"]),
                    batch.user_conversations,
                )
            if batch.read_marks:
                await conn.execute(
                    self._upd_read,
                    [
                        {"b_user": u, "b_conv": c, "b_seq": s, "b_ver": v}
                        for (u, c), (s, v) in batch.read_marks.items()
                    ],
                )
            if batch.min_seq_marks:
                await conn.execute(
                    self._upd_min,
                    [
                        {"b_user": u, "b_conv": c, "b_seq": s, "b_ver": v}
                        for (u, c), (s, v) in batch.min_seq_marks.items()
                    ],
                )
            if batch.delivered_marks:
                await conn.execute(
                    self._upd_delivered,
                    [
                        {"b_user": u, "b_conv": c, "b_seq": s}
                        for (u, c), s in batch.delivered_marks.items()
                    ],
                )
            if batch.message_updates:
                await conn.execute(self._upd_msg, batch.message_updates)
            if batch.hidden:
                await conn.execute(
                    insert_ignore(self._engine, H, ["user_id", "conversation_id", "seq"]),
                    batch.hidden,
                )
            if batch.activity:
                await conn.execute(
                    insert_ignore(self._engine, A, ["day", "user_id"]),
                    [{"day": d, "user_id": u} for d, u in batch.activity],
                )

    async def get_range(self, conversation_id: str, begin: int, end: int) -> list[MessageRow]:
        q = (
            select(M)
            .where(M.c.conversation_id == conversation_id, M.c.seq >= begin, M.c.seq <= end)
            .order_by(M.c.seq)
        )
        async with self._engine.connect() as conn:
            return [_msg(r) for r in (await conn.execute(q)).all()]

    async def get_one(self, conversation_id: str, seq: int) -> MessageRow | None:
        q = select(M).where(M.c.conversation_id == conversation_id, M.c.seq == seq)
        async with self._engine.connect() as conn:
            row = (await conn.execute(q)).first()
        return _msg(row) if row else None

    async def find_by_client_id(self, sender_id: str, client_msg_id: str) -> MessageRow | None:
        q = select(M).where(M.c.sender_id == sender_id, M.c.client_msg_id == client_msg_id)
        async with self._engine.connect() as conn:
            row = (await conn.execute(q)).first()
        return _msg(row) if row else None

    async def hidden_seqs(
        self, user_id: str, conversation_id: str, begin: int, end: int
    ) -> set[int]:
        q = select(H.c.seq).where(
            H.c.user_id == user_id,
            H.c.conversation_id == conversation_id,
            H.c.seq >= begin,
            H.c.seq <= end,
        )
        async with self._engine.connect() as conn:
            return {r[0] for r in (await conn.execute(q)).all()}

    async def count_unread(
        self, conversation_id: str, user_id: str, after_seq: int, upto_seq: int
    ) -> int:
        if upto_seq <= after_seq:
            return 0
        hidden = select(H.c.seq).where(
            H.c.user_id == user_id, H.c.conversation_id == conversation_id, H.c.seq > after_seq
        )
        q = (
            select(func.count())
            .select_from(M)
            .where(
                M.c.conversation_id == conversation_id,
                M.c.seq > after_seq,
                M.c.seq <= upto_seq,
                M.c.counts_unread.is_(True),
                M.c.status == 1,
                M.c.sender_id != user_id,
                M.c.seq.not_in(hidden),
            )
        )
        async with self._engine.connect() as conn:
            return int((await conn.execute(q)).scalar() or 0)

    async def search(
        self,
        user_id: str,
        keyword: str,
        conversation_id: str,
        sender_id: str,
        start_ms: int,
        end_ms: int,
        offset: int,
        limit: int,
    ) -> list[MessageRow]:
        like = keyword.lower().replace("%", r"\%").replace("_", r"\_")
        mine = select(UC.c.conversation_id, UC.c.min_seq).where(UC.c.user_id == user_id)
        if conversation_id:
            mine = mine.where(UC.c.conversation_id == conversation_id)
        sub = mine.subquery()
        cond = [
            M.c.search_text.like(f"%{like}%", escape="\\"),
            M.c.status == 1,
            M.c.seq >= sub.c.min_seq,
        ]
        if sender_id:
            cond.append(M.c.sender_id == sender_id)
        if start_ms:
            cond.append(M.c.server_time_ms >= start_ms)
        if end_ms:
            cond.append(M.c.server_time_ms < end_ms)
        hidden = select(H.c.seq).where(
            H.c.user_id == user_id, H.c.conversation_id == M.c.conversation_id, H.c.seq == M.c.seq
        )
        q = (
            select(M)
            .join(sub, and_(sub.c.conversation_id == M.c.conversation_id))
            .where(*cond, ~hidden.exists())
            .order_by(M.c.server_time_ms.desc(), M.c.seq.desc())
            .offset(offset)
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            return [_msg(r) for r in (await conn.execute(q)).all()]

    async def max_seq(self, conversation_id: str) -> int:
        async with self._engine.connect() as conn:
            a = (
                await conn.execute(
                    select(func.max(M.c.seq)).where(M.c.conversation_id == conversation_id)
                )
            ).scalar()
            b = (
                await conn.execute(
                    select(C.c.max_seq).where(C.c.conversation_id == conversation_id)
                )
            ).scalar()
        return max(int(a or 0), int(b or 0))

    async def delete_older_than(self, server_time_ms: int) -> int:
        async with self._engine.begin() as conn:
            res = await conn.execute(delete(M).where(M.c.server_time_ms < server_time_ms))
        return int(res.rowcount or 0)
