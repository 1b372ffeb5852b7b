"""Derived conversation ids, new message ids and id validation."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from parley.common.v1 import common_pb2
from parley.errors import invalid

ST = common_pb2.SessionType
# No "_" in user ids: it separates the two users of a derived single-chat id,
# and allowing it would let two different pairs share one conversation id.
_USER_ID = re.compile(r"^[A-Za-z0-9.@-]{1,64}$")
_CLIENT_ID = re.compile(r"^[\x21-\x7e]{1,64}$")
_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{0,128}")


def new_msg_id() -> str:
    """A random server_msg_id, in uuid4's hex form (32 hex digits, version 4,
    RFC 4122 variant) at a third of uuid.uuid4().hex's cost: one per message."""
    b = bytearray(os.urandom(16))
    b[6] = (b[6] & 0x0F) | 0x40
    b[8] = (b[8] & 0x3F) | 0x80
    return b.hex()


def check_user_id(user_id: str, field: str = "user_id") -> str:
    if not _USER_ID.match(user_id):
        raise invalid(f"{field} must be 1-64 chars of [A-Za-z0-9.@-]")
    return user_id


def check_client_msg_id(value: str) -> str:
    if not _CLIENT_ID.match(value):
        raise invalid("client_msg_id must be 1-64 printable ASCII chars")
    return value


def check_idempotency_key(value: str, field: str = "idempotency_key") -> str:
    if not _IDEMPOTENCY_KEY.fullmatch(value):
        raise invalid(f"{field} must be at most 128 printable ASCII chars, no spaces")
    return value


def single_conversation_id(a: str, b: str) -> str:
    lo, hi = sorted((a, b))
    return f"si_{lo}_{hi}"


def group_conversation_id(group_id: str) -> str:
    return f"sg_{group_id}"


def notification_conversation_id(user_id: str) -> str:
    return f"n_{user_id}"


@dataclass(frozen=True, slots=True)
class ConversationRef:
    conversation_id: str
    session_type: int
    # Single chats: both users; notification: the owner; groups: empty.
    users: tuple[str, ...] = ()
    group_id: str = ""

    def peer_of(self, user_id: str) -> str:
        for u in self.users:
            if u != user_id:
                return u
        return user_id


def parse_conversation_id(conversation_id: str) -> ConversationRef:
    if conversation_id.startswith("si_"):
        parts = conversation_id[3:].split("_")
        if len(parts) == 2 and all(_USER_ID.match(p) for p in parts) and parts[0] <= parts[1]:
            return ConversationRef(conversation_id, ST.SESSION_TYPE_SINGLE, (parts[0], parts[1]))
    elif conversation_id.startswith("sg_") and len(conversation_id) > 3:
        return ConversationRef(
            conversation_id, ST.SESSION_TYPE_GROUP, (), group_id=conversation_id[3:]
        )
    elif conversation_id.startswith("n_") and _USER_ID.match(conversation_id[2:]):
        return ConversationRef(
            conversation_id, ST.SESSION_TYPE_NOTIFICATION, (conversation_id[2:],)
        )
    raise invalid(f"malformed conversation_id {conversation_id[:80]!r}")
