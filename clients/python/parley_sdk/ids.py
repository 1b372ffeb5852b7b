"""Identifiers the client derives itself: platforms by name, conversation ids
and where a conversation's messages are sent."""

from __future__ import annotations

from parley.common.v1 import common_pb2
from parley_sdk.models import SessionType

P = common_pb2.Platform


def parse_platform(platform: int | str) -> int:
    """A platform number from a number or a name (``"ios"``, ``"PLATFORM_IOS"``)."""
    if isinstance(platform, int):
        return platform
    name = platform.strip().upper()
    if name.isdigit():
        return int(name)
    if not name.startswith("PLATFORM_"):
        name = "PLATFORM_" + name
    return int(P.Value(name))


def single_conversation_id(a: str, b: str) -> str:
    """The conversation id of the single chat between two users."""
    lo, hi = sorted((a, b))
    return f"si_{lo}_{hi}"


def group_conversation_id(group_id: str) -> str:
    """The conversation id of a group."""
    return f"sg_{group_id}"


def send_target(conversation_id: str, me: str) -> tuple[int, str, str]:
    """(session type, receiver, group) of a conversation to send to."""
    if conversation_id.startswith("si_"):
        users = conversation_id[3:].split("_")
        if len(users) != 2 or me not in users:
            raise ValueError(f"not a conversation of {me!r}: {conversation_id!r}")
        peer = users[1] if users[0] == me else users[0]
        return SessionType.SINGLE, peer, ""
    if conversation_id.startswith("sg_") and len(conversation_id) > 3:
        return SessionType.GROUP, "", conversation_id[3:]
    raise ValueError(f"cannot send to {conversation_id!r}")
