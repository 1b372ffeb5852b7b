"""Who may do what to whom in a group: role, action and target, as a table,
run on the domain services without a gRPC server.

The services are the ones `wiring.build_core` composes (tests/domain/composed.py).
The end-to-end tests in tests/api/test_groups.py and test_moderation.py check
the same rules through the API."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from parley.common.v1 import common_pb2
from parley.errors import ParleyError
from parley.group.v1 import group_pb2
from parley.storage.records import User
from parley.wiring import Core
from tests.domain.composed import composed

R = common_pb2.ErrorReason
ADMIN, MEMBER = group_pb2.GROUP_ROLE_ADMIN, group_pb2.GROUP_ROLE_MEMBER
OK = "ok"
DENIED = R.Name(R.ERROR_REASON_GROUP_PERMISSION_DENIED)
NOT_MEMBER = R.Name(R.ERROR_REASON_NOT_GROUP_MEMBER)
SELF = R.Name(R.ERROR_REASON_SELF_TARGET)

# Everyone in a case's group, by role; "outsider" is registered but not a member.
ROLES = ("owner", "admin", "member", "outsider")
_ids = itertools.count()


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    async with composed(tmp_path) as c:
        yield c


async def new_group(core: Core) -> tuple[str, dict[str, str]]:
    """A group with one owner, one admin, two members (`member` and `other`),
    and an outsider; returns its id and the user id of each role."""
    n = next(_ids)
    people = {role: f"{role}-{n}" for role in (*ROLES, "other")}
    await core.users.store.create_users([User(user_id=u, nickname=u) for u in people.values()])
    info = await core.groups.create(
        people["owner"],
        f"team {n}",
        "",
        "",
        [people["admin"], people["member"], people["other"]],
        [people["admin"]],
        0,
        0,
        "",
    )
    return info.group_id, people


Act = Callable[[Core, str, str, str], Awaitable[object]]

ACTIONS: dict[str, Act] = {
    "kick": lambda c, me, g, u: c.groups.kick(me, g, [u], ""),
    "mute": lambda c, me, g, u: c.groups.mute_member(me, g, u, 60),
    "make admin": lambda c, me, g, u: c.groups.set_role(me, g, u, ADMIN),
    "make member": lambda c, me, g, u: c.groups.set_role(me, g, u, MEMBER),
    "rename": lambda c, me, g, u: c.groups.set_nickname(me, g, u, "renamed"),
    "hand over": lambda c, me, g, u: c.groups.transfer_owner(me, g, u),
}

# (actor, action, target) -> the outcome. Targets: "member" is an ordinary
# member who is not the actor ("other" when the actor is "member"); "admin"
# for an admin actor, like "owner" for the owner, is the actor themself.
TABLE: dict[tuple[str, str, str], str] = {}
for action in ("kick", "mute"):
    TABLE |= {
        ("owner", action, "admin"): OK,
        ("owner", action, "member"): OK,
        ("owner", action, "owner"): SELF,
        ("admin", action, "member"): OK,
        ("admin", action, "admin"): SELF,
        ("admin", action, "owner"): DENIED,
        ("member", action, "member"): DENIED,
        ("member", action, "owner"): DENIED,
        ("outsider", action, "member"): NOT_MEMBER,
    }
for action in ("make admin", "make member", "hand over"):
    TABLE |= {
        ("owner", action, "member"): OK,
        ("owner", action, "admin"): OK,
        ("admin", action, "member"): DENIED,
        ("member", action, "member"): DENIED,
        ("outsider", action, "member"): NOT_MEMBER,
    }
TABLE |= {
    ("owner", "hand over", "owner"): SELF,
    ("owner", "make admin", "owner"): SELF,
    ("owner", "rename", "member"): OK,
    ("owner", "rename", "admin"): OK,
    ("admin", "rename", "member"): OK,
    ("admin", "rename", "owner"): OK,
    ("member", "rename", "member"): DENIED,
    ("member", "rename", "owner"): DENIED,
    ("outsider", "rename", "member"): NOT_MEMBER,
}
# Acting on oneself: a member renames themself; an admin cannot kick or mute themself.
TABLE |= {("member", "rename", "self"): OK, ("admin", "kick", "self"): SELF}


def _target(people: dict[str, str], actor: str, target: str) -> str:
    if target == "member" and actor == "member":
        return people["other"]
    # The group has one owner and one admin: acting on one's own role is acting on oneself.
    if target in ("self", actor):
        return people[actor]
    return people[target]


async def _outcome(core: Core, action: str, me: str, group_id: str, user: str) -> str:
    try:
        await ACTIONS[action](core, me, group_id, user)
    except ParleyError as e:
        return e.reason_name
    return OK


async def test_the_permission_table(core: Core) -> None:
    """One group per case, so no case sees another's changes."""
    got = {}
    for actor, action, target in TABLE:
        group_id, people = await new_group(core)
        user = _target(people, actor, target)
        got[actor, action, target] = await _outcome(core, action, people[actor], group_id, user)
    assert {k: v for k, v in got.items() if v != TABLE[k]} == {}


async def test_an_allowed_change_is_what_the_group_shows(core: Core) -> None:
    """The table's OK rows change the state the next check judges by."""
    group_id, people = await new_group(core)
    await core.groups.set_role(people["owner"], group_id, people["member"], ADMIN)
    # The new admin may now kick an ordinary member...
    await core.groups.kick(people["member"], group_id, [people["other"]], "")
    # ...and the old admin, demoted, may not.
    await core.groups.set_role(people["owner"], group_id, people["admin"], MEMBER)
    assert (await _outcome(core, "kick", people["admin"], group_id, people["member"])) == DENIED
    # After a hand-over the former owner is an ordinary member.
    await core.groups.transfer_owner(people["owner"], group_id, people["member"])
    assert await _outcome(core, "hand over", people["owner"], group_id, people["admin"]) == DENIED
    # A dismissed group refuses every change, whoever asks.
    await core.groups.dismiss(people["member"], group_id)
    assert await _outcome(core, "rename", people["member"], group_id, people["member"]) == (
        R.Name(R.ERROR_REASON_GROUP_DISMISSED)
    )


# The operator (an admin token's id, no seat in the group) acting from
# AdminService: on the same code paths, with the owner's powers, except that
# the owner and admins are never muted.
OPERATOR = "admin-operator"
UNMUTABLE = R.Name(R.ERROR_REASON_GROUP_MODERATOR_NOT_MUTABLE)
OPERATOR_ACTIONS: dict[str, Act] = {
    "mute": lambda c, me, g, u: c.groups.mute_member(me, g, u, 60, as_admin=True),
    "unmute": lambda c, me, g, u: c.groups.mute_member(me, g, u, 0, as_admin=True),
    "hand over": lambda c, me, g, u: c.groups.transfer_owner(me, g, u, as_admin=True),
    "mute group": lambda c, me, g, u: c.groups.mute_group(me, g, True, as_admin=True),
    "dismiss": lambda c, me, g, u: c.groups.dismiss(me, g, as_admin=True),
}
OPERATOR_TABLE: dict[tuple[str, str], str] = {
    ("mute", "member"): OK,
    ("mute", "admin"): UNMUTABLE,
    ("mute", "owner"): UNMUTABLE,
    ("mute", "outsider"): NOT_MEMBER,
    ("unmute", "member"): OK,
    ("hand over", "member"): OK,
    ("hand over", "admin"): OK,
    ("hand over", "owner"): SELF,
    ("hand over", "outsider"): NOT_MEMBER,
    ("mute group", "member"): OK,
    ("dismiss", "member"): OK,
}


async def test_the_operator_table(core: Core) -> None:
    got = {}
    for action, target in OPERATOR_TABLE:
        group_id, people = await new_group(core)
        try:
            await OPERATOR_ACTIONS[action](core, OPERATOR, group_id, people[target])
            got[action, target] = OK
        except ParleyError as e:
            got[action, target] = e.reason_name
    assert {k: v for k, v in got.items() if v != OPERATOR_TABLE[k]} == {}


async def test_the_operator_changes_what_the_group_shows(core: Core) -> None:
    group_id, people = await new_group(core)
    await core.groups.transfer_owner(OPERATOR, group_id, people["member"], as_admin=True)
    # The new owner has the owner's powers, the old one an admin's.
    await core.groups.set_role(people["member"], group_id, people["other"], ADMIN)
    assert await _outcome(core, "hand over", people["owner"], group_id, people["admin"]) == DENIED
    seat = await core.groups.seat(group_id, people["owner"])
    assert seat.role == ADMIN
    await core.groups.dismiss(OPERATOR, group_id, as_admin=True)
    dismissed = R.Name(R.ERROR_REASON_GROUP_DISMISSED)
    for action in ("mute", "hand over", "dismiss"):
        try:
            await OPERATOR_ACTIONS[action](core, OPERATOR, group_id, people["other"])
        except ParleyError as e:
            assert e.reason_name == dismissed
        else:
            raise AssertionError(f"{action} on a dismissed group succeeded")
