"""One interface per storage domain. Backends implement these; the domain
layer depends only on them (and on the row types of storage.sql.schema, which
every backend returns)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from parley.storage.batch import WriteBatch
from parley.storage.sql.schema import (
    ConversationRow,
    MessageRow,
    UserConversationRow,
    UserRow,
)


class UserStore(Protocol):
    async def create_users(self, users: Sequence[UserRow]) -> None:
        """Inserts all or none; raises KeyError(user_id) when one exists."""

    async def get_users(self, user_ids: Sequence[str]) -> list[UserRow]: ...

    async def update_user(self, user_id: str, **fields: object) -> UserRow | None: ...

    async def search_users(
        self, keyword: str, offset: int, limit: int, blocked_only: bool = False
    ) -> tuple[list[UserRow], int]: ...

    async def count_users(self, created_before_ms: int | None = None) -> int: ...

    async def count_users_created(self, start_ms: int, end_ms: int) -> int: ...


class TokenStore(Protocol):
    async def revoke(self, jti: str, expire_ms: int) -> None: ...

    async def revoked_ids(self, now_ms: int) -> set[str]:
        """All revoked token ids that have not expired yet (loaded at start)."""

    async def set_floor(self, user_id: str, platform: int, not_before_ms: int) -> None: ...

    async def floors(self) -> dict[tuple[str, int], int]: ...


class MessageStore(Protocol):
    async def write(self, batch: WriteBatch) -> None:
        """Writes the whole batch atomically, or raises and writes nothing."""

    async def get_range(self, conversation_id: str, begin: int, end: int) -> list[MessageRow]: ...

    async def get_one(self, conversation_id: str, seq: int) -> MessageRow | None: ...

    async def find_by_client_id(self, sender_id: str, client_msg_id: str) -> MessageRow | None: ...

    async def hidden_seqs(
        self, user_id: str, conversation_id: str, begin: int, end: int
    ) -> set[int]: ...

    async def count_unread(
        self, conversation_id: str, user_id: str, after_seq: int, upto_seq: int
    ) -> int: ...

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
    ) -> list[MessageRow]: ...

    async def max_seq(self, conversation_id: str) -> int: ...

    async def delete_older_than(self, server_time_ms: int) -> int: ...


class ConversationStore(Protocol):
    async def get_conversation(self, conversation_id: str) -> ConversationRow | None: ...

    async def get_user_conversation(
        self, user_id: str, conversation_id: str
    ) -> UserConversationRow | None: ...

    async def list_user_conversations(
        self, user_id: str, since_version: int
    ) -> list[tuple[UserConversationRow, ConversationRow]]: ...

    async def get_user_conversations(
        self, user_id: str, conversation_ids: Sequence[str]
    ) -> list[tuple[UserConversationRow, ConversationRow]]: ...

    async def update_user_conversation(
        self, user_id: str, conversation_id: str, **fields: object
    ) -> None: ...

    async def max_version(self) -> int: ...

    async def conversation_members(self, conversation_id: str) -> list[str]: ...

    async def member_states(self, conversation_id: str) -> list[UserConversationRow]: ...
