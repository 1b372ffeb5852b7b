"""Building message content and rendering content and events as text."""

from __future__ import annotations

from parley.group.v1 import group_pb2
from parley.msg.v1 import content_pb2, notification_pb2

# Events that only change other state; they never show up as a history line
# and never reach `on_new_message`.
CONTROL_EVENTS = frozenset(
    {
        "message_revoked",
        "message_edited",
        "messages_deleted",
        "read_receipt",
        "delivery_receipt",
        "conversation_changed",
        "conversation_cleared",
    }
)
FRIEND_EVENTS = frozenset(
    {
        "friend_applied",
        "friend_added",
        "friend_application_refused",
        "friend_deleted",
        "friend_remark_set",
        "blacklist_added",
        "blacklist_removed",
        "profile_changed",
    }
)
GROUP_EVENTS = frozenset(
    {
        "group_created",
        "group_info_changed",
        "members_joined",
        "member_quit",
        "members_kicked",
        "members_invited",
        "member_muted",
        "group_muted",
        "member_role_changed",
        "owner_transferred",
        "group_dismissed",
        "group_join_requested",
        "group_join_refused",
        "member_nickname_changed",
    }
)

_LABELS = {
    "image": "[Image]",
    "voice": "[Voice]",
    "video": "[Video]",
    "file": "[File]",
    "location": "[Location]",
    "card": "[Card]",
    "merged_forward": "[Chat history]",
    "custom": "[Custom]",
}


def text_content(text: str) -> content_pb2.Content:
    """Content of a plain text message."""
    content = content_pb2.Content()
    content.text.text = text
    return content


def search_text(content: content_pb2.Content | None) -> str:
    """The words of a content that local search finds."""
    if content is None:
        return ""
    kind = content.WhichOneof("kind")
    if kind == "text":
        return content.text.text
    if kind == "quote":
        return content.quote.text
    if kind == "file":
        return content.file.name
    if kind == "location":
        return content.location.description
    if kind == "card":
        return content.card.nickname
    if kind == "custom":
        return content.custom.description
    if kind == "merged_forward":
        return " ".join([content.merged_forward.title, *content.merged_forward.abstracts])
    return ""


def summary(
    content: content_pb2.Content | None,
    notification: notification_pb2.Notification | None,
    status: int = 1,
) -> str:
    """A one-line rendering of a message or event."""
    if status == 2:
        return "[message revoked]"
    if status == 3:
        return "[message deleted]"
    if notification is not None:
        return describe_event(notification)
    if content is None:
        return ""
    kind = content.WhichOneof("kind")
    if kind == "text":
        return content.text.text
    if kind == "quote":
        return content.quote.text
    if kind == "custom" and content.custom.description:
        return content.custom.description
    if kind == "file":
        return f"[File] {content.file.name}"
    return _LABELS.get(kind or "", "")


def _users(infos: object) -> str:
    return ", ".join(u.nickname or u.user_id for u in infos)  # type: ignore[attr-defined]


def describe_event(n: notification_pb2.Notification) -> str:
    """A human-readable line for an event."""
    kind = n.WhichOneof("event") or ""
    op = n.op_user_id
    if kind == "friend_applied":
        who = n.friend_applied.from_user
        text = f"{who.nickname or who.user_id} wants to be friends"
        return f"{text}: {n.friend_applied.message}" if n.friend_applied.message else text
    if kind == "friend_added":
        a, b = n.friend_added.from_user, n.friend_added.to_user
        return f"{a.nickname or a.user_id} and {b.nickname or b.user_id} are now friends"
    if kind == "friend_application_refused":
        return f"{n.friend_application_refused.to_user_id} refused the friend application"
    if kind == "friend_deleted":
        return f"{n.friend_deleted.user_id} removed {n.friend_deleted.friend_user_id} as a friend"
    if kind == "friend_remark_set":
        return f"remark of {n.friend_remark_set.friend_user_id} set"
    if kind == "blacklist_added":
        return f"blocked {n.blacklist_added.blocked_user_id}"
    if kind == "blacklist_removed":
        return f"unblocked {n.blacklist_removed.blocked_user_id}"
    if kind == "profile_changed":
        return f"{n.profile_changed.user.user_id} updated their profile"
    if kind == "group_created":
        return f"{op} created the group {n.group_created.group.name}"
    if kind == "group_info_changed":
        return f"{op} changed the group information"
    if kind == "members_joined":
        return f"{_users(n.members_joined.users)} joined the group"
    if kind == "member_quit":
        return f"{n.member_quit.user_id} left the group"
    if kind == "members_kicked":
        return f"{op} removed {', '.join(n.members_kicked.user_ids)}"
    if kind == "members_invited":
        return f"{op} invited {_users(n.members_invited.users)}"
    if kind == "member_muted":
        state = "muted" if n.member_muted.mute_end_time_ms else "unmuted"
        return f"{op} {state} {n.member_muted.user_id}"
    if kind == "group_muted":
        return f"{op} {'muted' if n.group_muted.muted else 'unmuted'} the group"
    if kind == "member_role_changed":
        role = group_pb2.GroupRole.Name(n.member_role_changed.role).removeprefix("GROUP_ROLE_")
        return f"{n.member_role_changed.user_id} is now {role.lower()}"
    if kind == "owner_transferred":
        return f"{n.owner_transferred.new_owner_user_id} is the new owner"
    if kind == "group_dismissed":
        return "the group was dismissed"
    if kind == "group_join_requested":
        u = n.group_join_requested.user
        return f"{u.nickname or u.user_id} asked to join the group"
    if kind == "group_join_refused":
        return "the join request was refused"
    if kind == "member_nickname_changed":
        c = n.member_nickname_changed
        return f"{c.user_id} is now called {c.nickname}"
    if kind == "message_revoked":
        return f"{n.message_revoked.revoker_user_id} revoked a message"
    if kind == "message_edited":
        return f"{op} edited a message"
    if kind == "messages_deleted":
        return f"{op} deleted {len(n.messages_deleted.seqs)} message(s)"
    if kind == "read_receipt":
        return f"{n.read_receipt.reader_user_id} read up to #{n.read_receipt.has_read_seq}"
    if kind == "delivery_receipt":
        return f"delivered to {n.delivery_receipt.receiver_user_id}"
    if kind == "conversation_changed":
        return "conversation settings changed"
    if kind == "conversation_cleared":
        return "conversation cleared"
    if kind == "system_notice":
        s = n.system_notice
        return f"{s.title}: {s.text}" if s.title else s.text
    return "[event]"
