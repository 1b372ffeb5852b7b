"""The SDK's public data types: what the local store holds and listeners get."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum

from parley.common.v1 import common_pb2
from parley.msg.v1 import content_pb2, notification_pb2
from parley_sdk.content import CONTROL_EVENTS, summary


class SessionType(IntEnum):
    """Kind of conversation (same numbers as `parley.common.v1.SessionType`)."""

    SINGLE = common_pb2.SessionType.SESSION_TYPE_SINGLE
    GROUP = common_pb2.SessionType.SESSION_TYPE_GROUP
    NOTIFICATION = common_pb2.SessionType.SESSION_TYPE_NOTIFICATION


class ReceiveOption(IntEnum):
    """Per-conversation delivery setting (same numbers as the contract)."""

    NORMAL = common_pb2.ReceiveOption.RECEIVE_OPTION_NORMAL
    NO_NOTIFY = common_pb2.ReceiveOption.RECEIVE_OPTION_NO_NOTIFY
    NOT_RECEIVE = common_pb2.ReceiveOption.RECEIVE_OPTION_NOT_RECEIVE


class MessageStatus(IntEnum):
    """Server-side visibility of a message."""

    NORMAL = 1
    REVOKED = 2
    DELETED = 3


class SendStatus(IntEnum):
    """Local delivery state of a message (messages from others are SENT)."""

    SENDING = 1
    SENT = 2
    FAILED = 3


class MessageChange(StrEnum):
    """Why `on_message_updated` fired."""

    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    EDITED = "edited"
    REVOKED = "revoked"
    DELETED = "deleted"


class ConnectionState(StrEnum):
    """State of the realtime stream."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    KICKED = "kicked"
    TOKEN_EXPIRED = "token_expired"
    AUTH_FAILED = "auth_failed"
    CLOSED = "closed"

    @property
    def terminal(self) -> bool:
        """True for states the client does not leave by itself (it stops reconnecting)."""
        return self in (
            ConnectionState.KICKED,
            ConnectionState.TOKEN_EXPIRED,
            ConnectionState.AUTH_FAILED,
            ConnectionState.CLOSED,
        )


class ReceiptKind(StrEnum):
    """Kind of receipt."""

    READ = "read"
    DELIVERED = "delivered"


@dataclass(slots=True)
class ChatMessage:
    """A message (or event) of a conversation as stored locally.

    Messages being sent have ``seq == 0`` until the server acknowledges them.
    Exactly one of `content` (user messages) and `notification` (events) is set.
    """

    conversation_id: str
    client_msg_id: str
    sender_id: str
    session_type: int
    seq: int = 0
    server_msg_id: str = ""
    recv_id: str = ""
    group_id: str = ""
    content: content_pb2.Content | None = None
    notification: notification_pb2.Notification | None = None
    status: MessageStatus = MessageStatus.NORMAL
    send_status: SendStatus = SendStatus.SENT
    send_time_ms: int = 0
    server_time_ms: int = 0
    edited: bool = False
    edit_version: int = 0
    counts_unread: bool = False
    mentions_me: bool = False
    need_read_receipt: bool = False
    mention_user_ids: list[str] = field(default_factory=list)
    mention_all: bool = False
    extensions: dict[str, str] = field(default_factory=dict)
    error: str = ""
    local_id: int = 0

    @property
    def is_event(self) -> bool:
        """True for server events (notifications)."""
        return self.notification is not None

    @property
    def kind(self) -> str:
        """The content kind (``"text"``, ``"image"``, …) or the event name."""
        if self.notification is not None:
            return self.notification.WhichOneof("event") or ""
        if self.content is not None:
            return self.content.WhichOneof("kind") or ""
        return ""

    @property
    def is_control_event(self) -> bool:
        """True for events that only change other state (receipts, edits, revokes…)."""
        return self.kind in CONTROL_EVENTS

    @property
    def text(self) -> str:
        """A one-line text rendering (the text itself, ``[Image]``, an event description…)."""
        return summary(self.content, self.notification, self.status)


@dataclass(slots=True)
class Conversation:
    """One conversation as the user sees it, from the local store."""

    conversation_id: str
    session_type: int
    peer_user_id: str = ""
    group_id: str = ""
    max_seq: int = 0
    min_seq: int = 0
    synced_seq: int = 0
    has_read_seq: int = 0
    unread_count: int = 0
    has_unread_mention: bool = False
    peer_has_read_seq: int = 0
    peer_delivered_seq: int = 0
    pinned: bool = False
    receive_option: int = ReceiveOption.NORMAL
    draft: str = ""
    draft_time_ms: int = 0
    extension: str = ""
    version: int = 0
    update_time_ms: int = 0
    latest_message: ChatMessage | None = None

    @property
    def muted(self) -> bool:
        """True when the conversation is do-not-disturb or not received."""
        return self.receive_option in (ReceiveOption.NO_NOTIFY, ReceiveOption.NOT_RECEIVE)


@dataclass(slots=True)
class UserProfile:
    """A user's public profile (cached locally)."""

    user_id: str
    nickname: str = ""
    avatar_url: str = ""
    extension: str = ""
    create_time_ms: int = 0

    @property
    def display_name(self) -> str:
        """The nickname, or the user id when there is none."""
        return self.nickname or self.user_id


@dataclass(slots=True)
class Friend:
    """One entry of the friend list."""

    user: UserProfile
    remark: str = ""
    create_time_ms: int = 0

    @property
    def display_name(self) -> str:
        """The remark, else the nickname, else the id."""
        return self.remark or self.user.display_name


@dataclass(slots=True)
class FriendApplication:
    """A friend application (sent or received)."""

    from_user_id: str
    to_user_id: str
    message: str = ""
    state: int = 1  # parley.relation.v1.ApplicationState
    response_message: str = ""
    create_time_ms: int = 0
    handle_time_ms: int = 0


@dataclass(slots=True)
class BlockedUser:
    """One entry of the blacklist."""

    user_id: str
    create_time_ms: int = 0


@dataclass(slots=True)
class Group:
    """A group's information (cached locally)."""

    group_id: str
    name: str = ""
    avatar_url: str = ""
    intro: str = ""
    announcement: str = ""
    owner_user_id: str = ""
    join_policy: int = 0
    invite_policy: int = 0
    status: int = 1  # parley.group.v1.GroupStatus
    member_count: int = 0
    extension: str = ""
    creator_user_id: str = ""
    create_time_ms: int = 0
    joined: bool = True

    @property
    def conversation_id(self) -> str:
        """The group's conversation id."""
        return f"sg_{self.group_id}"


@dataclass(slots=True)
class GroupMember:
    """One member of a group (cached locally)."""

    group_id: str
    user_id: str
    role: int = 1  # parley.group.v1.GroupRole
    nickname: str = ""
    group_nickname: str = ""
    join_time_ms: int = 0
    mute_end_time_ms: int = 0
    inviter_user_id: str = ""

    @property
    def display_name(self) -> str:
        """Group nickname, else profile nickname, else the id."""
        return self.group_nickname or self.nickname or self.user_id


@dataclass(frozen=True, slots=True)
class Receipt:
    """Someone read (or received) a conversation up to a seq."""

    conversation_id: str
    user_id: str
    kind: ReceiptKind
    seq: int


@dataclass(frozen=True, slots=True)
class MessageReceipt:
    """Read/delivery state of one message (MsgService.GetMessageReceipts)."""

    seq: int
    read_count: int
    delivered_count: int
    unread_count: int
    reader_user_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TypingEvent:
    """Someone started or stopped typing."""

    conversation_id: str
    user_id: str
    typing: bool


@dataclass(frozen=True, slots=True)
class PresenceEvent:
    """A watched user went online or offline."""

    user_id: str
    online: bool
    platforms: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class FriendEvent:
    """A change of the friend graph, from a notification (already applied locally).

    `kind` is the notification's event name (``"friend_applied"``,
    ``"friend_added"``, ``"blacklist_added"``, ``"profile_changed"``, …) and
    `user_id` the other user concerned.
    """

    kind: str
    user_id: str
    notification: notification_pb2.Notification


@dataclass(frozen=True, slots=True)
class GroupEvent:
    """A change of a group, from a notification (already applied locally).

    `kind` is the notification's event name (``"group_created"``,
    ``"members_joined"``, ``"group_dismissed"``, …).
    """

    kind: str
    group_id: str
    notification: notification_pb2.Notification
