"""Who may read and write a conversation, and who receives its pushes: the
rules table (domain/rules.py) applied to the facts of groups and relations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import grpc

from parley.common.v1 import common_pb2
from parley.domain.rules import RULES, Action, Bar, GroupSeat, refusal
from parley.errors import ParleyError, R, denied
from parley.ids import ConversationRef, parse_conversation_id

ST = common_pb2.SessionType


class GroupAccess(Protocol):
    """Implemented by the groups domain."""

    async def members_for_push(self, group_id: str) -> list[str]: ...

    async def seat(self, group_id: str, user_id: str) -> GroupSeat:
        """Raises GROUP_NOT_FOUND."""
        ...

    async def read_cap(self, group_id: str, user_id: str) -> int | None:
        """The last seq a former member may read; None for members."""
        ...


class PeerAccess(Protocol):
    """Implemented by the relations domain."""

    friends_only: bool

    async def has_blocked(self, owner: str, other: str) -> bool: ...

    async def are_friends(self, a: str, b: str) -> bool: ...


class NoGroups:
    async def members_for_push(self, group_id: str) -> list[str]:
        return []

    async def seat(self, group_id: str, user_id: str) -> GroupSeat:
        raise ParleyError(
            grpc.StatusCode.UNIMPLEMENTED, R.ERROR_REASON_UNIMPLEMENTED, "groups are not enabled"
        )

    async def read_cap(self, group_id: str, user_id: str) -> int | None:
        return None


class NoPeers:
    friends_only = False

    async def has_blocked(self, owner: str, other: str) -> bool:
        return False

    async def are_friends(self, a: str, b: str) -> bool:
        return True


@dataclass(frozen=True, slots=True)
class Standing:
    """The caller admitted to a conversation; `seat` in groups only (None for
    an admin token, which sits in no group)."""

    ref: ConversationRef
    seat: GroupSeat | None


class Access:
    def __init__(self, groups: GroupAccess | None = None, peers: PeerAccess | None = None) -> None:
        self.groups: GroupAccess = groups or NoGroups()
        self.peers: PeerAccess = peers or NoPeers()

    async def admit(
        self, action: Action, conversation_id: str, user_id: str, is_admin: bool = False
    ) -> Standing:
        """Parses the id and applies the action's rule to the caller. An admin
        token passes only where a rule names it a moderator, and no bar
        applies to it; the conversation must still exist."""
        ref = parse_conversation_id(conversation_id)
        group = ref.session_type == ST.SESSION_TYPE_GROUP
        if is_admin:
            if not RULES[action].moderators:
                raise denied(R.ERROR_REASON_PERMISSION_DENIED, "this action needs a user token")
            if group:
                await self.groups.seat(ref.group_id, user_id)
            return Standing(ref, None)
        seat = await self.groups.seat(ref.group_id, user_id) if group else None
        for bar in RULES[action].bars:
            if await self._holds(bar, ref, user_id, seat):
                raise refusal(bar, ref.session_type)
        return Standing(ref, seat)

    async def _holds(
        self, bar: Bar, ref: ConversationRef, user_id: str, seat: GroupSeat | None
    ) -> bool:
        if seat is not None:
            if bar is Bar.STRANGER:
                return not seat.role and not seat.former
            if bar is Bar.DISMISSED:
                return seat.dismissed
            if bar is Bar.FORMER_MEMBER:
                return not seat.role
            return bar is Bar.MUTED and seat.muted
        if bar is Bar.STRANGER:
            return user_id not in ref.users
        if ref.session_type != ST.SESSION_TYPE_SINGLE:
            return False
        peer = ref.peer_of(user_id)
        if peer == user_id:
            return False
        if bar is Bar.BLOCKED_BY_PEER:
            return await self.peers.has_blocked(peer, user_id)
        if bar is Bar.NOT_FRIENDS:
            return self.peers.friends_only and not await self.peers.are_friends(user_id, peer)
        return False

    async def readable(self, conversation_id: str, user_id: str) -> ConversationRef:
        """The conversation, when the user belongs (or belonged) to it."""
        return (await self.admit(Action.READ, conversation_id, user_id)).ref

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
