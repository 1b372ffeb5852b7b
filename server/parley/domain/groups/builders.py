"""The protobuf messages that group views and events share."""

from __future__ import annotations

from collections.abc import Sequence

from parley.domain.users import Users, user_info
from parley.errors import R, not_found
from parley.group.v1 import group_pb2
from parley.ids import group_conversation_id
from parley.msg.v1 import notification_pb2
from parley.storage.records import Group, GroupMember, GroupRequest
from parley.user.v1 import user_pb2


def group_info(row: Group, member_count: int) -> group_pb2.GroupInfo:
    return group_pb2.GroupInfo(
        group_id=row.group_id,
        name=row.name,
        avatar_url=row.avatar_url,
        intro=row.intro,
        announcement=row.announcement,
        owner_user_id=row.owner_user_id,
        join_policy=row.join_policy,  # type: ignore[arg-type]
        invite_policy=row.invite_policy,  # type: ignore[arg-type]
        status=row.status,  # type: ignore[arg-type]
        member_count=member_count,
        extension=row.extension,
        creator_user_id=row.creator_user_id,
        create_time_ms=row.create_time_ms,
        conversation_id=group_conversation_id(row.group_id),
    )


def join_request(
    group_id: str, r: GroupRequest, user: user_pb2.UserInfo | None
) -> group_pb2.JoinRequest:
    req = group_pb2.JoinRequest(
        group_id=group_id,
        message=r.message,
        state=r.state,  # type: ignore[arg-type]
        create_time_ms=r.create_time_ms,
        handler_user_id=r.handler_user_id,
    )
    req.user.CopyFrom(user or user_pb2.UserInfo(user_id=r.user_id))
    return req


def group_member(
    group_id: str, r: GroupMember, user: user_pb2.UserInfo | None, now: int
) -> group_pb2.GroupMember:
    gm = group_pb2.GroupMember(
        group_id=group_id,
        role=r.role,  # type: ignore[arg-type]
        group_nickname=r.nickname,
        join_time_ms=r.join_time_ms,
        mute_end_time_ms=r.mute_end_time_ms if r.mute_end_time_ms > now else 0,
        inviter_user_id=r.inviter_user_id,
    )
    gm.user.CopyFrom(user or user_pb2.UserInfo(user_id=r.user_id))
    return gm


def note(op_user_id: str, as_admin: bool = False) -> notification_pb2.Notification:
    """An event caused by `op_user_id`; `as_admin`: an admin token's id, the
    operator acting on the group from AdminService."""
    n = notification_pb2.Notification(op_user_id=op_user_id)
    if as_admin:
        n.op_as = notification_pb2.MESSAGE_ACTOR_ADMIN
    return n


async def profiles(users: Users, user_ids: Sequence[str]) -> dict[str, user_pb2.UserInfo]:
    rows = await users.store.get_users(list(dict.fromkeys(user_ids)))
    return {r.user_id: user_info(r) for r in rows}


async def existing(users: Users, user_ids: Sequence[str]) -> dict[str, user_pb2.UserInfo]:
    """Their profiles; raises USER_NOT_FOUND for any user that does not exist."""
    infos = await profiles(users, user_ids)
    for u in user_ids:
        if u not in infos:
            raise not_found(R.ERROR_REASON_USER_NOT_FOUND, f"user {u} not found")
    return infos
