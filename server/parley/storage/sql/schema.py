"""Relational schema (SQLModel tables). SQLite in embedded mode; the same
tables serve PostgreSQL and MySQL in cluster mode."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, LargeBinary, Text, UniqueConstraint
from sqlalchemy.dialects import mysql
from sqlmodel import Field, SQLModel

# Unbounded text: MySQL needs a type for it (VARCHAR wants a length); MEDIUMTEXT
# and MEDIUMBLOB because MySQL's TEXT/BLOB stop at 64 KiB, less than a full
# message (content up to limits.max_content_bytes plus the envelope).
LongText = Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")
LongBlob = LargeBinary().with_variant(mysql.MEDIUMBLOB(), "mysql", "mariadb")


class UserRow(SQLModel, table=True):
    __tablename__ = "users"
    user_id: str = Field(primary_key=True, max_length=64)
    nickname: str = Field(default="", max_length=128)
    avatar_url: str = Field(default="", max_length=1024)
    extension: str = Field(default="", max_length=4096)
    create_time_ms: int = Field(default=0, index=True)
    global_receive_option: int = 0
    blocked: bool = False
    blocked_reason: str = Field(default="", max_length=512)
    last_active_ms: int = 0


class TokenRevocationRow(SQLModel, table=True):
    """A revoked token id, kept until the token would have expired anyway."""

    __tablename__ = "token_revocations"
    jti: str = Field(primary_key=True, max_length=64)
    expire_ms: int = Field(index=True)


class TokenFloorRow(SQLModel, table=True):
    """Force logout: tokens of (user, platform) issued before `not_before_ms` are dead."""

    __tablename__ = "token_floors"
    user_id: str = Field(primary_key=True, max_length=64)
    platform: int = Field(primary_key=True)
    not_before_ms: int = 0


class ConversationRow(SQLModel, table=True):
    """Shared state of a conversation (one row, whatever the member count)."""

    __tablename__ = "conversations"
    conversation_id: str = Field(primary_key=True, max_length=160)
    session_type: int
    max_seq: int = 0
    # Bumped on every new message: members' lists change without a row per member.
    version: int = Field(default=0, index=True)
    update_time_ms: int = 0


class UserConversationRow(SQLModel, table=True):
    """One user's view of a conversation: read state and settings."""

    __tablename__ = "user_conversations"
    user_id: str = Field(primary_key=True, max_length=64)
    conversation_id: str = Field(primary_key=True, max_length=160)
    session_type: int
    peer_user_id: str = Field(default="", max_length=64)
    group_id: str = Field(default="", max_length=64)
    min_seq: int = 0
    has_read_seq: int = 0
    delivered_seq: int = 0
    pinned: bool = False
    receive_option: int = 0
    draft: str = Field(default="", sa_type=LongText)
    draft_time_ms: int = 0
    extension: str = Field(default="", sa_type=LongText)
    version: int = Field(default=0, index=True)
    create_time_ms: int = 0


class MessageRow(SQLModel, table=True):
    """A stored message; `body` is the serialized parley.msg.v1.Message."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("sender_id", "client_msg_id", name="uq_messages_sender_client"),
        Index("ix_messages_server_time", "server_time_ms"),
        Index("ix_messages_sender_time", "sender_id", "server_time_ms"),
    )
    conversation_id: str = Field(primary_key=True, max_length=160)
    seq: int = Field(primary_key=True)
    server_msg_id: str = Field(max_length=40, unique=True)
    client_msg_id: str = Field(max_length=64)
    sender_id: str = Field(default="", max_length=64)
    session_type: int = 0
    status: int = 1
    counts_unread: bool = True
    server_time_ms: int = 0
    # Lower-cased searchable text of the content ("" for media without captions).
    search_text: str = Field(default="", sa_type=LongText)
    body: bytes = Field(sa_column=Column(LongBlob, nullable=False))


class HiddenMessageRow(SQLModel, table=True):
    """Delete-for-me: the message stays, this user sees a placeholder."""

    __tablename__ = "hidden_messages"
    user_id: str = Field(primary_key=True, max_length=64)
    conversation_id: str = Field(primary_key=True, max_length=160)
    seq: int = Field(primary_key=True)


class DailyActivityRow(SQLModel, table=True):
    """Who was active on which day (UTC), for statistics without scanning messages."""

    __tablename__ = "daily_activity"
    day: str = Field(primary_key=True, max_length=10)
    user_id: str = Field(primary_key=True, max_length=64)


class DailyCounterRow(SQLModel, table=True):
    """Per-day statistics counters (messages by session type, groups created),
    incremented in the group commit of the writes they count, so statistics
    read a few rows per day instead of scanning messages."""

    __tablename__ = "daily_counters"
    day: str = Field(primary_key=True, max_length=10)
    metric: str = Field(primary_key=True, max_length=32)
    value: int = 0


class DailyGroupActivityRow(SQLModel, table=True):
    """Groups with at least one message on a day (UTC)."""

    __tablename__ = "daily_group_activity"
    day: str = Field(primary_key=True, max_length=10)
    group_id: str = Field(primary_key=True, max_length=64)


class FriendRow(SQLModel, table=True):
    """One direction of a friendship: a friendship is two rows, so each side
    lists its friends (with its own remark) from its own key range."""

    __tablename__ = "friends"
    __table_args__ = (Index("ix_friends_owner_time", "owner_user_id", "create_time_ms"),)
    owner_user_id: str = Field(primary_key=True, max_length=64)
    friend_user_id: str = Field(primary_key=True, max_length=64)
    remark: str = Field(default="", max_length=128)
    create_time_ms: int = 0


class FriendRequestRow(SQLModel, table=True):
    """The latest friend application from one user to another (a re-apply
    replaces it)."""

    __tablename__ = "friend_requests"
    __table_args__ = (
        Index("ix_friend_requests_to", "to_user_id", "create_time_ms"),
        Index("ix_friend_requests_from", "from_user_id", "create_time_ms"),
    )
    from_user_id: str = Field(primary_key=True, max_length=64)
    to_user_id: str = Field(primary_key=True, max_length=64)
    message: str = Field(default="", max_length=512)
    # parley.relation.v1.ApplicationState
    state: int = 1
    response_message: str = Field(default="", max_length=512)
    create_time_ms: int = 0
    handle_time_ms: int = 0


class BlacklistRow(SQLModel, table=True):
    __tablename__ = "blacklists"
    __table_args__ = (Index("ix_blacklists_owner_time", "owner_user_id", "create_time_ms"),)
    owner_user_id: str = Field(primary_key=True, max_length=64)
    blocked_user_id: str = Field(primary_key=True, max_length=64)
    create_time_ms: int = 0


class GroupRow(SQLModel, table=True):
    __tablename__ = "groups"
    # AdminService.SearchGroups: name prefixes, paged by (name, group_id).
    __table_args__ = (Index("ix_groups_name", "name", "group_id"),)
    group_id: str = Field(primary_key=True, max_length=64)
    name: str = Field(default="", max_length=128)
    avatar_url: str = Field(default="", max_length=1024)
    intro: str = Field(default="", max_length=1024)
    announcement: str = Field(default="", max_length=4096)
    owner_user_id: str = Field(default="", max_length=64)
    creator_user_id: str = Field(default="", max_length=64)
    # parley.group.v1 JoinPolicy / InvitePolicy / GroupStatus
    join_policy: int = 2
    invite_policy: int = 1
    status: int = 1
    extension: str = Field(default="", max_length=4096)
    create_time_ms: int = 0


class GroupMemberRow(SQLModel, table=True):
    """A member, or a former member (`active` false): former members keep
    reading the group's history up to `left_seq`, the seq of their leave event."""

    __tablename__ = "group_members"
    __table_args__ = (
        Index("ix_group_members_list", "group_id", "active", "role", "join_time_ms", "user_id"),
        Index("ix_group_members_user", "user_id", "active", "join_time_ms"),
    )
    group_id: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(primary_key=True, max_length=64)
    # parley.group.v1.GroupRole; larger is stronger, so ORDER BY role DESC puts the owner first.
    role: int = 1
    nickname: str = Field(default="", max_length=128)
    join_time_ms: int = 0
    inviter_user_id: str = Field(default="", max_length=64)
    mute_end_time_ms: int = 0
    active: bool = True
    left_seq: int = 0


class GroupRequestRow(SQLModel, table=True):
    """The latest request of a user to join a group (a re-request replaces it)."""

    __tablename__ = "group_requests"
    __table_args__ = (Index("ix_group_requests_group", "group_id", "create_time_ms"),)
    group_id: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(primary_key=True, max_length=64)
    message: str = Field(default="", max_length=512)
    # parley.group.v1.JoinRequestState
    state: int = 1
    create_time_ms: int = 0
    handler_user_id: str = Field(default="", max_length=64)
    handle_time_ms: int = 0


class IdempotencyKeyRow(SQLModel, table=True):
    """A creating call made with an idempotency key (storage.records.IdempotencyRecord)."""

    __tablename__ = "idempotency_keys"
    # "u:<user id>" or "a:<admin id>".
    caller: str = Field(primary_key=True, max_length=80)
    # The request message's full name: one per method.
    method: str = Field(primary_key=True, max_length=96)
    key: str = Field(primary_key=True, max_length=128)
    request_hash: str = Field(max_length=64)
    claim_id: str = Field(max_length=32)
    response: bytes | None = Field(default=None, sa_column=Column(LongBlob, nullable=True))
    create_time_ms: int = 0
    expire_time_ms: int = Field(default=0, index=True)
    lease_until_ms: int = 0


def _widen_integers() -> None:
    """Every integer column is 64-bit: millisecond times and seqs overflow the
    32-bit INTEGER of PostgreSQL and MySQL (SQLite's INTEGER is 64-bit anyway)."""
    for table in SQLModel.metadata.tables.values():
        for column in table.columns:
            if type(column.type) is Integer:
                column.type = BigInteger()


class FileRow(SQLModel, table=True):
    """A stored file (storage.records.StoredFile)."""

    __tablename__ = "files"
    file_id: str = Field(primary_key=True, max_length=64)
    uploader_id: str = Field(index=True, max_length=64)
    name: str = Field(max_length=255)
    size: int = 0
    mime_type: str = Field(max_length=128)
    sha256: str = Field(index=True, max_length=64)
    create_time_ms: int = Field(index=True)
    width: int = 0
    height: int = 0
    placeholder: str = Field(default="", max_length=128)
    thumb_sha256: str = Field(default="", index=True, max_length=64)
    thumb_size: int = 0


class FileUploadRow(SQLModel, table=True):
    """A resumable upload (storage.records.Upload)."""

    __tablename__ = "file_uploads"
    upload_id: str = Field(primary_key=True, max_length=64)
    uploader_id: str = Field(index=True, max_length=64)
    name: str = Field(max_length=255)
    size: int = 0
    sha256: str = Field(max_length=64)
    create_time_ms: int = 0
    expire_time_ms: int = Field(index=True)
    file_id: str = Field(default="", max_length=64)


class FileRefRow(SQLModel, table=True):
    """A message that named a file in its content."""

    __tablename__ = "file_refs"
    file_id: str = Field(primary_key=True, max_length=64)
    conversation_id: str = Field(primary_key=True, max_length=160)
    seq: int = Field(primary_key=True)


_widen_integers()
