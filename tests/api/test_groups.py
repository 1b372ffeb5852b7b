"""Groups over real gRPC: life cycle, every role rule allowed and denied, join
policies, mutes with timing, kicks that cut access at once, read diffusion
with pushes, mentions and receipts, and group events recovered by sync."""

from __future__ import annotations

import asyncio

import grpc

from parley.common.v1 import common_pb2
from parley.conversation.v1 import conversation_pb2
from parley.gateway.v1 import gateway_pb2
from parley.group.v1 import group_pb2 as g
from parley.msg.v1 import message_pb2, msg_pb2
from tests.api.social import (
    Social,
    User,
    create,
    device,
    device_send_group,
    events,
    expect_error,
    kinds,
    next_event,
    notifications,
    send_group,
    seq_state,
    users,
)
from tests.harness import Api, ServerProcess, bearer, pull_all

C = grpc.StatusCode


async def member_ids(s: Social, token: str, group_id: str, role: int = 0) -> list[str]:
    out: list[str] = []
    page_token = ""
    while True:
        resp = await s.groups.ListGroupMembers(
            g.ListGroupMembersRequest(
                group_id=group_id,
                role=role,  # type: ignore[arg-type]
                page=common_pb2.PageRequest(page_token=page_token, page_size=2),
            ),
            metadata=bearer(token),
        )
        out.extend(m.user.user_id for m in resp.members)
        page_token = resp.page.next_page_token
        if not page_token:
            return out


async def test_create_get_list_and_joined(api: Api) -> None:
    s = Social(api)
    owner, adm, m1, m2, outsider = await users(api, 5)
    m1_dev = await device(api, m1[0])
    info = await create(
        s,
        owner,
        [adm, m1, m2, owner],
        [adm],
        intro="we build",
        avatar_url="https://x/g.png",
        join_policy=g.JOIN_POLICY_FREE,
        extension='{"k":1}',
    )
    assert info.group_id and info.conversation_id == f"sg_{info.group_id}"
    assert info.owner_user_id == owner[0] == info.creator_user_id
    assert info.member_count == 4 and info.status == g.GROUP_STATUS_ACTIVE
    assert info.join_policy == g.JOIN_POLICY_FREE
    assert info.invite_policy == g.INVITE_POLICY_ADMINS
    created = await next_event(m1_dev, "group_created")
    assert created.conversation_id == info.conversation_id and created.seq == 1
    assert sorted(created.notification.group_created.member_user_ids) == sorted(
        u[0] for u in (owner, adm, m1, m2)
    )
    assert not created.counts_unread

    got = await s.groups.GetGroups(
        g.GetGroupsRequest(group_ids=[info.group_id, "no-such-group"]), metadata=bearer(outsider[1])
    )
    assert [x.group_id for x in got.groups] == [info.group_id]
    assert got.groups[0].intro == "we build" and got.groups[0].member_count == 4

    # Owner first, then admins, then members; pages of 2.
    listed = await member_ids(s, m2[1], info.group_id)
    assert listed[:2] == [owner[0], adm[0]]
    assert sorted(listed[2:]) == sorted([m1[0], m2[0]])
    assert await member_ids(s, m2[1], info.group_id, g.GROUP_ROLE_ADMIN) == [adm[0]]
    page = await s.groups.ListGroupMembers(
        g.ListGroupMembersRequest(group_id=info.group_id), metadata=bearer(m2[1])
    )
    roles = {m.user.user_id: m.role for m in page.members}
    assert roles[owner[0]] == g.GROUP_ROLE_OWNER and roles[m1[0]] == g.GROUP_ROLE_MEMBER
    assert {m.user.user_id: m.inviter_user_id for m in page.members}[m1[0]] == owner[0]
    await expect_error(
        s.groups.ListGroupMembers(
            g.ListGroupMembersRequest(group_id=info.group_id), metadata=bearer(outsider[1])
        ),
        C.PERMISSION_DENIED,
        "ERROR_REASON_NOT_GROUP_MEMBER",
    )

    joined = await s.groups.ListJoinedGroups(g.ListJoinedGroupsRequest(), metadata=bearer(m1[1]))
    assert [x.group_id for x in joined.groups] == [info.group_id]
    assert joined.groups[0].member_count == 4
    conv = await api.conversations.GetConversations(
        conversation_pb2.GetConversationsRequest(conversation_ids=[info.conversation_id]),
        metadata=bearer(m1[1]),
    )
    assert conv.conversations[0].session_type == common_pb2.SESSION_TYPE_GROUP
    assert conv.conversations[0].group_id == info.group_id

    bad = [
        (g.CreateGroupRequest(name=" "), C.INVALID_ARGUMENT, "ERROR_REASON_INVALID_ARGUMENT"),
        (
            g.CreateGroupRequest(name="x" * 129),
            C.INVALID_ARGUMENT,
            "ERROR_REASON_INVALID_ARGUMENT",
        ),
        (
            g.CreateGroupRequest(name="x", member_user_ids=["nobody-known"]),
            C.NOT_FOUND,
            "ERROR_REASON_USER_NOT_FOUND",
        ),
        (
            g.CreateGroupRequest(name="x", admin_user_ids=[m1[0]]),
            C.INVALID_ARGUMENT,
            "ERROR_REASON_INVALID_ARGUMENT",
        ),
        (
            g.CreateGroupRequest(name="x", join_policy=99),  # type: ignore[arg-type]
            C.INVALID_ARGUMENT,
            "ERROR_REASON_INVALID_ARGUMENT",
        ),
    ]
    for req, code, reason in bad:
        await expect_error(s.groups.CreateGroup(req, metadata=bearer(owner[1])), code, reason)
    for call in (
        s.groups.ListGroupMembers(
            g.ListGroupMembersRequest(group_id="nope"), metadata=bearer(owner[1])
        ),
        s.groups.RequestJoinGroup(
            g.RequestJoinGroupRequest(group_id="nope"), metadata=bearer(owner[1])
        ),
        send_group(api, owner[1], "nope", "hi"),
    ):
        await expect_error(call, C.NOT_FOUND, "ERROR_REASON_GROUP_NOT_FOUND")
    await m1_dev.close()


async def test_group_messages_push_pull_mentions_receipts(api: Api) -> None:
    s = Social(api)
    owner, a, b, c, outsider = await users(api, 5)
    info = await create(s, owner, [a, b, c])
    gid, cid = info.group_id, info.conversation_id
    a_dev = await device(api, a[0])
    b_dev = await device(api, b[0])
    o_dev = await device(api, owner[0])
    # c stays offline.
    ack = await device_send_group(o_dev, gid, "hello team")
    assert ack.send_ack.ack.conversation_id == cid and ack.send_ack.ack.seq == 2
    for d in (a_dev, b_dev):
        pushed = (await d.next_frame("message")).message.message
        assert pushed.content.text.text == "hello team" and pushed.group_id == gid
        assert pushed.session_type == common_pb2.SESSION_TYPE_GROUP
    ack2 = await send_group(api, a[1], gid, "hey @b", mentions=[b[0]], need_read_receipt=True)
    ack3 = await send_group(api, b[1], gid, "@all meeting", mention_all=True)
    assert (ack2.seq, ack3.seq) == (3, 4)

    # c pulls it all (one stored copy), with the mention flags set per reader.
    msgs = await pull_all(api, c[1], cid, 4)
    assert [m.seq for m in msgs] == [1, 2, 3, 4]
    assert [m.content.text.text for m in msgs[1:]] == ["hello team", "hey @b", "@all meeting"]
    assert [m.mentions_me for m in msgs[1:]] == [False, False, True]
    by_b = {m.seq: m for m in await pull_all(api, b[1], cid, 4)}
    assert by_b[3].mentions_me and not by_b[4].mentions_me  # b's own @all
    state = await seq_state(api, c[1], cid)
    assert state.max_seq == 4 and state.unread_count == 3  # events do not count
    await expect_error(
        send_group(api, a[1], gid, "hey outsider", mentions=[outsider[0]]),
        C.INVALID_ARGUMENT,
        "ERROR_REASON_NOT_GROUP_MEMBER",
    )
    await expect_error(
        send_group(api, outsider[1], gid, "let me in"),
        C.PERMISSION_DENIED,
        "ERROR_REASON_NOT_GROUP_MEMBER",
    )
    await expect_error(
        api.msg.PullMessages(
            msg_pb2.PullMessagesRequest(
                ranges=[msg_pb2.SeqRange(conversation_id=cid, begin=1, end=4)]
            ),
            metadata=bearer(outsider[1]),
        ),
        C.PERMISSION_DENIED,
        "ERROR_REASON_NOT_GROUP_MEMBER",
    )

    # Receipts from the members' read state: b and c read seq 3, c's device got seq 4.
    await api.msg.MarkRead(
        msg_pb2.MarkReadRequest(conversation_id=cid, has_read_seq=3), metadata=bearer(b[1])
    )
    await api.msg.MarkRead(
        msg_pb2.MarkReadRequest(conversation_id=cid, has_read_seq=4), metadata=bearer(c[1])
    )
    await api.msg.AckDelivery(
        msg_pb2.AckDeliveryRequest(conversation_id=cid, delivered_seq=4), metadata=bearer(owner[1])
    )
    await asyncio.sleep(0.1)  # delivery acks ride the next group commit
    receipts = await api.msg.GetMessageReceipts(
        msg_pb2.GetMessageReceiptsRequest(conversation_id=cid, seqs=[3, 4]), metadata=bearer(a[1])
    )
    r3, r4 = receipts.receipts
    # seq 3 was sent by a with need_read_receipt: readers are named.
    assert (r3.read_count, r3.unread_count) == (2, 1)
    assert sorted(r3.reader_user_ids) == sorted([b[0], c[0]])
    assert r3.delivered_count == 3
    # seq 4 (b's): read by c only; no names without need_read_receipt.
    assert (r4.read_count, r4.unread_count, list(r4.reader_user_ids)) == (1, 2, [])
    assert r4.delivered_count == 2
    for d in (a_dev, b_dev, o_dev):
        await d.close()


async def test_role_permissions(api: Api) -> None:
    s = Social(api)
    owner, adm, adm2, m1, m2, outsider = await users(api, 6)
    info = await create(s, owner, [adm, adm2, m1, m2], [adm, adm2])
    gid = info.group_id

    def as_(u: User) -> tuple[tuple[str, str]]:
        return bearer(u[1])

    denied = (C.PERMISSION_DENIED, "ERROR_REASON_GROUP_PERMISSION_DENIED")
    # Group info: owner and admins.
    await expect_error(
        s.groups.SetGroupInfo(g.SetGroupInfoRequest(group_id=gid, name="m"), metadata=as_(m1)),
        *denied,
    )
    await expect_error(
        s.groups.SetGroupInfo(
            g.SetGroupInfoRequest(group_id=gid, name="x"), metadata=as_(outsider)
        ),
        C.PERMISSION_DENIED,
        "ERROR_REASON_NOT_GROUP_MEMBER",
    )
    changed = await s.groups.SetGroupInfo(
        g.SetGroupInfoRequest(group_id=gid, announcement="ship it", name="team 2"),
        metadata=as_(adm),
    )
    assert changed.group.announcement == "ship it" and changed.group.name == "team 2"
    assert changed.group.intro == info.intro  # unset fields keep their value

    # Invites: admins only under INVITE_POLICY_ADMINS, members too under MEMBERS.
    (x1, _), (x2, _), (x3, _) = await users(api, 3)
    await expect_error(
        s.groups.InviteMembers(
            g.InviteMembersRequest(group_id=gid, user_ids=[x1]), metadata=as_(m1)
        ),
        *denied,
    )
    await s.groups.InviteMembers(
        g.InviteMembersRequest(group_id=gid, user_ids=[x1]), metadata=as_(adm)
    )
    await expect_error(
        s.groups.InviteMembers(
            g.InviteMembersRequest(group_id=gid, user_ids=[x1]), metadata=as_(adm)
        ),
        C.FAILED_PRECONDITION,
        "ERROR_REASON_ALREADY_GROUP_MEMBER",
    )
    await s.groups.SetGroupInfo(
        g.SetGroupInfoRequest(group_id=gid, invite_policy=g.INVITE_POLICY_MEMBERS),
        metadata=as_(owner),
    )
    await s.groups.InviteMembers(
        g.InviteMembersRequest(group_id=gid, user_ids=[x2]), metadata=as_(m1)
    )
    await expect_error(
        s.groups.InviteMembers(
            g.InviteMembersRequest(group_id=gid, user_ids=[x3, "ghost-user"]), metadata=as_(m1)
        ),
        C.NOT_FOUND,
        "ERROR_REASON_USER_NOT_FOUND",
    )

    # Kicks: owner and admins; admins cannot kick admins or the owner.
    await expect_error(
        s.groups.KickMembers(
            g.KickMembersRequest(group_id=gid, user_ids=[m2[0]]), metadata=as_(m1)
        ),
        *denied,
    )
    await expect_error(
        s.groups.KickMembers(
            g.KickMembersRequest(group_id=gid, user_ids=[adm2[0]]), metadata=as_(adm)
        ),
        *denied,
    )
    await expect_error(
        s.groups.KickMembers(
            g.KickMembersRequest(group_id=gid, user_ids=[owner[0]]), metadata=as_(adm)
        ),
        *denied,
    )
    await expect_error(
        s.groups.KickMembers(
            g.KickMembersRequest(group_id=gid, user_ids=[adm[0]]), metadata=as_(adm)
        ),
        C.INVALID_ARGUMENT,
        "ERROR_REASON_SELF_TARGET",
    )
    await expect_error(
        s.groups.KickMembers(
            g.KickMembersRequest(group_id=gid, user_ids=[outsider[0]]), metadata=as_(adm)
        ),
        C.FAILED_PRECONDITION,
        "ERROR_REASON_NOT_GROUP_MEMBER",
    )
    await s.groups.KickMembers(
        g.KickMembersRequest(group_id=gid, user_ids=[x1], reason="spam"), metadata=as_(adm)
    )
    await s.groups.KickMembers(
        g.KickMembersRequest(group_id=gid, user_ids=[adm2[0]]), metadata=as_(owner)
    )

    # Roles: owner only.
    await expect_error(
        s.groups.SetMemberRole(
            g.SetMemberRoleRequest(group_id=gid, user_id=m1[0], role=g.GROUP_ROLE_ADMIN),
            metadata=as_(adm),
        ),
        *denied,
    )
    await expect_error(
        s.groups.SetMemberRole(
            g.SetMemberRoleRequest(group_id=gid, user_id=m1[0], role=g.GROUP_ROLE_OWNER),
            metadata=as_(owner),
        ),
        C.INVALID_ARGUMENT,
        "ERROR_REASON_INVALID_ARGUMENT",
    )
    await s.groups.SetMemberRole(
        g.SetMemberRoleRequest(group_id=gid, user_id=m1[0], role=g.GROUP_ROLE_ADMIN),
        metadata=as_(owner),
    )
    assert sorted(await member_ids(s, m1[1], gid, g.GROUP_ROLE_ADMIN)) == sorted([adm[0], m1[0]])
    await s.groups.SetMemberRole(
        g.SetMemberRoleRequest(group_id=gid, user_id=m1[0], role=g.GROUP_ROLE_MEMBER),
        metadata=as_(owner),
    )

    # Nicknames: oneself, or owner and admins for anyone.
    await s.groups.SetMemberNickname(
        g.SetMemberNicknameRequest(group_id=gid, user_id=m1[0], nickname="em"), metadata=as_(m1)
    )
    await expect_error(
        s.groups.SetMemberNickname(
            g.SetMemberNicknameRequest(group_id=gid, user_id=m2[0], nickname="x"), metadata=as_(m1)
        ),
        *denied,
    )
    await s.groups.SetMemberNickname(
        g.SetMemberNicknameRequest(group_id=gid, user_id=m2[0], nickname="m two"), metadata=as_(adm)
    )
    page = await s.groups.ListGroupMembers(
        g.ListGroupMembersRequest(group_id=gid), metadata=as_(m1)
    )
    nicks = {m.user.user_id: m.group_nickname for m in page.members}
    assert (nicks[m1[0]], nicks[m2[0]]) == ("em", "m two")

    # Ownership: owner only, to a member; the old owner becomes an admin.
    await expect_error(
        s.groups.TransferOwner(
            g.TransferOwnerRequest(group_id=gid, new_owner_user_id=m1[0]), metadata=as_(adm)
        ),
        *denied,
    )
    await expect_error(
        s.groups.TransferOwner(
            g.TransferOwnerRequest(group_id=gid, new_owner_user_id=outsider[0]), metadata=as_(owner)
        ),
        C.FAILED_PRECONDITION,
        "ERROR_REASON_NOT_GROUP_MEMBER",
    )
    await expect_error(
        s.groups.QuitGroup(g.QuitGroupRequest(group_id=gid), metadata=as_(owner)),
        C.FAILED_PRECONDITION,
        "ERROR_REASON_SELF_TARGET",
    )
    await s.groups.TransferOwner(
        g.TransferOwnerRequest(group_id=gid, new_owner_user_id=m1[0]), metadata=as_(owner)
    )
    got = (await s.groups.GetGroups(g.GetGroupsRequest(group_ids=[gid]), metadata=as_(m2))).groups[
        0
    ]
    assert got.owner_user_id == m1[0]
    listed = await member_ids(s, m2[1], gid)
    assert listed[0] == m1[0] and set(listed[1:3]) == {adm[0], owner[0]}
    await s.groups.QuitGroup(g.QuitGroupRequest(group_id=gid), metadata=as_(owner))

    # Dismiss: owner only; afterwards nobody sends, history stays readable.
    await expect_error(
        s.groups.DismissGroup(g.DismissGroupRequest(group_id=gid), metadata=as_(adm)), *denied
    )
    await send_group(api, m2[1], gid, "last words")
    await s.groups.DismissGroup(g.DismissGroupRequest(group_id=gid), metadata=as_(m1))
    dismissed = (C.FAILED_PRECONDITION, "ERROR_REASON_GROUP_DISMISSED")
    await expect_error(send_group(api, m1[1], gid, "hello?"), *dismissed)
    await expect_error(
        s.groups.InviteMembers(
            g.InviteMembersRequest(group_id=gid, user_ids=[x3]), metadata=as_(m1)
        ),
        *dismissed,
    )
    await expect_error(
        s.groups.SetGroupInfo(g.SetGroupInfoRequest(group_id=gid, name="z"), metadata=as_(m1)),
        *dismissed,
    )
    got = (await s.groups.GetGroups(g.GetGroupsRequest(group_ids=[gid]), metadata=as_(m2))).groups[
        0
    ]
    assert got.status == g.GROUP_STATUS_DISMISSED
    history = await events(api, m2[1], info.conversation_id)
    assert kinds(history) == [
        "group_created",
        "group_info_changed",
        "members_invited",
        "group_info_changed",
        "members_invited",
        "members_kicked",
        "members_kicked",
        "member_role_changed",
        "member_role_changed",
        "member_nickname_changed",
        "member_nickname_changed",
        "owner_transferred",
        "member_quit",
        "group_dismissed",
    ]
    kicked = history[5].notification.members_kicked
    assert (list(kicked.user_ids), kicked.reason) == ([x1], "spam")
    all_msgs = await pull_all(api, m2[1], info.conversation_id, 100)
    assert "last words" in [m.content.text.text for m in all_msgs]
    # Members may still leave a dismissed group.
    await s.groups.QuitGroup(g.QuitGroupRequest(group_id=gid), metadata=as_(m2))


async def test_join_policies_and_approval_flow(api: Api) -> None:
    s = Social(api)
    owner, adm, member, j1, j2, j3 = await users(api, 6)
    info = await create(s, owner, [adm, member], [adm])  # JOIN_POLICY_UNSPECIFIED = approval
    assert info.join_policy == g.JOIN_POLICY_APPROVAL
    gid, cid = info.group_id, info.conversation_id
    for i in range(3):
        await send_group(api, member[1], gid, f"before joins {i}")
    adm_dev = await device(api, adm[0])

    r = await s.groups.RequestJoinGroup(
        g.RequestJoinGroupRequest(group_id=gid, message="let me in"), metadata=bearer(j1[1])
    )
    assert not r.joined
    asked = await next_event(adm_dev, "group_join_requested")
    assert asked.conversation_id == f"n_{adm[0]}"
    assert asked.notification.group_join_requested.user.user_id == j1[0]
    assert asked.notification.group_join_requested.message == "let me in"
    assert "group_join_requested" in kinds(await notifications(api, owner[1], owner[0]))
    await s.groups.RequestJoinGroup(g.RequestJoinGroupRequest(group_id=gid), metadata=bearer(j2[1]))
    await expect_error(
        send_group(api, j1[1], gid, "am I in?"),
        C.PERMISSION_DENIED,
        "ERROR_REASON_NOT_GROUP_MEMBER",
    )

    await expect_error(
        s.groups.ListJoinRequests(
            g.ListJoinRequestsRequest(group_id=gid), metadata=bearer(member[1])
        ),
        C.PERMISSION_DENIED,
        "ERROR_REASON_GROUP_PERMISSION_DENIED",
    )
    listed = await s.groups.ListJoinRequests(
        g.ListJoinRequestsRequest(group_id=gid), metadata=bearer(adm[1])
    )
    assert listed.unhandled_count == 2 and listed.page.total == 2
    assert {x.user.user_id for x in listed.requests} == {j1[0], j2[0]}
    assert all(x.state == g.JOIN_REQUEST_STATE_PENDING for x in listed.requests)

    await expect_error(
        s.groups.RespondJoinRequest(
            g.RespondJoinRequestRequest(group_id=gid, user_id=j1[0], accept=True),
            metadata=bearer(member[1]),
        ),
        C.PERMISSION_DENIED,
        "ERROR_REASON_GROUP_PERMISSION_DENIED",
    )
    await s.groups.RespondJoinRequest(
        g.RespondJoinRequestRequest(group_id=gid, user_id=j1[0], accept=True),
        metadata=bearer(adm[1]),
    )
    await s.groups.RespondJoinRequest(
        g.RespondJoinRequestRequest(group_id=gid, user_id=j2[0], accept=False),
        metadata=bearer(owner[1]),
    )
    await expect_error(
        s.groups.RespondJoinRequest(
            g.RespondJoinRequestRequest(group_id=gid, user_id=j2[0], accept=True),
            metadata=bearer(owner[1]),
        ),
        C.NOT_FOUND,
        "ERROR_REASON_JOIN_REQUEST_NOT_FOUND",
    )
    refused = await notifications(api, j2[1], j2[0])
    assert kinds(refused) == ["group_join_refused"]
    assert refused[0].notification.group_join_refused.group_id == gid
    listed = await s.groups.ListJoinRequests(
        g.ListJoinRequestsRequest(group_id=gid), metadata=bearer(adm[1])
    )
    states = {x.user.user_id: (x.state, x.handler_user_id) for x in listed.requests}
    assert states[j1[0]] == (g.JOIN_REQUEST_STATE_ACCEPTED, adm[0])
    assert states[j2[0]] == (g.JOIN_REQUEST_STATE_REFUSED, owner[0])
    assert listed.unhandled_count == 0

    # The new member sees history from their join on: their join event and later.
    st = await seq_state(api, j1[1], cid)
    assert st.min_seq == 5 and st.max_seq == 5
    mine = await pull_all(api, j1[1], cid, st.max_seq)
    assert kinds(mine) == ["members_joined"]
    assert mine[0].notification.members_joined.users[0].user_id == j1[0]
    assert mine[0].notification.op_user_id == adm[0]
    await send_group(api, j1[1], gid, "hi all")
    await expect_error(
        s.groups.RequestJoinGroup(g.RequestJoinGroupRequest(group_id=gid), metadata=bearer(j1[1])),
        C.FAILED_PRECONDITION,
        "ERROR_REASON_ALREADY_GROUP_MEMBER",
    )

    # Free join: in at once.
    await s.groups.SetGroupInfo(
        g.SetGroupInfoRequest(group_id=gid, join_policy=g.JOIN_POLICY_FREE), metadata=bearer(adm[1])
    )
    r = await s.groups.RequestJoinGroup(
        g.RequestJoinGroupRequest(group_id=gid), metadata=bearer(j3[1])
    )
    assert r.joined
    await send_group(api, j3[1], gid, "free to join")

    # Invite only: requests are refused outright.
    await s.groups.SetGroupInfo(
        g.SetGroupInfoRequest(group_id=gid, join_policy=g.JOIN_POLICY_INVITE_ONLY),
        metadata=bearer(owner[1]),
    )
    await expect_error(
        s.groups.RequestJoinGroup(g.RequestJoinGroupRequest(group_id=gid), metadata=bearer(j2[1])),
        C.PERMISSION_DENIED,
        "ERROR_REASON_GROUP_PERMISSION_DENIED",
    )
    await adm_dev.close()


async def test_mute_member_and_group_with_timing(api: Api) -> None:
    s = Social(api)
    owner, adm, adm2, m1, m2 = await users(api, 5)
    info = await create(s, owner, [adm, adm2, m1, m2], [adm, adm2])
    gid = info.group_id
    m1_dev = await device(api, m1[0])
    muted = (C.PERMISSION_DENIED, "ERROR_REASON_MUTED")
    denied = (C.PERMISSION_DENIED, "ERROR_REASON_GROUP_PERMISSION_DENIED")

    await expect_error(
        s.groups.MuteMember(
            g.MuteMemberRequest(group_id=gid, user_id=m2[0], duration_seconds=60),
            metadata=bearer(m1[1]),
        ),
        *denied,
    )
    await expect_error(
        s.groups.MuteMember(
            g.MuteMemberRequest(group_id=gid, user_id=adm2[0], duration_seconds=60),
            metadata=bearer(adm[1]),
        ),
        *denied,
    )
    await expect_error(
        s.groups.MuteMember(
            g.MuteMemberRequest(group_id=gid, user_id=owner[0], duration_seconds=60),
            metadata=bearer(adm[1]),
        ),
        *denied,
    )
    await expect_error(
        s.groups.MuteMember(
            g.MuteMemberRequest(group_id=gid, user_id=m1[0], duration_seconds=-1),
            metadata=bearer(adm[1]),
        ),
        C.INVALID_ARGUMENT,
        "ERROR_REASON_INVALID_ARGUMENT",
    )
    resp = await s.groups.MuteMember(
        g.MuteMemberRequest(group_id=gid, user_id=m1[0], duration_seconds=2),
        metadata=bearer(adm[1]),
    )
    assert resp.mute_end_time_ms > 0
    ev = await next_event(m1_dev, "member_muted")
    assert ev.notification.member_muted.mute_end_time_ms == resp.mute_end_time_ms
    await expect_error(send_group(api, m1[1], gid, "can I talk?"), *muted)
    answer = await device_send_group(m1_dev, gid, "over the stream?")
    assert answer.error.reason == common_pb2.ERROR_REASON_MUTED
    await send_group(api, m2[1], gid, "m2 still talks")
    page = await s.groups.ListGroupMembers(
        g.ListGroupMembersRequest(group_id=gid), metadata=bearer(m2[1])
    )
    assert {m.user.user_id: m.mute_end_time_ms for m in page.members}[
        m1[0]
    ] == resp.mute_end_time_ms
    # The mute ends by itself.
    await asyncio.sleep(2.3)
    await send_group(api, m1[1], gid, "I'm back")
    # An explicit unmute, too.
    await s.groups.MuteMember(
        g.MuteMemberRequest(group_id=gid, user_id=m2[0], duration_seconds=600),
        metadata=bearer(owner[1]),
    )
    await expect_error(send_group(api, m2[1], gid, "x"), *muted)
    resp = await s.groups.MuteMember(
        g.MuteMemberRequest(group_id=gid, user_id=m2[0], duration_seconds=0),
        metadata=bearer(adm[1]),
    )
    assert resp.mute_end_time_ms == 0
    await send_group(api, m2[1], gid, "unmuted")

    # The whole group: members are muted; the owner and admins still speak.
    await expect_error(
        s.groups.MuteGroup(g.MuteGroupRequest(group_id=gid, muted=True), metadata=bearer(m1[1])),
        *denied,
    )
    await s.groups.MuteGroup(g.MuteGroupRequest(group_id=gid, muted=True), metadata=bearer(adm[1]))
    ev = await next_event(m1_dev, "group_muted")
    assert ev.notification.group_muted.muted
    got = await s.groups.GetGroups(g.GetGroupsRequest(group_ids=[gid]), metadata=bearer(m1[1]))
    assert got.groups[0].status == g.GROUP_STATUS_MUTED
    await expect_error(send_group(api, m1[1], gid, "x"), *muted)
    await send_group(api, adm2[1], gid, "admins may")
    await send_group(api, owner[1], gid, "owner may")
    await s.groups.MuteGroup(
        g.MuteGroupRequest(group_id=gid, muted=False), metadata=bearer(owner[1])
    )
    await send_group(api, m1[1], gid, "free again")
    await m1_dev.close()


async def test_kicked_member_stops_receiving_and_cannot_pull_later(api: Api) -> None:
    s = Social(api)
    owner, a, k = await users(api, 3)
    info = await create(s, owner, [a, k])
    gid, cid = info.group_id, info.conversation_id
    k_dev = await device(api, k[0])
    a_dev = await device(api, a[0])
    for i in range(3):
        await send_group(api, a[1], gid, f"m{i}")
        assert (await k_dev.next_frame("message")).message.message.content.text.text == f"m{i}"
    await s.groups.KickMembers(
        g.KickMembersRequest(group_id=gid, user_ids=[k[0]], reason="bye"), metadata=bearer(owner[1])
    )
    kicked = await next_event(k_dev, "members_kicked")
    kick_seq = kicked.seq
    assert kick_seq == 5 and list(kicked.notification.members_kicked.user_ids) == [k[0]]
    await next_event(a_dev, "members_kicked")

    after = await send_group(api, a[1], gid, "after the kick")
    assert (await a_dev.next_frame("message")).message.message.seq == after.seq
    await asyncio.sleep(0.3)
    assert [f for f in k_dev.drain() if f.HasField("message") or f.HasField("notification")] == []

    # History up to the kick stays readable; nothing after it.
    resp = await api.msg.PullMessages(
        msg_pb2.PullMessagesRequest(
            ranges=[msg_pb2.SeqRange(conversation_id=cid, begin=1, end=50)]
        ),
        metadata=bearer(k[1]),
    )
    got = resp.results[0]
    assert [m.seq for m in got.messages] == [1, 2, 3, 4, 5] and got.is_end
    assert "after the kick" not in [m.content.text.text for m in got.messages]
    st = await seq_state(api, k[1], cid)
    assert st.max_seq == kick_seq
    found = await api.msg.SearchMessages(
        msg_pb2.SearchMessagesRequest(keyword="kick"), metadata=bearer(k[1])
    )
    assert [m.content.text.text for m in found.messages] == []
    found = await api.msg.SearchMessages(
        msg_pb2.SearchMessagesRequest(keyword="m1", conversation_id=cid), metadata=bearer(k[1])
    )
    assert [m.content.text.text for m in found.messages] == ["m1"]
    await expect_error(
        send_group(api, k[1], gid, "still here?"),
        C.PERMISSION_DENIED,
        "ERROR_REASON_NOT_GROUP_MEMBER",
    )
    joined = await s.groups.ListJoinedGroups(g.ListJoinedGroupsRequest(), metadata=bearer(k[1]))
    assert list(joined.groups) == []
    got_info = await s.groups.GetGroups(g.GetGroupsRequest(group_ids=[gid]), metadata=bearer(k[1]))
    assert got_info.groups[0].member_count == 2

    # Invited back: pushes resume, and history restarts at the rejoin.
    await send_group(api, a[1], gid, "while away")
    await s.groups.InviteMembers(
        g.InviteMembersRequest(group_id=gid, user_ids=[k[0]]), metadata=bearer(owner[1])
    )
    invited = await next_event(k_dev, "members_invited")
    back = await send_group(api, a[1], gid, "welcome back")
    assert (await k_dev.next_frame("message")).message.message.seq == back.seq
    st = await seq_state(api, k[1], cid)
    assert st.min_seq == invited.seq and st.max_seq == back.seq
    mine = await pull_all(api, k[1], cid, back.seq)
    assert [m.seq for m in mine] == [invited.seq, back.seq]

    # Quitting cuts access the same way.
    await s.groups.QuitGroup(g.QuitGroupRequest(group_id=gid), metadata=bearer(k[1]))
    quit_ev = await next_event(a_dev, "member_quit")
    assert quit_ev.notification.member_quit.user_id == k[0]
    await send_group(api, a[1], gid, "after quit")
    assert (await seq_state(api, k[1], cid)).max_seq == quit_ev.seq
    for d in (k_dev, a_dev):
        await d.close()


async def test_a_former_member_cannot_write_into_the_group(api: Api) -> None:
    """Regression: after leaving, a member could still revoke or edit their
    old messages (each an event in the group) and show as typing."""
    s = Social(api)
    owner, k = await users(api, 2)
    info = await create(s, owner, [k])
    gid, cid = info.group_id, info.conversation_id
    owner_dev, k_dev = await device(api, owner[0]), await device(api, k[0])
    mine = await send_group(api, k[1], gid, "mine")
    await s.groups.KickMembers(
        g.KickMembersRequest(group_id=gid, user_ids=[k[0]]), metadata=bearer(owner[1])
    )
    await next_event(k_dev, "members_kicked")
    edited = message_pb2.Message().content
    edited.text.text = "rewritten after leaving"
    for call in (
        api.msg.RevokeMessage(
            msg_pb2.RevokeMessageRequest(conversation_id=cid, seq=mine.seq),
            metadata=bearer(k[1]),
        ),
        api.msg.EditMessage(
            msg_pb2.EditMessageRequest(conversation_id=cid, seq=mine.seq, content=edited),
            metadata=bearer(k[1]),
        ),
        api.msg.DeleteMessages(
            msg_pb2.DeleteMessagesRequest(
                conversation_id=cid,
                seqs=[mine.seq],
                scope=msg_pb2.DeleteScope.DELETE_SCOPE_FOR_EVERYONE,
            ),
            metadata=bearer(k[1]),
        ),
    ):
        await expect_error(call, C.PERMISSION_DENIED, "ERROR_REASON_NOT_GROUP_MEMBER")
    typing = gateway_pb2.ClientFrame()
    typing.typing.conversation_id = cid
    typing.typing.typing = True
    answer = await k_dev.request(typing)
    assert answer.error.reason == common_pb2.ERROR_REASON_NOT_GROUP_MEMBER, answer
    await asyncio.sleep(0.2)
    assert [f for f in owner_dev.drain() if f.HasField("typing")] == []
    # Their own copy is still theirs: delete for me works, history reads.
    await api.msg.DeleteMessages(
        msg_pb2.DeleteMessagesRequest(
            conversation_id=cid, seqs=[mine.seq], scope=msg_pb2.DeleteScope.DELETE_SCOPE_FOR_ME
        ),
        metadata=bearer(k[1]),
    )
    kept = await pull_all(api, owner[1], cid, mine.seq)
    assert [m.content.text.text for m in kept if m.seq == mine.seq] == ["mine"]
    for d in (owner_dev, k_dev):
        await d.close()


async def test_group_events_recovered_by_sync(api: Api) -> None:
    s = Social(api)
    owner, off, x = await users(api, 3)
    info = await create(s, owner, [off])
    gid, cid = info.group_id, info.conversation_id
    # `off` has no device online while all of this happens.
    await s.groups.SetGroupInfo(
        g.SetGroupInfoRequest(group_id=gid, announcement="read me"), metadata=bearer(owner[1])
    )
    await send_group(api, owner[1], gid, "a message")
    await s.groups.InviteMembers(
        g.InviteMembersRequest(group_id=gid, user_ids=[x[0]]), metadata=bearer(owner[1])
    )
    await s.groups.MuteMember(
        g.MuteMemberRequest(group_id=gid, user_id=x[0], duration_seconds=30),
        metadata=bearer(owner[1]),
    )
    st = await seq_state(api, off[1], cid)
    assert st.max_seq == 5 and st.unread_count == 1
    msgs = await pull_all(api, off[1], cid, st.max_seq)
    assert [m.seq for m in msgs] == [1, 2, 3, 4, 5]
    assert kinds([m for m in msgs if m.HasField("notification")]) == [
        "group_created",
        "group_info_changed",
        "members_invited",
        "member_muted",
    ]
    assert msgs[1].notification.group_info_changed.group.announcement == "read me"
    listed = await api.conversations.ListConversations(
        conversation_pb2.ListConversationsRequest(), metadata=bearer(off[1])
    )
    assert cid in [c.conversation_id for c in listed.conversations]


async def test_new_member_full_history_setting(fresh_server: ServerProcess) -> None:
    fresh_server.env["PARLEY_GROUPS__NEW_MEMBER_FULL_HISTORY"] = "true"
    fresh_server.start()
    api = Api(fresh_server.address, fresh_server.admin_secret)
    await api.login_admin()
    try:
        s = Social(api)
        owner, late = await users(api, 2)
        info = await create(s, owner, [])
        for i in range(3):
            await send_group(api, owner[1], info.group_id, f"early {i}")
        await s.groups.InviteMembers(
            g.InviteMembersRequest(group_id=info.group_id, user_ids=[late[0]]),
            metadata=bearer(owner[1]),
        )
        st = await seq_state(api, late[1], info.conversation_id)
        assert st.min_seq == 0 and st.max_seq == 5
        msgs = await pull_all(api, late[1], info.conversation_id, 5)
        assert [m.content.text.text for m in msgs[1:4]] == ["early 0", "early 1", "early 2"]
    finally:
        await api.close()


async def test_groups_survive_restart(fresh_server: ServerProcess) -> None:
    fresh_server.start()
    api = Api(fresh_server.address, fresh_server.admin_secret)
    await api.login_admin()
    s = Social(api)
    owner, m, k = await users(api, 3)
    info = await create(s, owner, [m, k], [m])
    await s.groups.KickMembers(
        g.KickMembersRequest(group_id=info.group_id, user_ids=[k[0]]), metadata=bearer(owner[1])
    )
    await s.groups.MuteMember(
        g.MuteMemberRequest(group_id=info.group_id, user_id=m[0], duration_seconds=0),
        metadata=bearer(owner[1]),
    )
    await api.close()
    fresh_server.stop()
    fresh_server.start()
    api = Api(fresh_server.address, fresh_server.admin_secret)
    try:
        ack = await send_group(api, m[1], info.group_id, "after restart")
        assert ack.seq == 4
        await expect_error(
            send_group(api, k[1], info.group_id, "me too"),
            C.PERMISSION_DENIED,
            "ERROR_REASON_NOT_GROUP_MEMBER",
        )
        assert (await seq_state(api, k[1], info.conversation_id)).max_seq == 2
        assert await member_ids(Social(api), m[1], info.group_id) == [owner[0], m[0]]
    finally:
        await api.close()


async def test_a_list_since_its_own_version_is_empty_after_group_changes(api: Api) -> None:
    # Creating a group and inviting into it hand out conversation versions;
    # one never reported written held every cursor back for seconds, so a
    # client's next "what changed" list returned the group again.
    s = Social(api)
    owner, member, late = await users(api, 3)
    info = await create(s, owner, [member])
    await s.groups.InviteMembers(
        g.InviteMembersRequest(group_id=info.group_id, user_ids=[late[0]]),
        metadata=bearer(owner[1]),
    )
    for _, token in (owner, late):
        listed = await api.conversations.ListConversations(
            conversation_pb2.ListConversationsRequest(), metadata=bearer(token)
        )
        assert info.conversation_id in [c.conversation_id for c in listed.conversations]
        again = await api.conversations.ListConversations(
            conversation_pb2.ListConversationsRequest(since_version=listed.version),
            metadata=bearer(token),
        )
        assert list(again.conversations) == []
