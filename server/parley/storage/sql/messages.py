from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from time import perf_counter

from sqlalchemy import Select, and_, bindparam, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from parley.observability import metrics
from parley.storage.batch import WriteBatch
from parley.storage.records import Message, message_values
from parley.storage.sql.conversation_state import ConversationStateWriter
from parley.storage.sql.engine import insert_ignore
from parley.storage.sql.mapping import hidden_columns, record, update_params
from parley.storage.sql.schema import (
    ConversationRow,
    HiddenMessageRow,
    MessageRow,
    UserConversationRow,
)

M = MessageRow.__table__  # type: ignore[attr-defined]
C = ConversationRow.__table__  # type: ignore[attr-defined]
UC = UserConversationRow.__table__  # type: ignore[attr-defined]
H = HiddenMessageRow.__table__  # type: ignore[attr-defined]


# Keys per duplicate-check statement (2 bind parameters each: far below every
# dialect's limit); a commit batch holds at most commit_max_batch (512) keys.
LOOKUP_CHUNK = 512


def _msg(r: object) -> Message:
    return record(Message, r)


@cache
def _client_id_lookup(n: int) -> Select[tuple[MessageRow]]:
    """Messages by n (sender_id, client_msg_id) keys, as an OR of equalities:
    SQLite plans `(a, b) IN (VALUES ...)` as a full scan of messages, an OR
    of equalities as one unique-index search per key (a MULTI-INDEX OR;
    PostgreSQL a BitmapOr, MariaDB a range on the same index). Built once
    per size: building a 512-term OR costs more than running it."""
    return select(M).where(  # type: ignore[no-any-return]
        or_(
            *(
                and_(
                    M.c.sender_id == bindparam(f"s{i}"),
                    M.c.client_msg_id == bindparam(f"c{i}"),
                )
                for i in range(n)
            )
        )
    )


def _lookup_params(keys: Sequence[tuple[str, str]]) -> tuple[int, dict[str, str]]:
    """The statement size for `keys`, rounded up to a power of two so that a
    handful of statements serve every batch (the padding repeats the last key),
    and its parameters."""
    size = 1 << (len(keys) - 1).bit_length()
    params: dict[str, str] = {}
    last = len(keys) - 1
    for i in range(size):
        sender, client_msg_id = keys[min(i, last)]
        params[f"s{i}"] = sender
        params[f"c{i}"] = client_msg_id
    return size, params


class SqlMessageStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._state = ConversationStateWriter(engine)
        # Idempotent: a worker replaying a batch after a crash (cluster mode)
        # finds its messages stored and skips them. Any unique key counts, as
        # on MySQL (INSERT IGNORE) and MongoDB (unordered insert).
        self._insert_msgs = insert_ignore(engine, M, None)
        self._insert_hidden = insert_ignore(engine, H, ["user_id", "conversation_id", "seq"])
        self._upd_msg = (
            update(M)
            .where(M.c.conversation_id == bindparam("b_conv"), M.c.seq == bindparam("b_seq"))
            .values(
                status=bindparam("b_status"),
                body=bindparam("b_body"),
                search_text=bindparam("b_text"),
            )
        )

    async def write(self, batch: WriteBatch) -> None:
        t0 = perf_counter()
        async with self._engine.begin() as conn:
            if batch.messages:
                await conn.execute(self._insert_msgs, [message_values(m) for m in batch.messages])
            await self._state.write(conn, batch)
            if batch.message_updates:
                await conn.execute(self._upd_msg, [update_params(u) for u in batch.message_updates])
            if batch.hidden:
                await conn.execute(self._insert_hidden, [hidden_columns(h) for h in batch.hidden])
        metrics.COMMIT_SECONDS.observe(perf_counter() - t0)
        metrics.COMMIT_MESSAGES.observe(len(batch.messages))

    async def get_range(self, conversation_id: str, begin: int, end: int) -> list[Message]:
        q = (
            select(M)
            .where(M.c.conversation_id == conversation_id, M.c.seq >= begin, M.c.seq <= end)
            .order_by(M.c.seq)
        )
        async with self._engine.connect() as conn:
            return [_msg(r) for r in (await conn.execute(q)).all()]

    async def get_one(self, conversation_id: str, seq: int) -> Message | None:
        q = select(M).where(M.c.conversation_id == conversation_id, M.c.seq == seq)
        async with self._engine.connect() as conn:
            row = (await conn.execute(q)).first()
        return _msg(row) if row else None

    async def find_by_client_ids(
        self, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], Message]:
        unique = list(dict.fromkeys(keys))
        found: dict[tuple[str, str], Message] = {}
        if not unique:
            return found
        async with self._engine.connect() as conn:
            for i in range(0, len(unique), LOOKUP_CHUNK):
                size, params = _lookup_params(unique[i : i + LOOKUP_CHUNK])
                for r in (await conn.execute(_client_id_lookup(size), params)).all():
                    row = _msg(r)
                    found[(row.sender_id, row.client_msg_id)] = row
        return found

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
    ) -> list[Message]:
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
