"""Who may do what in a conversation: the one table every action consults.

An action that speaks into a conversation (send, edit, typing) is refused by
everything that refuses a send; taking content back (revoke, delete for
everyone) only by what makes the conversation not the caller's to change;
reading (pull, mark read, ...) only by not belonging to it. `Access.admit`
evaluates a rule's bars in order and raises the first that holds; the
message actions then ask `actor` in what capacity the caller may change a
message someone else may have sent.

The decisions (also in the proto comments of MsgService and MessageActor):
- A blacklist stops the blocked user's sends, edits and typing towards the
  blocker; the blocker still may (as for sends). Revoking one's own message
  is not speaking: a blacklist or a mute does not stop it.
- A mute (the member's, or the group's for non-admins) stops sends, edits and
  typing.
- A dismissed group is read-only history: no send, edit, typing, revoke or
  delete for everyone, by members or by its former owner and admins; reading,
  mark read, delete for me and clear stay. Only an admin token may still take
  content down there.
- Moderation by rank: the owner may revoke or delete any message of the
  group; an admin those of members and former members, not the owner's or
  another admin's (as for kicks and mutes). Moderators are not bound by the
  sender's revoke window, also for their own messages. Edits are the
  sender's alone.
- An admin token may revoke or delete for everyone any message of any
  conversation; it is in no conversation, so no bar applies to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum

from parley.common.v1 import common_pb2
from parley.errors import ParleyError, R, denied, not_found, precondition
from parley.group.v1 import group_pb2
from parley.msg.v1 import notification_pb2

ST = common_pb2.SessionType
ROLE = group_pb2.GroupRole
MA = notification_pb2.MessageActor


class Action(StrEnum):
    SEND = "send"
    EDIT = "edit"
    TYPING = "typing"
    REVOKE = "revoke"
    DELETE_FOR_EVERYONE = "delete_for_everyone"
    PULL = "pull"
    READ = "read"  # seqs, search, receipts
    MARK_READ = "mark_read"
    ACK_DELIVERY = "ack_delivery"
    DELETE_FOR_ME = "delete_for_me"
    CLEAR = "clear"
    SET_CONVERSATION = "set_conversation"


class Bar(Enum):
    """A condition that refuses an action."""

    STRANGER = "not in the conversation, and never was"
    DISMISSED = "the group was dismissed"
    FORMER_MEMBER = "left the group (reads their history up to the leave)"
    BLOCKED_BY_PEER = "the single chat's peer blacklisted the caller"
    NOT_FRIENDS = "friends-only mode and the peers are not friends"
    MUTED = "the member is muted, or the group is and the member is not an admin"


class Moderator(Enum):
    """Who, besides the sender, may act on a message."""

    GROUP_OWNER = "the group's owner: any message of the group"
    GROUP_ADMIN = "a group admin: messages of members and former members"
    ADMIN_TOKEN = "an admin token: any message of any conversation"


@dataclass(frozen=True, slots=True)
class Rule:
    # Checked in this order; the first that holds refuses the action.
    bars: tuple[Bar, ...]
    # Who else than the sender may do it to a message (message actions).
    moderators: frozenset[Moderator] = frozenset()
    # The sender is bound by the revoke window (moderators never are).
    window: bool = False


SPEAK = (
    Bar.STRANGER,
    Bar.DISMISSED,
    Bar.FORMER_MEMBER,
    Bar.BLOCKED_BY_PEER,
    Bar.NOT_FRIENDS,
    Bar.MUTED,
)
TAKE_BACK = (Bar.STRANGER, Bar.DISMISSED, Bar.FORMER_MEMBER)
LOOK = (Bar.STRANGER,)
MODERATORS = frozenset(Moderator)

RULES: dict[Action, Rule] = {
    Action.SEND: Rule(SPEAK),
    Action.EDIT: Rule(SPEAK),
    Action.TYPING: Rule(SPEAK),
    Action.REVOKE: Rule(TAKE_BACK, MODERATORS, window=True),
    Action.DELETE_FOR_EVERYONE: Rule(TAKE_BACK, MODERATORS),
    Action.PULL: Rule(LOOK),
    Action.READ: Rule(LOOK),
    Action.MARK_READ: Rule(LOOK),
    Action.ACK_DELIVERY: Rule(LOOK),
    Action.DELETE_FOR_ME: Rule(LOOK),
    Action.CLEAR: Rule(LOOK),
    Action.SET_CONVERSATION: Rule(LOOK),
}


@dataclass(frozen=True, slots=True)
class GroupSeat:
    """One user's place in a group, as the rules see it."""

    role: int  # GroupRole; UNSPECIFIED when not a current member
    former: bool
    muted: bool
    dismissed: bool


def refusal(bar: Bar, session_type: int) -> ParleyError:
    if bar is Bar.STRANGER:
        if session_type == ST.SESSION_TYPE_GROUP:
            return denied(R.ERROR_REASON_NOT_GROUP_MEMBER, "not a member of the group")
        # Not the caller's: answer as if it did not exist, to leak nothing.
        return not_found(R.ERROR_REASON_CONVERSATION_NOT_FOUND, "conversation not found")
    if bar is Bar.DISMISSED:
        return precondition(R.ERROR_REASON_GROUP_DISMISSED, "the group was dismissed")
    if bar is Bar.FORMER_MEMBER:
        return denied(R.ERROR_REASON_NOT_GROUP_MEMBER, "not a member of the group")
    if bar is Bar.BLOCKED_BY_PEER:
        return denied(R.ERROR_REASON_BLOCKED_BY_USER, "the receiver blocked you")
    if bar is Bar.NOT_FRIENDS:
        return denied(R.ERROR_REASON_NOT_FRIENDS, "only friends may message each other")
    return denied(R.ERROR_REASON_MUTED, "you are muted in this group")


def actor(
    action: Action,
    caller: str,
    is_admin: bool,
    sender: str,
    caller_seat: GroupSeat | None,
    sender_seat: GroupSeat | None,
    in_window: bool = True,
) -> int:
    """The MessageActor in which `caller` may do `action` to a message of
    `sender`; raises when they may not. Seats are None outside groups. A
    sender past the revoke window (`in_window` False) may still act as a
    moderator of the group."""
    moderators = RULES[action].moderators
    if is_admin and Moderator.ADMIN_TOKEN in moderators:
        return MA.MESSAGE_ACTOR_ADMIN
    own = sender == caller and not is_admin
    if own and in_window:
        return MA.MESSAGE_ACTOR_SENDER
    role = caller_seat.role if caller_seat is not None else ROLE.GROUP_ROLE_UNSPECIFIED
    if role == ROLE.GROUP_ROLE_OWNER and Moderator.GROUP_OWNER in moderators:
        return MA.MESSAGE_ACTOR_GROUP_OWNER
    if role == ROLE.GROUP_ROLE_ADMIN and Moderator.GROUP_ADMIN in moderators:
        if sender_seat is not None and sender_seat.role >= ROLE.GROUP_ROLE_ADMIN:
            raise denied(
                R.ERROR_REASON_GROUP_PERMISSION_DENIED,
                "admins cannot moderate the owner's or other admins' messages",
            )
        return MA.MESSAGE_ACTOR_GROUP_ADMIN
    if own:
        raise precondition(R.ERROR_REASON_REVOKE_WINDOW_PASSED, "the revoke window has passed")
    raise denied(
        R.ERROR_REASON_NOT_MESSAGE_SENDER, f"only the sender may {action.replace('_', ' ')}"
    )
