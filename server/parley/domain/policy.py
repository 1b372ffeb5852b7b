"""Who may call what, in the domain's words: the kinds of caller, what a
request targets, and the rule tying them to a domain action
(domain/rules.py). api/policy.py holds the table of every RPC; the stream's
frames are here, since the stream gateway (realtime/) applies them too."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from parley.domain.rules import Action


class Caller(Enum):
    NONE = "no token (one given is ignored)"
    USER = "a user token of an account that is not blocked"
    ADMIN = "an admin token"
    EITHER = "an admin token, or a user token of an account that is not blocked"


class Target(Enum):
    """What the request names, and what the caller must be to it."""

    OWN = "only the caller's own data"
    ANYONE = "public data (profiles, group info, presence): nothing more"
    USER = "another user, by id: no relation needed (the domain may refuse, e.g. a blacklist)"
    ANY_USER = "any account, by id (admin operations)"
    OWN_TOKEN = "a token: a user's own only; an admin token's any"
    CONVERSATION = "a conversation_id: domain/rules.py decides by the action"
    MESSAGE = "a message of a conversation: domain/rules.py, with its moderators"
    GROUP = "a group_id: a current member"
    GROUP_ADMIN = "a group_id: its owner or an admin"
    GROUP_OWNER = "a group_id: its owner"
    ANY_GROUP = "any group, by id or name, with no seat in it (admin operations)"
    NEW_GROUP = "a group_id the caller may join (members are refused by the domain)"
    FILE = "a file_id: its uploader, or a reader of a message naming it (domain/files/access.py)"


@dataclass(frozen=True, slots=True)
class Rule:
    caller: Caller
    target: Target
    # The domain rule consulted for conversation and message targets.
    action: Action | None = None


_U = Caller.USER
T = Target

# ClientFrame's `body` cases. The stream is a user's (admin tokens cannot
# open one); every frame after auth runs as that user.
FRAMES: dict[str, Rule] = {
    "auth": Rule(_U, T.OWN),
    "send": Rule(_U, T.CONVERSATION, Action.SEND),
    "mark_read": Rule(_U, T.CONVERSATION, Action.MARK_READ),
    "typing": Rule(_U, T.CONVERSATION, Action.TYPING),
    "ping": Rule(_U, T.OWN),
    "subscribe_presence": Rule(_U, T.ANYONE),
    "delivery_ack": Rule(_U, T.CONVERSATION, Action.ACK_DELIVERY),
}
