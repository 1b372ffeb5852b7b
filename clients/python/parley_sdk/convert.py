"""Conversions between the contract's messages and the SDK's data types."""

from __future__ import annotations

from parley.group.v1 import group_pb2
from parley.msg.v1 import message_pb2
from parley.relation.v1 import relation_pb2
from parley.user.v1 import user_pb2
from parley_sdk.models import (
    ChatMessage,
    FriendApplication,
    Group,
    GroupMember,
    MessageStatus,
    SendStatus,
    UserProfile,
)


def message_from_proto(
    m: message_pb2.Message, send_status: SendStatus = SendStatus.SENT
) -> ChatMessage:
    """A ChatMessage from a pulled or pushed `parley.msg.v1.Message`."""
    status = m.status if m.status in (1, 2, 3) else 1
    return ChatMessage(
        conversation_id=m.conversation_id,
        client_msg_id=m.client_msg_id,
        sender_id=m.sender_id,
        session_type=int(m.session_type),
        seq=m.seq,
        server_msg_id=m.server_msg_id,
        recv_id=m.recv_id,
        group_id=m.group_id,
        content=m.content if m.HasField("content") else None,
        notification=m.notification if m.HasField("notification") else None,
        status=MessageStatus(status),
        send_status=send_status,
        send_time_ms=m.send_time_ms,
        server_time_ms=m.server_time_ms,
        edited=m.edited,
        edit_version=m.edit_version,
        counts_unread=m.counts_unread,
        mentions_me=m.mentions_me,
        need_read_receipt=m.need_read_receipt,
        mention_user_ids=list(m.mentions.user_ids),
        mention_all=m.mentions.all,
        extensions=dict(m.extensions),
    )


def message_to_proto(c: ChatMessage) -> message_pb2.Message:
    """The `parley.msg.v1.Message` form of a ChatMessage (for storage)."""
    m = message_pb2.Message(
        server_msg_id=c.server_msg_id,
        client_msg_id=c.client_msg_id,
        conversation_id=c.conversation_id,
        seq=c.seq,
        sender_id=c.sender_id,
        session_type=c.session_type,  # type: ignore[arg-type]
        recv_id=c.recv_id,
        group_id=c.group_id,
        send_time_ms=c.send_time_ms,
        server_time_ms=c.server_time_ms,
        status=int(c.status),  # type: ignore[arg-type]
        edited=c.edited,
        edit_version=c.edit_version,
        counts_unread=c.counts_unread,
        need_read_receipt=c.need_read_receipt,
        mentions_me=c.mentions_me,
    )
    if c.content is not None:
        m.content.CopyFrom(c.content)
    if c.notification is not None:
        m.notification.CopyFrom(c.notification)
    if c.mention_user_ids or c.mention_all:
        m.mentions.user_ids.extend(c.mention_user_ids)
        m.mentions.all = c.mention_all
    m.extensions.update(c.extensions)
    return m


def user_from_proto(u: user_pb2.UserInfo) -> UserProfile:
    """A UserProfile from `parley.user.v1.UserInfo`."""
    return UserProfile(
        user_id=u.user_id,
        nickname=u.nickname,
        avatar_url=u.avatar_url,
        extension=u.extension,
        create_time_ms=u.create_time_ms,
    )


def application_from_proto(a: relation_pb2.FriendApplication) -> FriendApplication:
    """A FriendApplication from the contract's."""
    return FriendApplication(
        from_user_id=a.from_user_id,
        to_user_id=a.to_user_id,
        message=a.message,
        state=int(a.state),
        response_message=a.response_message,
        create_time_ms=a.create_time_ms,
        handle_time_ms=a.handle_time_ms,
    )


def group_from_proto(g: group_pb2.GroupInfo, joined: bool = True) -> Group:
    """A Group from `parley.group.v1.GroupInfo`."""
    return Group(
        group_id=g.group_id,
        name=g.name,
        avatar_url=g.avatar_url,
        intro=g.intro,
        announcement=g.announcement,
        owner_user_id=g.owner_user_id,
        join_policy=int(g.join_policy),
        invite_policy=int(g.invite_policy),
        status=int(g.status) or 1,
        member_count=g.member_count,
        extension=g.extension,
        creator_user_id=g.creator_user_id,
        create_time_ms=g.create_time_ms,
        joined=joined,
    )


def member_from_proto(m: group_pb2.GroupMember) -> GroupMember:
    """A GroupMember from the contract's."""
    return GroupMember(
        group_id=m.group_id,
        user_id=m.user.user_id,
        role=int(m.role) or 1,
        nickname=m.user.nickname,
        group_nickname=m.group_nickname,
        join_time_ms=m.join_time_ms,
        mute_end_time_ms=m.mute_end_time_ms,
        inviter_user_id=m.inviter_user_id,
    )
