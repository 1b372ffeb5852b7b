from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from parley.storage.batch import WriteBatch
from parley.storage.records import Conversation, UserConversation
from parley.storage.sql.conversation_state import ConversationStateWriter
from parley.storage.sql.mapping import record
from parley.storage.sql.schema import ConversationRow, UserConversationRow

C = ConversationRow.__table__  # type: ignore[attr-defined]
UC = UserConversationRow.__table__  # type: ignore[attr-defined]


def _pair(r: object) -> tuple[UserConversation, Conversation]:
    m = dict(r._mapping)  # type: ignore[attr-defined]
    conv = Conversation(
        conversation_id=m["conversation_id"],
        session_type=m["session_type"],
        max_seq=m["c_max_seq"] or 0,
        version=m["c_version"] or 0,
        update_time_ms=m["c_update_time_ms"] or 0,
    )
    for k in ("c_max_seq", "c_version", "c_update_time_ms"):
        m.pop(k)
    return UserConversation(**m), conv


def _joined() -> object:
    return select(
        UC,
        C.c.max_seq.label("c_max_seq"),
        C.c.version.label("c_version"),
        C.c.update_time_ms.label("c_update_time_ms"),
    ).select_from(UC.outerjoin(C, C.c.conversation_id == UC.c.conversation_id))


class SqlConversationStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._writer = ConversationStateWriter(engine)

    async def write_state(self, batch: WriteBatch) -> None:
        async with self._engine.begin() as conn:
            await self._writer.write(conn, batch)

    async def get_conversation(self, conversation_id: str) -> Conversation | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(select(C).where(C.c.conversation_id == conversation_id))
            ).first()
        return record(Conversation, row) if row else None

    async def get_user_conversation(
        self, user_id: str, conversation_id: str
    ) -> UserConversation | None:
        q = select(UC).where(UC.c.user_id == user_id, UC.c.conversation_id == conversation_id)
        async with self._engine.connect() as conn:
            row = (await conn.execute(q)).first()
        return record(UserConversation, row) if row else None

    async def list_user_conversations(
        self, user_id: str, since_version: int
    ) -> list[tuple[UserConversation, Conversation]]:
        q = _joined().where(UC.c.user_id == user_id)  # type: ignore[attr-defined]
        if since_version:
            q = q.where(or_(UC.c.version > since_version, C.c.version > since_version))
        async with self._engine.connect() as conn:
            return [_pair(r) for r in (await conn.execute(q)).all()]

    async def get_user_conversations(
        self, user_id: str, conversation_ids: Sequence[str]
    ) -> list[tuple[UserConversation, Conversation]]:
        if not conversation_ids:
            return []
        q = _joined().where(  # type: ignore[attr-defined]
            UC.c.user_id == user_id, UC.c.conversation_id.in_(list(conversation_ids))
        )
        async with self._engine.connect() as conn:
            return [_pair(r) for r in (await conn.execute(q)).all()]

    async def update_user_conversation(
        self, user_id: str, conversation_id: str, **fields: object
    ) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                update(UC)
                .where(UC.c.user_id == user_id, UC.c.conversation_id == conversation_id)
                .values(**fields)
            )

    async def max_version(self) -> int:
        async with self._engine.connect() as conn:
            a = (await conn.execute(select(func.max(C.c.version)))).scalar()
            b = (await conn.execute(select(func.max(UC.c.version)))).scalar()
        return max(int(a or 0), int(b or 0))

    async def conversation_members(self, conversation_id: str) -> list[str]:
        q = select(UC.c.user_id).where(UC.c.conversation_id == conversation_id)
        async with self._engine.connect() as conn:
            return [r[0] for r in (await conn.execute(q)).all()]

    async def member_states(self, conversation_id: str) -> list[UserConversation]:
        q = select(UC).where(UC.c.conversation_id == conversation_id)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(q)).all()
        return [record(UserConversation, r) for r in rows]
