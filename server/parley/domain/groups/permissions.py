"""Who may do what to whom in a group, judged on its cached state."""

from __future__ import annotations

from parley.domain.groups.state import ADMIN, GS, OWNER, GroupState, Member
from parley.errors import ParleyError, R, denied, precondition


def check_active(st: GroupState) -> None:
    if st.row.status == GS.GROUP_STATUS_DISMISSED:
        raise precondition(R.ERROR_REASON_GROUP_DISMISSED, "the group was dismissed")


def caller(st: GroupState, user_id: str) -> Member:
    """The caller's own membership (a member acted upon is `target`)."""
    m = st.members.get(user_id)
    if m is None:
        raise denied(R.ERROR_REASON_NOT_GROUP_MEMBER, "not a member of the group")
    return m


def not_member(user_id: str) -> ParleyError:
    return precondition(R.ERROR_REASON_NOT_GROUP_MEMBER, f"{user_id} is not a member")


def target(st: GroupState, user_id: str) -> Member:
    """A member acted upon."""
    m = st.members.get(user_id)
    if m is None:
        raise not_member(user_id)
    return m


def admins_only(what: str) -> ParleyError:
    return denied(R.ERROR_REASON_GROUP_PERMISSION_DENIED, f"only the owner and admins may {what}")


def admin(st: GroupState, user_id: str) -> Member:
    m = caller(st, user_id)
    if m.role < ADMIN:
        raise denied(R.ERROR_REASON_GROUP_PERMISSION_DENIED, "only the owner and admins may")
    return m


def owner(st: GroupState, user_id: str) -> Member:
    m = caller(st, user_id)
    if m.role != OWNER:
        raise denied(R.ERROR_REASON_GROUP_PERMISSION_DENIED, "only the owner may")
    return m


def check_room(st: GroupState, n: int, most: int) -> None:
    if len(st.members) + n > most:
        raise precondition(
            R.ERROR_REASON_FAILED_PRECONDITION, f"a group has at most {most} members"
        )


def check_outranks(actor: Member, target: Member, action: str) -> None:
    """Admins act on members only; the owner on admins and members."""
    if target.role == OWNER or (target.role == ADMIN and actor.role != OWNER):
        raise denied(
            R.ERROR_REASON_GROUP_PERMISSION_DENIED,
            f"admins cannot {action} the owner or other admins",
        )


def check_mutable(target: Member) -> None:
    """The operator mutes members only: an owner or admin is never muted (a
    promotion lifts a mute, and a muted group lets them speak)."""
    if target.role >= ADMIN:
        raise precondition(
            R.ERROR_REASON_GROUP_MODERATOR_NOT_MUTABLE,
            "the owner and admins cannot be muted: demote them first",
        )
