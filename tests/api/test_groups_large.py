"""A 10,000-member group on its own server: built by CreateGroup plus
InviteMembers batches, sent into (one stored copy, pushed to the online
members), listed page by page, with receipts over every member."""

from __future__ import annotations

import asyncio
import time
import uuid

from parley.common.v1 import common_pb2
from parley.group.v1 import group_pb2 as g
from parley.msg.v1 import msg_pb2
from parley.user.v1 import user_pb2
from tests.api.social import Social, device, send_group, seq_state
from tests.harness import Api, Device, ServerProcess, bearer, pull_all

MEMBERS = 10_000
PER_CALL = 2_000
ONLINE = 60


async def test_ten_thousand_member_group(fresh_server: ServerProcess) -> None:
    started = time.monotonic()
    fresh_server.start()
    api = Api(fresh_server.address, fresh_server.admin_secret)
    await api.login_admin()
    devices: list[Device] = []
    try:
        s = Social(api)
        tag = uuid.uuid4().hex[:6]
        ids = [f"big-{tag}-{i:05d}" for i in range(MEMBERS)]
        for i in range(0, MEMBERS, 1000):
            await api.users.RegisterUsers(
                user_pb2.RegisterUsersRequest(
                    users=[user_pb2.UserInfo(user_id=u, nickname=u) for u in ids[i : i + 1000]]
                ),
                metadata=bearer(api.admin_token),
            )
        owner, rest = ids[0], ids[1:]
        owner_token = await api.token(owner)

        created = await s.groups.CreateGroup(
            g.CreateGroupRequest(
                name="everyone", member_user_ids=rest[:PER_CALL], admin_user_ids=rest[:3]
            ),
            metadata=bearer(owner_token),
        )
        gid, cid = created.group.group_id, created.group.conversation_id
        for i in range(PER_CALL, len(rest), PER_CALL):
            await s.groups.InviteMembers(
                g.InviteMembersRequest(group_id=gid, user_ids=rest[i : i + PER_CALL]),
                metadata=bearer(owner_token),
            )
        info = (
            await s.groups.GetGroups(
                g.GetGroupsRequest(group_ids=[gid]), metadata=bearer(owner_token)
            )
        ).groups[0]
        assert info.member_count == MEMBERS
        built = time.monotonic()

        # Online members spread over the whole group (early and late joiners).
        step = len(rest) // ONLINE
        online = [rest[i * step] for i in range(ONLINE)]
        devices = list(await asyncio.gather(*(device(api, u) for u in online)))

        sends: list[float] = []
        acks = []
        for i in range(5):
            t = time.monotonic()
            acks.append(await send_group(api, owner_token, gid, f"to everyone {i}"))
            sends.append(time.monotonic() - t)
        # One stored copy and a push loop: the ack does not wait on 10,000 rows.
        assert max(sends) < 1.0, sends

        async def receives(d: Device) -> list[int]:
            got = []
            while len(got) < len(acks):
                m = (await d.next_frame("message", timeout=15)).message.message
                got.append(m.seq)
            return got

        got = await asyncio.gather(*(receives(d) for d in devices))
        assert all(seqs == [a.seq for a in acks] for seqs in got)

        # An offline member pulls it; a late joiner sees history from their join.
        late = rest[-1]
        late_token = await api.token(late)
        st = await seq_state(api, late_token, cid)
        assert st.max_seq == acks[-1].seq and st.unread_count == len(acks)
        msgs = await pull_all(api, late_token, cid, st.max_seq)
        assert msgs[0].seq == st.min_seq
        assert [m.content.text.text for m in msgs if m.HasField("content")] == [
            f"to everyone {i}" for i in range(5)
        ]

        # Members page by page: owner and admins first, everyone exactly once.
        seen: list[str] = []
        page_token = ""
        while True:
            page = await s.groups.ListGroupMembers(
                g.ListGroupMembersRequest(
                    group_id=gid, page=common_pb2.PageRequest(page_size=500, page_token=page_token)
                ),
                metadata=bearer(late_token),
            )
            assert page.page.total == MEMBERS
            seen.extend(m.user.user_id for m in page.members)
            page_token = page.page.next_page_token
            if not page_token:
                break
        assert len(seen) == MEMBERS and set(seen) == set(ids)
        assert seen[0] == owner and set(seen[1:4]) == set(rest[:3])

        # Receipts count over every member's read state.
        for u in online[:10]:
            await api.msg.MarkRead(
                msg_pb2.MarkReadRequest(conversation_id=cid, has_read_seq=acks[-1].seq),
                metadata=bearer(await api.token(u)),
            )
        receipts = await api.msg.GetMessageReceipts(
            msg_pb2.GetMessageReceiptsRequest(conversation_id=cid, seqs=[acks[-1].seq]),
            metadata=bearer(owner_token),
        )
        r = receipts.receipts[0]
        assert (r.read_count, r.unread_count) == (10, MEMBERS - 11)

        # A kicked member's device hears of the kick and nothing after it.
        kicked = devices[-1]
        await s.groups.KickMembers(
            g.KickMembersRequest(group_id=gid, user_ids=[online[-1]]), metadata=bearer(owner_token)
        )
        after = await send_group(api, owner_token, gid, "without the kicked one")
        assert (await devices[0].next_frame("message")).message.message.seq == after.seq
        await asyncio.sleep(0.3)
        assert [f for f in kicked.drain() if f.HasField("message")] == []
        print(
            f"\n10k group: built in {built - started:.1f}s, sends {max(sends) * 1000:.0f} ms max, "
            f"total {time.monotonic() - started:.1f}s"
        )
        assert time.monotonic() - started < 60
    finally:
        await asyncio.gather(*(d.close() for d in devices))
        await api.close()
