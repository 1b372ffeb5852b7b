"""Relational schema (SQLModel tables). SQLite in embedded mode; the same
tables serve PostgreSQL and MySQL in cluster mode."""

from __future__ import annotations

from sqlalchemy import Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel


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
    draft: str = ""
    draft_time_ms: int = 0
    extension: str = ""
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
    search_text: str = ""
    body: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


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
