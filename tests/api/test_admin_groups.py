"""AdminService's group actions over real gRPC: the operator searches groups,
reads members, mutes, transfers and dismisses through the owners' own code
paths, so members get the same events, with the admin recorded (op_as)."""

from __future__ import annotations

import uuid

import grpc
import jwt

from parley.admin.v1 import admin_pb2, admin_pb2_grpc
from parley.common.v1 import common_pb2
from parley.group.v1 import group_pb2
from parley.msg.v1 import notification_pb2
from tests.api.social import Social, User, create, device, expect_error, next_event, send_group
from tests.api.social import users as new_users
from tests.harness import Api, P, bearer

C = grpc.StatusCode
ADMIN_ACTOR = notification_pb2.MESSAGE_ACTOR_ADMIN


def stub(api: Api) -> admin_pb2_grpc.AdminServiceStub:
    return admin_pb2_grpc.AdminServiceStub(api.channel)


def admin_id(api: Api) -> str:
    return str(jwt.decode(api.admin_token, options={"verify_signature": False})["sub"])


async def team(api: Api, name: str = "team") -> tuple[User, User, User, group_pb2.GroupInfo]:
    owner, admin, member = await new_users(api, 3, "ag")
    info = await create(Social(api), owner, [admin, member], [admin], name=name)
    return owner, admin, member, info


async def test_search_by_name_prefix_pages_and_by_id(api: Api) -> None:
    prefix = f"srch-{uuid.uuid4().hex[:8]}"
    owner, member = await new_users(api, 2, "as")
    made = [
        await create(Social(api), owner, [member], name=f"{prefix}-{i}") for i in (3, 1, 2, 0, 4)
    ]
    other = await create(Social(api), owner, [member], name=f"other-{prefix}")
    s, meta = stub(api), bearer(api.admin_token)

    seen: list[str] = []
    token = ""
    totals = []
    while True:
        page = common_pb2.PageRequest(page_size=2, page_token=token)
        resp = await s.SearchGroups(
            admin_pb2.SearchGroupsRequest(keyword=prefix, page=page), metadata=meta
        )
        seen.extend(g.name for g in resp.groups)
        totals.append(resp.page.total)
        token = resp.page.next_page_token
        if not token:
            break
    assert seen == [f"{prefix}-{i}" for i in range(5)]
    assert totals == [5, -1, -1]
    assert all(g.member_count == 2 for g in made)

    by_id = await s.SearchGroups(
        admin_pb2.SearchGroupsRequest(keyword=other.group_id), metadata=meta
    )
    assert [g.group_id for g in by_id.groups] == [other.group_id]

    bad = common_pb2.PageRequest(page_token="g:not-base64-json")
    await expect_error(
        s.SearchGroups(admin_pb2.SearchGroupsRequest(keyword=prefix, page=bad), metadata=meta),
        C.INVALID_ARGUMENT,
        "ERROR_REASON_INVALID_ARGUMENT",
    )


async def test_members_and_mutes_as_the_operator(api: Api) -> None:
    owner, admin, member, info = await team(api)
    s, meta = stub(api), bearer(api.admin_token)
    watcher = await device(api, owner[0], "owner-dev")
    try:
        listed = await s.ListGroupMembers(
            admin_pb2.ListGroupMembersRequest(group_id=info.group_id), metadata=meta
        )
        assert [(m.user.user_id, m.role) for m in listed.members] == [
            (owner[0], group_pb2.GROUP_ROLE_OWNER),
            (admin[0], group_pb2.GROUP_ROLE_ADMIN),
            (member[0], group_pb2.GROUP_ROLE_MEMBER),
        ]
        assert listed.group.status == group_pb2.GROUP_STATUS_ACTIVE

        muted = await s.MuteGroupMember(
            admin_pb2.MuteGroupMemberRequest(
                group_id=info.group_id, user_id=member[0], duration_seconds=600
            ),
            metadata=meta,
        )
        assert muted.mute_end_time_ms > 0
        event = await next_event(watcher, "member_muted")
        assert event.notification.op_user_id == admin_id(api)
        assert event.notification.op_as == ADMIN_ACTOR
        assert event.notification.member_muted.user_id == member[0]
        await expect_error(
            send_group(api, member[1], info.group_id, "hi"),
            C.PERMISSION_DENIED,
            "ERROR_REASON_MUTED",
        )
        listed = await s.ListGroupMembers(
            admin_pb2.ListGroupMembersRequest(group_id=info.group_id), metadata=meta
        )
        assert listed.members[2].mute_end_time_ms == muted.mute_end_time_ms

        # The owner and admins are never muted, not even by the operator.
        for moderator in (owner, admin):
            await expect_error(
                s.MuteGroupMember(
                    admin_pb2.MuteGroupMemberRequest(
                        group_id=info.group_id, user_id=moderator[0], duration_seconds=60
                    ),
                    metadata=meta,
                ),
                C.FAILED_PRECONDITION,
                "ERROR_REASON_GROUP_MODERATOR_NOT_MUTABLE",
            )

        await s.MuteGroupMember(
            admin_pb2.MuteGroupMemberRequest(group_id=info.group_id, user_id=member[0]),
            metadata=meta,
        )
        await send_group(api, member[1], info.group_id, "free again")

        await s.MuteGroup(
            admin_pb2.MuteGroupRequest(group_id=info.group_id, muted=True), metadata=meta
        )
        event = await next_event(watcher, "group_muted")
        assert event.notification.op_as == ADMIN_ACTOR and event.notification.group_muted.muted
        await expect_error(
            send_group(api, member[1], info.group_id, "hi"),
            C.PERMISSION_DENIED,
            "ERROR_REASON_MUTED",
        )
        await send_group(api, admin[1], info.group_id, "admins still speak")
        listed = await s.ListGroupMembers(
            admin_pb2.ListGroupMembersRequest(group_id=info.group_id), metadata=meta
        )
        assert listed.group.status == group_pb2.GROUP_STATUS_MUTED
        await s.MuteGroup(admin_pb2.MuteGroupRequest(group_id=info.group_id), metadata=meta)
        await send_group(api, member[1], info.group_id, "the group speaks again")

        await expect_error(
            s.MuteGroupMember(
                admin_pb2.MuteGroupMemberRequest(group_id=info.group_id, user_id="nobody-here"),
                metadata=meta,
            ),
            C.FAILED_PRECONDITION,
            "ERROR_REASON_NOT_GROUP_MEMBER",
        )
        await expect_error(
            s.ListGroupMembers(admin_pb2.ListGroupMembersRequest(group_id="g-none"), metadata=meta),
            C.NOT_FOUND,
            "ERROR_REASON_GROUP_NOT_FOUND",
        )
    finally:
        await watcher.close()


async def test_transfer_and_dismiss_as_the_operator(api: Api) -> None:
    owner, admin, member, info = await team(api)
    s, meta = stub(api), bearer(api.admin_token)
    watcher = await device(api, member[0], "member-dev", P.PLATFORM_ANDROID)
    try:
        await expect_error(
            s.TransferGroupOwner(
                admin_pb2.TransferGroupOwnerRequest(
                    group_id=info.group_id, new_owner_user_id=owner[0]
                ),
                metadata=meta,
            ),
            C.INVALID_ARGUMENT,
            "ERROR_REASON_SELF_TARGET",
        )
        await s.TransferGroupOwner(
            admin_pb2.TransferGroupOwnerRequest(
                group_id=info.group_id, new_owner_user_id=member[0]
            ),
            metadata=meta,
        )
        event = await next_event(watcher, "owner_transferred")
        moved = event.notification.owner_transferred
        assert (moved.old_owner_user_id, moved.new_owner_user_id) == (owner[0], member[0])
        assert event.notification.op_as == ADMIN_ACTOR
        listed = await s.ListGroupMembers(
            admin_pb2.ListGroupMembersRequest(group_id=info.group_id), metadata=meta
        )
        roles = {m.user.user_id: m.role for m in listed.members}
        assert roles == {
            member[0]: group_pb2.GROUP_ROLE_OWNER,
            owner[0]: group_pb2.GROUP_ROLE_ADMIN,
            admin[0]: group_pb2.GROUP_ROLE_ADMIN,
        }
        assert listed.group.owner_user_id == member[0]

        await s.DismissGroup(admin_pb2.DismissGroupRequest(group_id=info.group_id), metadata=meta)
        event = await next_event(watcher, "group_dismissed")
        assert event.notification.op_as == ADMIN_ACTOR
        assert event.notification.op_user_id == admin_id(api)
        await expect_error(
            send_group(api, member[1], info.group_id, "anyone?"),
            C.FAILED_PRECONDITION,
            "ERROR_REASON_GROUP_DISMISSED",
        )
        await expect_error(
            s.DismissGroup(admin_pb2.DismissGroupRequest(group_id=info.group_id), metadata=meta),
            C.FAILED_PRECONDITION,
            "ERROR_REASON_GROUP_DISMISSED",
        )
        found = await s.SearchGroups(
            admin_pb2.SearchGroupsRequest(keyword=info.group_id), metadata=meta
        )
        assert [g.status for g in found.groups] == [group_pb2.GROUP_STATUS_DISMISSED]
    finally:
        await watcher.close()


async def test_streams_by_platform_and_health(api: Api) -> None:
    (user,) = await new_users(api, 1, "ap")
    s, meta = stub(api), bearer(api.admin_token)
    before = await s.GetStatistics(
        admin_pb2.GetStatisticsRequest(start_date="2026-01-01", end_date="2026-01-01"),
        metadata=meta,
    )
    base = {p.platform: p.streams for p in before.streams_by_platform}
    devices = [
        await device(api, user[0], "a", P.PLATFORM_WEB),
        await device(api, user[0], "b", P.PLATFORM_MACOS),
    ]
    try:
        after = await s.GetStatistics(
            admin_pb2.GetStatisticsRequest(start_date="2026-01-01", end_date="2026-01-01"),
            metadata=meta,
        )
        got = {p.platform: p.streams for p in after.streams_by_platform}
        assert got.get(P.PLATFORM_WEB, 0) == base.get(P.PLATFORM_WEB, 0) + 1
        assert got.get(P.PLATFORM_MACOS, 0) == base.get(P.PLATFORM_MACOS, 0) + 1
        assert sum(got.values()) == after.open_streams
        assert all(p.streams > 0 for p in after.streams_by_platform)
    finally:
        for d in devices:
            await d.close()
    info = await s.GetServerInfo(admin_pb2.GetServerInfoRequest(), metadata=meta)
    assert info.health_status == "SERVING"
    assert not info.worker_node_ids
