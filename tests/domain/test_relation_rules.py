"""Friends, applications and blacklists: what a user may do to another from
each state of their relation, as a table, run on the domain services without
a gRPC server (the services `wiring.build_core` composes: tests/domain/composed.py).
tests/api/test_relations.py checks the same rules through the API."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from parley.common.v1 import common_pb2
from parley.domain.rules import Action
from parley.errors import ParleyError
from parley.ids import single_conversation_id
from parley.storage.records import User
from parley.wiring import Core
from tests.domain.composed import composed

R = common_pb2.ErrorReason
OK = "ok"
_ids = itertools.count()


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    async with composed(tmp_path) as c:
        yield c


@pytest.fixture
async def strict_core(tmp_path: Path) -> AsyncIterator[Core]:
    async with composed(tmp_path, friends_only=True) as c:
        yield c


# How `me` and `them` stand before the action, and how to get there.
Setup = Callable[[Core, str, str], Awaitable[None]]


async def _strangers(c: Core, me: str, them: str) -> None:
    return None


async def _i_applied(c: Core, me: str, them: str) -> None:
    await c.relations.apply(me, them, "hi")


async def _they_applied(c: Core, me: str, them: str) -> None:
    await c.relations.apply(them, me, "hi")


async def _friends(c: Core, me: str, them: str) -> None:
    await c.relations.apply(me, them, "hi")
    await c.relations.respond(them, me, True, "")


async def _they_blocked_me(c: Core, me: str, them: str) -> None:
    await c.relations.block(them, me)


async def _i_blocked_them(c: Core, me: str, them: str) -> None:
    await c.relations.block(me, them)


STATES: dict[str, Setup] = {
    "strangers": _strangers,
    "i applied": _i_applied,
    "they applied": _they_applied,
    "friends": _friends,
    "they blocked me": _they_blocked_me,
    "i blocked them": _i_blocked_them,
}

Act = Callable[[Core, str, str], Awaitable[object]]
ACTIONS: dict[str, Act] = {
    "apply": lambda c, me, them: c.relations.apply(me, them, "hello"),
    "accept": lambda c, me, them: c.relations.respond(me, them, True, ""),
    "refuse": lambda c, me, them: c.relations.respond(me, them, False, ""),
    "unfriend": lambda c, me, them: c.relations.delete_friend(me, them),
    "remark": lambda c, me, them: c.relations.set_remark(me, them, "pal"),
    "send": lambda c, me, them: c.access.admit(Action.SEND, single_conversation_id(me, them), me),
}

N = R.Name
TABLE: dict[tuple[str, str], str] = {
    ("strangers", "apply"): OK,
    ("strangers", "accept"): N(R.ERROR_REASON_APPLICATION_NOT_FOUND),
    ("strangers", "refuse"): N(R.ERROR_REASON_APPLICATION_NOT_FOUND),
    ("strangers", "unfriend"): N(R.ERROR_REASON_NOT_FRIENDS),
    ("strangers", "remark"): N(R.ERROR_REASON_NOT_FRIENDS),
    ("strangers", "send"): OK,
    ("i applied", "apply"): OK,  # a second application replaces the first
    ("i applied", "accept"): N(R.ERROR_REASON_APPLICATION_NOT_FOUND),  # not mine to answer
    ("they applied", "accept"): OK,
    ("they applied", "refuse"): OK,
    ("friends", "apply"): N(R.ERROR_REASON_ALREADY_FRIENDS),
    ("friends", "accept"): N(R.ERROR_REASON_APPLICATION_NOT_FOUND),
    ("friends", "unfriend"): OK,
    ("friends", "remark"): OK,
    ("friends", "send"): OK,
    ("they blocked me", "apply"): N(R.ERROR_REASON_BLOCKED_BY_USER),
    ("they blocked me", "send"): N(R.ERROR_REASON_BLOCKED_BY_USER),
    ("i blocked them", "apply"): OK,
    ("i blocked them", "send"): OK,
}

# Friends-only mode changes who may message whom, nothing else.
STRICT: dict[tuple[str, str], str] = {
    ("strangers", "send"): N(R.ERROR_REASON_NOT_FRIENDS),
    ("they applied", "send"): N(R.ERROR_REASON_NOT_FRIENDS),
    ("friends", "send"): OK,
    ("they blocked me", "send"): N(R.ERROR_REASON_BLOCKED_BY_USER),
}


async def _pair(c: Core) -> tuple[str, str]:
    n = next(_ids)
    me, them = f"me-{n}", f"them-{n}"
    await c.users.store.create_users([User(user_id=me), User(user_id=them)])
    return me, them


async def _outcomes(c: Core, table: dict[tuple[str, str], str]) -> dict[tuple[str, str], str]:
    """Each case on a fresh pair of users."""
    got = {}
    for state, action in table:
        me, them = await _pair(c)
        await STATES[state](c, me, them)
        try:
            await ACTIONS[action](c, me, them)
            got[state, action] = OK
        except ParleyError as e:
            got[state, action] = e.reason_name
    return got


async def test_the_relation_table(core: Core) -> None:
    got = await _outcomes(core, TABLE)
    assert {k: v for k, v in got.items() if v != TABLE[k]} == {}


async def test_friends_only_mode(strict_core: Core) -> None:
    got = await _outcomes(strict_core, STRICT)
    assert {k: v for k, v in got.items() if v != STRICT[k]} == {}


async def test_oneself_is_no_friend(core: Core) -> None:
    """Applying to or blocking oneself is refused as such; the rest find no
    friendship or application, which is just as true."""
    me, _ = await _pair(core)
    got = {}
    for name, act in {**ACTIONS, "block": lambda c, me, them: c.relations.block(me, them)}.items():
        try:
            await act(core, me, me)
            got[name] = OK
        except ParleyError as e:
            got[name] = e.reason_name
    assert got == {
        "apply": N(R.ERROR_REASON_SELF_TARGET),
        "block": N(R.ERROR_REASON_SELF_TARGET),
        "accept": N(R.ERROR_REASON_APPLICATION_NOT_FOUND),
        "refuse": N(R.ERROR_REASON_APPLICATION_NOT_FOUND),
        "unfriend": N(R.ERROR_REASON_NOT_FRIENDS),
        "remark": N(R.ERROR_REASON_NOT_FRIENDS),
        "send": OK,  # one's own notes-to-self chat
    }
