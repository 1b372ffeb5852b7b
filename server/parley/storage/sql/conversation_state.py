"""The conversation-state half of a WriteBatch (conversations, members' rows,
read/delivered/min-seq marks, activity and statistics), written inside a caller's transaction.

SqlMessageStore writes it together with the messages (one transaction in
embedded mode); in cluster mode the messages go to another store and this half
still goes to SQL. Every statement but the statistics counters is idempotent
(upserts only raise, inserts ignore existing rows), so a worker replaying a
batch after a crash changes no conversation state."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, bindparam, case, func, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from parley.storage.batch import WriteBatch
from parley.storage.sql.engine import insert_for, insert_ignore, is_mysql
from parley.storage.sql.mapping import conversation_columns, membership_columns
from parley.storage.sql.schema import (
    ConversationRow,
    DailyActivityRow,
    DailyCounterRow,
    DailyGroupActivityRow,
    UserConversationRow,
    UserRow,
)

C = ConversationRow.__table__  # type: ignore[attr-defined]
UC = UserConversationRow.__table__  # type: ignore[attr-defined]
A = DailyActivityRow.__table__  # type: ignore[attr-defined]
DC = DailyCounterRow.__table__  # type: ignore[attr-defined]
GA = DailyGroupActivityRow.__table__  # type: ignore[attr-defined]
U = UserRow.__table__  # type: ignore[attr-defined]


def raise_to(column: Any, param: str) -> Any:
    """`column` becomes max(column, :param), portably (no GREATEST in SQLite).
    The parameter is typed: PostgreSQL cannot infer it from `:p > column`."""
    p: Any = bindparam(param, type_=BigInteger)
    return case((p > column, p), else_=column)


class ConversationStateWriter:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._mysql = is_mysql(engine)
        where = (UC.c.user_id == bindparam("b_user"), UC.c.conversation_id == bindparam("b_conv"))
        self._upd_read = (
            update(UC)
            .where(*where)
            .values(
                has_read_seq=raise_to(UC.c.has_read_seq, "b_seq"),
                version=raise_to(UC.c.version, "b_ver"),
            )
        )
        self._upd_min = (
            update(UC)
            .where(*where)
            .values(
                min_seq=raise_to(UC.c.min_seq, "b_seq"), version=raise_to(UC.c.version, "b_ver")
            )
        )
        self._upd_delivered = (
            update(UC).where(*where).values(delivered_seq=raise_to(UC.c.delivered_seq, "b_seq"))
        )
        self._conv_upsert = self._conversation_upsert()
        self._uc_insert = insert_ignore(engine, UC, ["user_id", "conversation_id"])
        self._activity_insert = insert_ignore(engine, A, ["day", "user_id"])
        self._group_activity_insert = insert_ignore(engine, GA, ["day", "group_id"])
        self._counter_upsert = self._counter_add()
        self._upd_last_active = (
            update(U)
            .where(U.c.user_id == bindparam("b_user"))
            .values(last_active_ms=raise_to(U.c.last_active_ms, "b_ms"))
        )

    def _counter_add(self) -> Any:
        stmt: Any = insert_for(self._engine, DC)
        if self._mysql:
            return stmt.on_duplicate_key_update(value=DC.c.value + stmt.inserted.value)
        return stmt.on_conflict_do_update(
            index_elements=["day", "metric"], set_={"value": DC.c.value + stmt.excluded.value}
        )

    def _conversation_upsert(self) -> Any:
        stmt: Any = insert_for(self._engine, C)
        if self._mysql:
            ins = stmt.inserted
            return stmt.on_duplicate_key_update(
                max_seq=func.greatest(C.c.max_seq, ins.max_seq),
                version=func.greatest(C.c.version, ins.version),
                update_time_ms=func.greatest(C.c.update_time_ms, ins.update_time_ms),
            )
        ex = stmt.excluded
        return stmt.on_conflict_do_update(
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

    async def write(self, conn: AsyncConnection, batch: WriteBatch) -> None:
        if batch.conversations:
            await conn.execute(
                self._conv_upsert,
                [conversation_columns(c) for c in batch.conversations.values()],
            )
        if batch.user_conversations:
            await conn.execute(
                self._uc_insert, [membership_columns(uc) for uc in batch.user_conversations]
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
        if batch.activity:
            await conn.execute(
                self._activity_insert, [{"day": d, "user_id": u} for d, u in batch.activity]
            )
        if batch.group_activity:
            await conn.execute(
                self._group_activity_insert,
                [{"day": d, "group_id": g} for d, g in batch.group_activity],
            )
        if batch.counters:
            # Counters add up, so they are the one part that is not idempotent:
            # a replayed batch counts twice (statistics only, never messages).
            await conn.execute(
                self._counter_upsert,
                [{"day": d, "metric": m, "value": n} for (d, m), n in batch.counters.items()],
            )
        if batch.last_active:
            await conn.execute(
                self._upd_last_active,
                [{"b_user": u, "b_ms": ms} for u, ms in batch.last_active.items()],
            )
