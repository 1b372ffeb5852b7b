"""What offline push needs to know about recipients: their receive options."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import and_, literal, select
from sqlalchemy.ext.asyncio import AsyncEngine

from parley.storage.sql.schema import UserConversationRow, UserRow

U = UserRow.__table__  # type: ignore[attr-defined]
UC = UserConversationRow.__table__  # type: ignore[attr-defined]


class SqlPushStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def receive_options(
        self, user_ids: Sequence[str], conversation_id: str | None
    ) -> dict[str, tuple[int, int]]:
        if not user_ids:
            return {}
        # Primary-key lookups on both tables: (user_id) and (user_id, conversation_id).
        conv = (
            literal(conversation_id)
            if conversation_id is not None
            else literal("n_") + U.c.user_id  # the user's notification conversation
        )
        q = (
            select(U.c.user_id, U.c.global_receive_option, UC.c.receive_option)
            .select_from(
                U.outerjoin(UC, and_(UC.c.user_id == U.c.user_id, UC.c.conversation_id == conv))
            )
            .where(U.c.user_id.in_(list(user_ids)))
        )
        async with self._engine.connect() as conn:
            rows = (await conn.execute(q)).all()
        return {str(u): (int(g or 0), int(c or 0)) for u, g, c in rows}
