"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-30 00:19:05.360033
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op
from sqlalchemy.dialects import mysql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "blacklists",
        sa.Column("owner_user_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("blocked_user_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("create_time_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("owner_user_id", "blocked_user_id"),
    )
    op.create_index(
        "ix_blacklists_owner_time", "blacklists", ["owner_user_id", "create_time_ms"], unique=False
    )
    op.create_table(
        "conversations",
        sa.Column("conversation_id", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
        sa.Column("session_type", sa.BigInteger(), nullable=False),
        sa.Column("max_seq", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("update_time_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("conversation_id"),
    )
    op.create_index(op.f("ix_conversations_version"), "conversations", ["version"], unique=False)
    op.create_table(
        "daily_activity",
        sa.Column("day", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("day", "user_id"),
    )
    op.create_table(
        "daily_counters",
        sa.Column("day", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("metric", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "metric"),
    )
    op.create_table(
        "daily_group_activity",
        sa.Column("day", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("group_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("day", "group_id"),
    )
    op.create_table(
        "friend_requests",
        sa.Column("from_user_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("to_user_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("message", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=False),
        sa.Column("state", sa.BigInteger(), nullable=False),
        sa.Column("response_message", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=False),
        sa.Column("create_time_ms", sa.BigInteger(), nullable=False),
        sa.Column("handle_time_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("from_user_id", "to_user_id"),
    )
    op.create_index(
        "ix_friend_requests_from",
        "friend_requests",
        ["from_user_id", "create_time_ms"],
        unique=False,
    )
    op.create_index(
        "ix_friend_requests_to", "friend_requests", ["to_user_id", "create_time_ms"], unique=False
    )
    op.create_table(
        "friends",
        sa.Column("owner_user_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("friend_user_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("remark", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("create_time_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("owner_user_id", "friend_user_id"),
    )
    op.create_index(
        "ix_friends_owner_time", "friends", ["owner_user_id", "create_time_ms"], unique=False
    )
    op.create_table(
        "group_members",
        sa.Column("group_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("role", sa.BigInteger(), nullable=False),
        sa.Column("nickname", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("join_time_ms", sa.BigInteger(), nullable=False),
        sa.Column("inviter_user_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("mute_end_time_ms", sa.BigInteger(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("left_seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("group_id", "user_id"),
    )
    op.create_index(
        "ix_group_members_list",
        "group_members",
        ["group_id", "active", "role", "join_time_ms", "user_id"],
        unique=False,
    )
    op.create_index(
        "ix_group_members_user",
        "group_members",
        ["user_id", "active", "join_time_ms"],
        unique=False,
    )
    op.create_table(
        "group_requests",
        sa.Column("group_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("message", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=False),
        sa.Column("state", sa.BigInteger(), nullable=False),
        sa.Column("create_time_ms", sa.BigInteger(), nullable=False),
        sa.Column("handler_user_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("handle_time_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("group_id", "user_id"),
    )
    op.create_index(
        "ix_group_requests_group", "group_requests", ["group_id", "create_time_ms"], unique=False
    )
    op.create_table(
        "groups",
        sa.Column("group_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("avatar_url", sqlmodel.sql.sqltypes.AutoString(length=1024), nullable=False),
        sa.Column("intro", sqlmodel.sql.sqltypes.AutoString(length=1024), nullable=False),
        sa.Column("announcement", sqlmodel.sql.sqltypes.AutoString(length=4096), nullable=False),
        sa.Column("owner_user_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("creator_user_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("join_policy", sa.BigInteger(), nullable=False),
        sa.Column("invite_policy", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.BigInteger(), nullable=False),
        sa.Column("extension", sqlmodel.sql.sqltypes.AutoString(length=4096), nullable=False),
        sa.Column("create_time_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("group_id"),
    )
    op.create_table(
        "hidden_messages",
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("conversation_id", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "conversation_id", "seq"),
    )
    op.create_table(
        "messages",
        sa.Column("conversation_id", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("server_msg_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("client_msg_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("sender_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("session_type", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.BigInteger(), nullable=False),
        sa.Column("counts_unread", sa.Boolean(), nullable=False),
        sa.Column("server_time_ms", sa.BigInteger(), nullable=False),
        sa.Column(
            "search_text",
            sa.Text()
            .with_variant(mysql.MEDIUMTEXT(), "mariadb")
            .with_variant(mysql.MEDIUMTEXT(), "mysql"),
            nullable=False,
        ),
        sa.Column(
            "body",
            sa.LargeBinary()
            .with_variant(mysql.MEDIUMBLOB(), "mariadb")
            .with_variant(mysql.MEDIUMBLOB(), "mysql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("conversation_id", "seq"),
        sa.UniqueConstraint("sender_id", "client_msg_id", name="uq_messages_sender_client"),
        sa.UniqueConstraint("server_msg_id"),
    )
    op.create_index(
        "ix_messages_sender_time", "messages", ["sender_id", "server_time_ms"], unique=False
    )
    op.create_index("ix_messages_server_time", "messages", ["server_time_ms"], unique=False)
    op.create_table(
        "token_floors",
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("platform", sa.BigInteger(), nullable=False),
        sa.Column("not_before_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "platform"),
    )
    op.create_table(
        "token_revocations",
        sa.Column("jti", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("expire_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("jti"),
    )
    op.create_index(
        op.f("ix_token_revocations_expire_ms"), "token_revocations", ["expire_ms"], unique=False
    )
    op.create_table(
        "user_conversations",
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("conversation_id", sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False),
        sa.Column("session_type", sa.BigInteger(), nullable=False),
        sa.Column("peer_user_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("group_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("min_seq", sa.BigInteger(), nullable=False),
        sa.Column("has_read_seq", sa.BigInteger(), nullable=False),
        sa.Column("delivered_seq", sa.BigInteger(), nullable=False),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.Column("receive_option", sa.BigInteger(), nullable=False),
        sa.Column(
            "draft",
            sa.Text()
            .with_variant(mysql.MEDIUMTEXT(), "mariadb")
            .with_variant(mysql.MEDIUMTEXT(), "mysql"),
            nullable=False,
        ),
        sa.Column("draft_time_ms", sa.BigInteger(), nullable=False),
        sa.Column(
            "extension",
            sa.Text()
            .with_variant(mysql.MEDIUMTEXT(), "mariadb")
            .with_variant(mysql.MEDIUMTEXT(), "mysql"),
            nullable=False,
        ),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("create_time_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "conversation_id"),
    )
    op.create_index(
        op.f("ix_user_conversations_version"), "user_conversations", ["version"], unique=False
    )
    op.create_table(
        "users",
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("nickname", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("avatar_url", sqlmodel.sql.sqltypes.AutoString(length=1024), nullable=False),
        sa.Column("extension", sqlmodel.sql.sqltypes.AutoString(length=4096), nullable=False),
        sa.Column("create_time_ms", sa.BigInteger(), nullable=False),
        sa.Column("global_receive_option", sa.BigInteger(), nullable=False),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        sa.Column("blocked_reason", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=False),
        sa.Column("last_active_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_index(op.f("ix_users_create_time_ms"), "users", ["create_time_ms"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_users_create_time_ms"), table_name="users")
    op.drop_table("users")
    op.drop_index(op.f("ix_user_conversations_version"), table_name="user_conversations")
    op.drop_table("user_conversations")
    op.drop_index(op.f("ix_token_revocations_expire_ms"), table_name="token_revocations")
    op.drop_table("token_revocations")
    op.drop_table("token_floors")
    op.drop_index("ix_messages_server_time", table_name="messages")
    op.drop_index("ix_messages_sender_time", table_name="messages")
    op.drop_table("messages")
    op.drop_table("hidden_messages")
    op.drop_table("groups")
    op.drop_index("ix_group_requests_group", table_name="group_requests")
    op.drop_table("group_requests")
    op.drop_index("ix_group_members_user", table_name="group_members")
    op.drop_index("ix_group_members_list", table_name="group_members")
    op.drop_table("group_members")
    op.drop_index("ix_friends_owner_time", table_name="friends")
    op.drop_table("friends")
    op.drop_index("ix_friend_requests_to", table_name="friend_requests")
    op.drop_index("ix_friend_requests_from", table_name="friend_requests")
    op.drop_table("friend_requests")
    op.drop_table("daily_group_activity")
    op.drop_table("daily_counters")
    op.drop_table("daily_activity")
    op.drop_index(op.f("ix_conversations_version"), table_name="conversations")
    op.drop_table("conversations")
    op.drop_index("ix_blacklists_owner_time", table_name="blacklists")
    op.drop_table("blacklists")
