"""What the stores hold, as plain values: the vocabulary between the domain and
every backend. The SQL tables (storage/sql/schema.py) and the MongoDB
documents map to these; the field names are the column names, and the
defaults are the columns' defaults.

Slots dataclasses: the send path builds one Message and one Conversation per
message, so a record costs no more than the dict it replaced."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class User:
    user_id: str
    nickname: str = ""
    avatar_url: str = ""
    extension: str = ""
    create_time_ms: int = 0
    global_receive_option: int = 0
    blocked: bool = False
    blocked_reason: str = ""
    last_active_ms: int = 0


@dataclass(slots=True)
class Message:
    """A stored message; `body` is the serialized parley.msg.v1.Message."""

    conversation_id: str
    seq: int
    server_msg_id: str
    client_msg_id: str
    sender_id: str = ""
    session_type: int = 0
    status: int = 1
    counts_unread: bool = True
    server_time_ms: int = 0
    # Lower-cased searchable text of the content ("" for media without captions).
    search_text: str = ""
    body: bytes = b""


def message_values(m: Message) -> dict[str, Any]:
    """The fields of a message by name: the messages table's columns and the
    MongoDB document (built per message on the write path, hence no generic walk)."""
    return {
        "conversation_id": m.conversation_id,
        "seq": m.seq,
        "server_msg_id": m.server_msg_id,
        "client_msg_id": m.client_msg_id,
        "sender_id": m.sender_id,
        "session_type": m.session_type,
        "status": m.status,
        "counts_unread": m.counts_unread,
        "server_time_ms": m.server_time_ms,
        "search_text": m.search_text,
        "body": m.body,
    }


@dataclass(slots=True)
class Conversation:
    """Shared state of a conversation (one record, whatever the member count).
    In a WriteBatch, an upsert whose max_seq, version and update time only rise."""

    conversation_id: str
    session_type: int
    max_seq: int = 0
    # Bumped on every new message: members' lists change without a record per member.
    version: int = 0
    update_time_ms: int = 0


@dataclass(slots=True)
class UserConversation:
    """One user's view of a conversation (a membership): read state and settings."""

    user_id: str
    conversation_id: str
    session_type: int
    peer_user_id: str = ""
    group_id: str = ""
    min_seq: int = 0
    has_read_seq: int = 0
    delivered_seq: int = 0
    pinned: bool = False
    receive_option: int = 0
    draft: str = ""
    draft_time_ms: int = 0
    extension: str = ""
    version: int = 0
    create_time_ms: int = 0


@dataclass(slots=True)
class Group:
    group_id: str
    name: str = ""
    avatar_url: str = ""
    intro: str = ""
    announcement: str = ""
    owner_user_id: str = ""
    creator_user_id: str = ""
    # parley.group.v1 JoinPolicy / InvitePolicy / GroupStatus
    join_policy: int = 2
    invite_policy: int = 1
    status: int = 1
    extension: str = ""
    create_time_ms: int = 0


@dataclass(slots=True)
class GroupMember:
    """A member, or a former member (`active` false): former members keep
    reading the group's history up to `left_seq`, the seq of their leave event."""

    group_id: str
    user_id: str
    # parley.group.v1.GroupRole; larger is stronger.
    role: int = 1
    nickname: str = ""
    join_time_ms: int = 0
    inviter_user_id: str = ""
    mute_end_time_ms: int = 0
    active: bool = True
    left_seq: int = 0


@dataclass(slots=True)
class MemberBrief:
    """What the send path needs of a (former) member, without the full record."""

    user_id: str
    role: int
    mute_end_time_ms: int
    active: bool
    left_seq: int


@dataclass(slots=True)
class GroupRequest:
    """The latest request of a user to join a group (a re-request replaces it)."""

    group_id: str
    user_id: str
    message: str = ""
    # parley.group.v1.JoinRequestState
    state: int = 1
    create_time_ms: int = 0
    handler_user_id: str = ""
    handle_time_ms: int = 0


@dataclass(slots=True)
class Friend:
    """One direction of a friendship: a friendship is two records, so each side
    has its own remark."""

    owner_user_id: str
    friend_user_id: str
    remark: str = ""
    create_time_ms: int = 0


@dataclass(slots=True)
class FriendRequest:
    """The latest friend application from one user to another (a re-apply replaces it)."""

    from_user_id: str
    to_user_id: str
    message: str = ""
    # parley.relation.v1.ApplicationState
    state: int = 1
    response_message: str = ""
    create_time_ms: int = 0
    handle_time_ms: int = 0


@dataclass(slots=True)
class BlockEntry:
    """`owner_user_id` blocks `blocked_user_id`."""

    owner_user_id: str
    blocked_user_id: str
    create_time_ms: int = 0


@dataclass(slots=True)
class IdempotencyRecord:
    """A creating call made with an idempotency key: pending (`response` None)
    while its first attempt runs, then the serialized response every retry
    gets. Keyed by (caller, method, key)."""

    caller: str
    method: str
    key: str
    # SHA-256 (hex) of the request without its key: a reuse with another request is refused.
    request_hash: str
    # The attempt that holds the record: only it completes or releases it.
    claim_id: str
    response: bytes | None = None
    create_time_ms: int = 0
    # Past it the record is gone (purged, or replaced by the next claim).
    expire_time_ms: int = 0
    # A pending record past it is abandoned (its server died): the next claim replaces it.
    lease_until_ms: int = 0


@dataclass(slots=True)
class StoredFile:
    """A completed upload. `sha256` names the stored bytes (the blob key); two
    files with the same bytes share one blob."""

    file_id: str
    uploader_id: str
    name: str
    size: int
    mime_type: str
    sha256: str
    create_time_ms: int
    width: int = 0
    height: int = 0
    placeholder: str = ""
    thumb_sha256: str = ""
    thumb_size: int = 0


@dataclass(slots=True)
class Upload:
    """A pending (or completed: `file_id` set) resumable upload; its bytes
    are staged by the blob side until the last one arrives."""

    upload_id: str
    uploader_id: str
    name: str
    size: int
    sha256: str
    create_time_ms: int
    expire_time_ms: int
    file_id: str = ""
