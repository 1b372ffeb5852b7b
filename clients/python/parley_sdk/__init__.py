"""Parley's Python client SDK.

`ParleyClient` holds one user's device: the realtime stream (reconnecting),
sync by seq into a local SQLite store, and listeners. See the README of
clients/python for a walkthrough.
"""

from parley_sdk.client import (
    ParleyClient,
    group_conversation_id,
    parse_platform,
    single_conversation_id,
)
from parley_sdk.content import text_content
from parley_sdk.errors import ClientClosedError, NotConnectedError, ParleyError
from parley_sdk.listeners import ParleyListener
from parley_sdk.models import (
    BlockedUser,
    ChatMessage,
    ConnectionState,
    Conversation,
    Friend,
    FriendApplication,
    FriendEvent,
    Group,
    GroupEvent,
    GroupMember,
    MessageChange,
    MessageReceipt,
    MessageStatus,
    PresenceEvent,
    Receipt,
    ReceiptKind,
    ReceiveOption,
    SendStatus,
    SessionType,
    TypingEvent,
    UserProfile,
)
from parley_sdk.network import NetworkOptions
from parley_sdk.sync import SyncOptions

__version__ = "0.1.0"

__all__ = [
    "BlockedUser",
    "ChatMessage",
    "ClientClosedError",
    "ConnectionState",
    "Conversation",
    "Friend",
    "FriendApplication",
    "FriendEvent",
    "Group",
    "GroupEvent",
    "GroupMember",
    "MessageChange",
    "MessageReceipt",
    "MessageStatus",
    "NetworkOptions",
    "NotConnectedError",
    "ParleyClient",
    "ParleyError",
    "ParleyListener",
    "PresenceEvent",
    "Receipt",
    "ReceiptKind",
    "ReceiveOption",
    "SendStatus",
    "SessionType",
    "SyncOptions",
    "TypingEvent",
    "UserProfile",
    "group_conversation_id",
    "parse_platform",
    "single_conversation_id",
    "text_content",
]
