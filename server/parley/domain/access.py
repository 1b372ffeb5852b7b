"""Who may read and write a conversation, and who receives its pushes."""

from __future__ import annotations

from typing import Protocol

import grpc

from parley.common.v1 import common_pb2
from parley.errors import ParleyError, R, denied, not_found
from parley.ids import ConversationRef, parse_conversation_id

ST = common_pb2.SessionType


class GroupAccess(Protocol):
    """Implemented by the groups domain."""

    async def members_for_push(self, group_id: str) -> list[str]: ...

    async def check_member(self, group_id: str, user_id: str) -> None: ...

    async def check_active(self, group_id: str, user_id: str) -> None:
        """Current members only (former members may read, not write)."""
        ...

    async def read_cap(self, group_id: str, user_id: str) -> int | None:
        """The last seq a former member may read; None for members."""
        ...


class NoGroups:
    async def members_for_push(self, group_id: str) -> list[str]:
        return []

    async def check_member(self, group_id: str, user_id: str) -> None:
        raise ParleyError(
            grpc.StatusCode.UNIMPLEMENTED, R.ERROR_REASON_UNIMPLEMENTED, "groups are not enabled"
        )

    async def check_active(self, group_id: str, user_id: str) -> None:
        await self.check_member(group_id, user_id)

    async def read_cap(self, group_id: str, user_id: str) -> int | None:
        return None


class Access:
    def __init__(self, groups: GroupAccess | None = None) -> None:
        self.groups: GroupAccess = groups or NoGroups()

    async def readable(self, conversation_id: str, user_id: str) -> ConversationRef:
        """Parses the id and checks the user belongs to the conversation."""
        ref = parse_conversation_id(conversation_id)
        if ref.session_type == ST.SESSION_TYPE_GROUP:
            await self.groups.check_member(ref.group_id, user_id)
        elif user_id not in ref.users:
            # Not the caller's: answer as if it did not exist, to leak nothing.
            raise not_found(R.ERROR_REASON_CONVERSATION_NOT_FOUND, "conversation not found")
        return ref

    async def writable(self, conversation_id: str, user_id: str) -> ConversationRef:
        """Like `readable`, but a former group member is refused: what writes
        into a conversation (typing, revoke, edit, delete for everyone) needs
        a current member."""
        ref = await self.readable(conversation_id, user_id)
        if ref.session_type == ST.SESSION_TYPE_GROUP:
            await self.groups.check_active(ref.group_id, user_id)
        return ref

    async def visible_top(self, user_id: str, conversation_id: str, top: int) -> int:
        """`top` (the conversation's visible max) as this user may see it: a
        former group member sees nothing after their leave."""
        if not conversation_id.startswith("sg_"):
            return top
        cap = await self.groups.read_cap(conversation_id[3:], user_id)
        return top if cap is None else min(top, cap)

    async def recipients(self, ref: ConversationRef) -> list[str]:
        if ref.session_type == ST.SESSION_TYPE_GROUP:
            return await self.groups.members_for_push(ref.group_id)
        return list(dict.fromkeys(ref.users))


def require_admin(is_admin: bool) -> None:
    if not is_admin:
        raise denied(R.ERROR_REASON_ADMIN_REQUIRED, "admin token required")
