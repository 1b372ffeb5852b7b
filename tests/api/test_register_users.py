"""UserService.RegisterUsers: all or none by default; with skip_existing, a
setup script can run again and learns which users it created."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from parley.common.v1 import common_pb2
from parley.user.v1 import user_pb2
from tests.harness import Api, bearer, error_reason, new_user_id

R = common_pb2.ErrorReason


def request(*users: tuple[str, str], skip_existing: bool = False) -> user_pb2.RegisterUsersRequest:
    return user_pb2.RegisterUsersRequest(
        users=[user_pb2.UserInfo(user_id=u, nickname=n) for u, n in users],
        skip_existing=skip_existing,
    )


async def test_a_plain_call_lists_what_it_created(api: Api) -> None:
    a, b = new_user_id("ru"), new_user_id("ru")
    resp = await api.users.RegisterUsers(
        request((a, "A"), (b, "B")), metadata=bearer(api.admin_token)
    )
    assert list(resp.created_user_ids) == [a, b] and not resp.skipped_user_ids


async def test_taken_ids_fail_the_call_and_register_none(api: Api) -> None:
    taken, fresh = new_user_id("ru"), new_user_id("ru")
    await api.register(taken)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await api.users.RegisterUsers(
            request((fresh, "F"), (taken, "T")), metadata=bearer(api.admin_token)
        )
    assert err.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert error_reason(err.value) == R.Name(R.ERROR_REASON_USER_EXISTS)
    found = await api.users.GetUsers(
        user_pb2.GetUsersRequest(user_ids=[fresh]), metadata=bearer(api.admin_token)
    )
    assert not found.users


async def test_skip_existing_registers_the_rest_and_says_which(api: Api) -> None:
    old, new1, new2 = new_user_id("ru"), new_user_id("ru"), new_user_id("ru")
    await api.register(old)
    resp = await api.users.RegisterUsers(
        request((new1, "N1"), (old, "renamed"), (new2, "N2"), skip_existing=True),
        metadata=bearer(api.admin_token),
    )
    assert list(resp.created_user_ids) == [new1, new2]
    assert list(resp.skipped_user_ids) == [old]
    found = await api.users.GetUsers(
        user_pb2.GetUsersRequest(user_ids=[old, new1, new2]), metadata=bearer(api.admin_token)
    )
    # A skipped user keeps the profile it had.
    assert [(u.user_id, u.nickname) for u in found.users] == [
        (old, old),
        (new1, "N1"),
        (new2, "N2"),
    ]
    # The same call again (a tutorial run twice) creates nothing and fails nothing.
    again = await api.users.RegisterUsers(
        request((new1, "N1"), (old, "renamed"), (new2, "N2"), skip_existing=True),
        metadata=bearer(api.admin_token),
    )
    assert not again.created_user_ids
    assert list(again.skipped_user_ids) == [new1, old, new2]


async def test_concurrent_skip_existing_calls_create_each_user_once(api: Api) -> None:
    ids = [new_user_id("rc") for _ in range(20)]
    calls = [
        api.users.RegisterUsers(
            request(*[(u, u) for u in ids[i:] + ids[:i]], skip_existing=True),
            metadata=bearer(api.admin_token),
        )
        for i in range(0, 20, 4)
    ]
    results = await asyncio.gather(*calls)
    created = [u for r in results for u in r.created_user_ids]
    assert sorted(created) == sorted(ids)
    for r in results:
        assert set(r.created_user_ids) | set(r.skipped_user_ids) == set(ids)
