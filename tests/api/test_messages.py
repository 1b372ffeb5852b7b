"""Messaging over real gRPC: devices, offline sync, idempotency, revoke/edit/
delete/clear, read state, receipts, bad input."""

from __future__ import annotations

import asyncio
import uuid

import grpc
import pytest

from parley.conversation.v1 import conversation_pb2
from parley.gateway.v1 import gateway_pb2
from parley.msg.v1 import message_pb2, msg_pb2
from tests.harness import ST, Api, Device, P, bearer, error_reason, new_user_id, pull_all


def cid_of(a: str, b: str) -> str:
    lo, hi = sorted((a, b))
    return f"si_{lo}_{hi}"


async def users(api: Api, n: int) -> list[tuple[str, str]]:
    ids = [new_user_id() for _ in range(n)]
    await api.register(*ids)
    return [(u, await api.token(u)) for u in ids]


async def device(api: Api, user: str, platform: int, name: str) -> Device:
    d = Device(api.address, await api.token(user, platform), platform, name)
    await d.open()
    return d


async def test_two_users_two_devices_each(api: Api) -> None:
    (a, _), (b, _) = await users(api, 2)
    a1 = await device(api, a, P.PLATFORM_IOS, "a-phone")
    a2 = await device(api, a, P.PLATFORM_MACOS, "a-mac")
    b1 = await device(api, b, P.PLATFORM_ANDROID, "b-phone")
    b2 = await device(api, b, P.PLATFORM_WEB, "b-web")
    ack = await a1.send_text(b, "hello")
    assert ack.send_ack.ack.seq == 1
    assert ack.send_ack.ack.conversation_id == cid_of(a, b)
    for d in (a2, b1, b2):
        pushed = await d.next_frame("message")
        assert pushed.message.message.content.text.text == "hello"
        assert pushed.message.message.seq == 1
        assert pushed.message.message.sender_id == a
    # The sending device gets the ack, not a push of its own message.
    reply = await b2.send_text(a, "hi back")
    assert reply.send_ack.ack.seq == 2
    for d in (a1, a2, b1):
        assert (await d.next_frame("message")).message.message.content.text.text == "hi back"
    await asyncio.sleep(0.2)
    assert [f for f in a1.drain() if f.HasField("message")] == []
    for d in (a1, a2, b1, b2):
        await d.close()


async def test_offline_receiver_pulls_everything_in_order_once(api: Api) -> None:
    (a, _), (b, tb) = await users(api, 2)
    a1 = await device(api, a, P.PLATFORM_IOS, "a")
    acks = [await a1.send_text(b, f"m{i}") for i in range(250)]
    assert [x.send_ack.ack.seq for x in acks] == list(range(1, 251))
    cid = cid_of(a, b)
    seqs = await api.msg.GetSeqs(msg_pb2.GetSeqsRequest(), metadata=bearer(tb))
    state = {s.conversation_id: s for s in seqs.seqs}[cid]
    assert state.max_seq == 250 and state.unread_count == 250 and state.has_read_seq == 0
    msgs = await pull_all(api, tb, cid, state.max_seq)
    assert [m.seq for m in msgs] == list(range(1, 251))
    assert [m.content.text.text for m in msgs] == [f"m{i}" for i in range(250)]
    assert len({m.server_msg_id for m in msgs}) == 250
    # Descending pulls page backwards from the top.
    desc = await api.msg.PullMessages(
        msg_pb2.PullMessagesRequest(
            ranges=[msg_pb2.SeqRange(conversation_id=cid, begin=1, end=250)],
            order=msg_pb2.PULL_ORDER_DESC,
        ),
        metadata=bearer(tb),
    )
    assert [m.seq for m in desc.results[0].messages] == list(range(250, 150, -1))
    assert not desc.results[0].is_end
    await a1.close()


async def test_idempotent_resend_over_stream_and_unary(api: Api) -> None:
    (a, ta), (b, tb) = await users(api, 2)
    a1 = await device(api, a, P.PLATFORM_IOS, "a")
    first = await a1.send_text(b, "once", client_msg_id="same-id")
    again = await a1.send_text(b, "once", client_msg_id="same-id")
    assert again.send_ack.ack.seq == first.send_ack.ack.seq
    assert again.send_ack.ack.server_msg_id == first.send_ack.ack.server_msg_id
    assert again.send_ack.ack.duplicate and not first.send_ack.ack.duplicate
    req = msg_pb2.SendMessageRequest()
    req.message.client_msg_id = "same-id"
    req.message.session_type = ST.SESSION_TYPE_SINGLE
    req.message.recv_id = b
    req.message.content.text.text = "once"
    unary = await api.msg.SendMessage(req, metadata=bearer(ta))
    assert unary.ack.seq == first.send_ack.ack.seq and unary.ack.duplicate
    # Concurrent resends race: still one message.
    req.message.client_msg_id = "race"
    results = await asyncio.gather(
        *(api.msg.SendMessage(req, metadata=bearer(ta)) for _ in range(10))
    )
    assert len({r.ack.seq for r in results}) == 1
    msgs = await pull_all(api, tb, cid_of(a, b), 10)
    assert [m.client_msg_id for m in msgs] == ["same-id", "race"]
    await a1.close()


async def test_every_content_type_roundtrips(api: Api) -> None:
    (a, ta), (b, tb) = await users(api, 2)
    contents = []
    c = message_pb2.Message().content
    c.image.original.url = "https://cdn/x.jpg"
    c.image.original.width = 100
    c.image.thumbnail.url = "https://cdn/x_t.jpg"
    contents.append(c.__deepcopy__())
    c.Clear()
    c.voice.url = "https://cdn/v.aac"
    c.voice.duration_seconds = 3
    contents.append(c.__deepcopy__())
    c.Clear()
    c.video.url = "https://cdn/v.mp4"
    c.video.snapshot.url = "https://cdn/v.jpg"
    contents.append(c.__deepcopy__())
    c.Clear()
    c.file.url = "https://cdn/f.pdf"
    c.file.name = "report.pdf"
    c.file.size = 1234
    contents.append(c.__deepcopy__())
    c.Clear()
    c.location.latitude = 48.85
    c.location.longitude = 2.35
    c.location.description = "Paris"
    contents.append(c.__deepcopy__())
    c.Clear()
    c.card.user_id = b
    contents.append(c.__deepcopy__())
    c.Clear()
    c.quote.text = "replying"
    c.quote.quoted.seq = 1
    c.quote.quoted.conversation_id = cid_of(a, b)
    contents.append(c.__deepcopy__())
    c.Clear()
    s = c.merged_forward.messages.add()
    s.seq = 1
    s.summary = "hi"
    c.merged_forward.title = "history"
    contents.append(c.__deepcopy__())
    c.Clear()
    c.custom.type = "com.example.poll"
    c.custom.data = b"\x00\x01"
    contents.append(c.__deepcopy__())
    for i, content in enumerate(contents):
        req = msg_pb2.SendMessageRequest()
        req.message.client_msg_id = f"ct-{i}"
        req.message.session_type = ST.SESSION_TYPE_SINGLE
        req.message.recv_id = b
        req.message.content.CopyFrom(content)
        await api.msg.SendMessage(req, metadata=bearer(ta))
    msgs = await pull_all(api, tb, cid_of(a, b), len(contents))
    assert [m.content for m in msgs] == contents


@pytest.mark.parametrize(
    ("mutate", "code", "reason"),
    [
        (lambda m: m.ClearField("content"), "INVALID_ARGUMENT", "ERROR_REASON_CONTENT_INVALID"),
        (
            lambda m: setattr(m.content.text, "text", "   "),
            "INVALID_ARGUMENT",
            "ERROR_REASON_CONTENT_INVALID",
        ),
        (
            lambda m: setattr(m.content.file, "url", "u"),
            "INVALID_ARGUMENT",
            "ERROR_REASON_CONTENT_INVALID",
        ),
        (
            lambda m: setattr(m.content.location, "latitude", 91.0),
            "INVALID_ARGUMENT",
            "ERROR_REASON_CONTENT_INVALID",
        ),
        (
            lambda m: setattr(m, "client_msg_id", ""),
            "INVALID_ARGUMENT",
            "ERROR_REASON_INVALID_ARGUMENT",
        ),
        (
            lambda m: setattr(m, "recv_id", "nobody-here"),
            "NOT_FOUND",
            "ERROR_REASON_USER_NOT_FOUND",
        ),
        (
            lambda m: setattr(m, "recv_id", "bad id!"),
            "INVALID_ARGUMENT",
            "ERROR_REASON_INVALID_ARGUMENT",
        ),
        (
            lambda m: setattr(m, "session_type", ST.SESSION_TYPE_NOTIFICATION),
            "INVALID_ARGUMENT",
            "ERROR_REASON_INVALID_ARGUMENT",
        ),
        (
            lambda m: setattr(m.content.text, "text", "x" * 70_000),
            "RESOURCE_EXHAUSTED",
            "ERROR_REASON_CONTENT_TOO_LARGE",
        ),
    ],
)
async def test_bad_sends_store_nothing(api: Api, mutate, code: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    (_a, ta), (b, tb) = await users(api, 2)
    req = msg_pb2.SendMessageRequest()
    req.message.client_msg_id = uuid.uuid4().hex
    req.message.session_type = ST.SESSION_TYPE_SINGLE
    req.message.recv_id = b
    req.message.content.text.text = "ok"
    mutate(req.message)
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await api.msg.SendMessage(req, metadata=bearer(ta))
    assert info.value.code().name == code
    assert error_reason(info.value) == reason
    seqs = await api.msg.GetSeqs(msg_pb2.GetSeqsRequest(), metadata=bearer(tb))
    assert list(seqs.seqs) == []


async def test_authorization_on_every_rpc(api: Api) -> None:
    (a, ta), (b, _tb), (_c, tc) = await users(api, 3)
    await Device(api.address, ta, P.PLATFORM_IOS, "x").open() if False else None
    req = msg_pb2.SendMessageRequest()
    req.message.client_msg_id = "m"
    req.message.session_type = ST.SESSION_TYPE_SINGLE
    req.message.recv_id = b
    req.message.content.text.text = "secret"
    await api.msg.SendMessage(req, metadata=bearer(ta))
    cid = cid_of(a, b)
    # c is not in a's conversation with b: every call about it is NOT_FOUND.
    calls = [
        api.msg.PullMessages(
            msg_pb2.PullMessagesRequest(
                ranges=[msg_pb2.SeqRange(conversation_id=cid, begin=1, end=5)]
            ),
            metadata=bearer(tc),
        ),
        api.msg.GetSeqs(msg_pb2.GetSeqsRequest(conversation_ids=[cid]), metadata=bearer(tc)),
        api.msg.MarkRead(
            msg_pb2.MarkReadRequest(conversation_id=cid, has_read_seq=1), metadata=bearer(tc)
        ),
        api.msg.RevokeMessage(
            msg_pb2.RevokeMessageRequest(conversation_id=cid, seq=1), metadata=bearer(tc)
        ),
        api.msg.DeleteMessages(
            msg_pb2.DeleteMessagesRequest(
                conversation_id=cid, seqs=[1], scope=msg_pb2.DELETE_SCOPE_FOR_ME
            ),
            metadata=bearer(tc),
        ),
        api.msg.ClearConversation(
            msg_pb2.ClearConversationRequest(conversation_id=cid), metadata=bearer(tc)
        ),
        api.msg.GetMessageReceipts(
            msg_pb2.GetMessageReceiptsRequest(conversation_id=cid, seqs=[1]), metadata=bearer(tc)
        ),
        api.msg.SearchMessages(
            msg_pb2.SearchMessagesRequest(keyword="secret", conversation_id=cid),
            metadata=bearer(tc),
        ),
        api.conversations.SetConversation(
            conversation_pb2.SetConversationRequest(conversation_id=cid, pinned=True),
            metadata=bearer(tc),
        ),
    ]
    for call in calls:
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await call
        assert info.value.code() == grpc.StatusCode.NOT_FOUND, info.value
        assert error_reason(info.value) == "ERROR_REASON_CONVERSATION_NOT_FOUND"
    got = await api.conversations.GetConversations(
        conversation_pb2.GetConversationsRequest(conversation_ids=[cid]), metadata=bearer(tc)
    )
    assert list(got.conversations) == []
    # Unauthenticated and wrong-kind tokens.
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await api.msg.GetSeqs(msg_pb2.GetSeqsRequest())
    assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_reason(info.value) == "ERROR_REASON_TOKEN_MISSING"
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await api.users.RegisterUsers(
            __import__("parley.user.v1.user_pb2", fromlist=["x"]).RegisterUsersRequest(),
            metadata=bearer(ta),
        )
    assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert error_reason(info.value) == "ERROR_REASON_ADMIN_REQUIRED"


async def test_seq_ranges_out_of_bounds(api: Api) -> None:
    (a, _ta), (b, tb) = await users(api, 2)
    dev = await device(api, a, P.PLATFORM_IOS, "a")
    for i in range(3):
        await dev.send_text(b, f"x{i}")
    cid = cid_of(a, b)
    for begin, end in ((0, 5), (5, 2), (-3, 1)):
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await api.msg.PullMessages(
                msg_pb2.PullMessagesRequest(
                    ranges=[msg_pb2.SeqRange(conversation_id=cid, begin=begin, end=end)]
                ),
                metadata=bearer(tb),
            )
        assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert error_reason(info.value) == "ERROR_REASON_SEQ_OUT_OF_RANGE"
    # Past the max: nothing, and is_end.
    resp = await api.msg.PullMessages(
        msg_pb2.PullMessagesRequest(
            ranges=[msg_pb2.SeqRange(conversation_id=cid, begin=4, end=1000)]
        ),
        metadata=bearer(tb),
    )
    assert list(resp.results[0].messages) == [] and resp.results[0].is_end
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await api.msg.PullMessages(
            msg_pb2.PullMessagesRequest(
                ranges=[msg_pb2.SeqRange(conversation_id="garbage", begin=1, end=2)]
            ),
            metadata=bearer(tb),
        )
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    await dev.close()


async def test_garbage_bytes_get_a_status_and_the_server_lives(api: Api) -> None:
    (_a, ta), (_b, tb) = await users(api, 2)
    async with grpc.aio.insecure_channel(api.address) as ch:
        raw = ch.unary_unary(
            "/parley.msg.v1.MsgService/SendMessage",
            request_serializer=lambda x: x,
            response_deserializer=lambda x: x,
        )
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await raw(b"\xff\xff\xff\xff garbage \x00\x01", metadata=bearer(ta))
        assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert error_reason(info.value) == "ERROR_REASON_INVALID_ARGUMENT"
        stream = ch.stream_stream(
            "/parley.gateway.v1.GatewayService/Connect",
            request_serializer=lambda x: x,
            response_deserializer=lambda x: x,
        )

        async def junk():  # type: ignore[no-untyped-def]
            yield b"\x0a\xff\xff\xff\xff\xff"
            await asyncio.sleep(5)

        call = stream(junk())
        with pytest.raises(grpc.aio.AioRpcError) as info:
            async for _ in call:
                pass
        assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED
    # Still serving, nothing stored for b.
    seqs = await api.msg.GetSeqs(msg_pb2.GetSeqsRequest(), metadata=bearer(tb))
    assert list(seqs.seqs) == []


async def test_revoke_edit_delete_clear_seen_by_both_sides(api: Api) -> None:
    (a, ta), (b, tb) = await users(api, 2)
    da = await device(api, a, P.PLATFORM_IOS, "a")
    db = await device(api, b, P.PLATFORM_IOS, "b")
    cid = cid_of(a, b)
    for i in range(1, 6):
        await da.send_text(b, f"t{i}")
    # Edit seq 1 (by the sender only).
    content = message_pb2.Message().content
    content.text.text = "t1 (edited)"
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await api.msg.EditMessage(
            msg_pb2.EditMessageRequest(conversation_id=cid, seq=1, content=content),
            metadata=bearer(tb),
        )
    assert error_reason(info.value) == "ERROR_REASON_NOT_MESSAGE_SENDER"
    edit = await api.msg.EditMessage(
        msg_pb2.EditMessageRequest(conversation_id=cid, seq=1, content=content), metadata=bearer(ta)
    )
    assert edit.event_seq == 6 and edit.edit_version == 1
    # Revoke seq 2.
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await api.msg.RevokeMessage(
            msg_pb2.RevokeMessageRequest(conversation_id=cid, seq=2), metadata=bearer(tb)
        )
    assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED
    rev = await api.msg.RevokeMessage(
        msg_pb2.RevokeMessageRequest(conversation_id=cid, seq=2), metadata=bearer(ta)
    )
    assert rev.event_seq == 7
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await api.msg.EditMessage(
            msg_pb2.EditMessageRequest(conversation_id=cid, seq=2, content=content),
            metadata=bearer(ta),
        )
    assert error_reason(info.value) == "ERROR_REASON_MESSAGE_REVOKED"
    # Delete seq 3 for everyone, seq 4 for b only.
    await api.msg.DeleteMessages(
        msg_pb2.DeleteMessagesRequest(
            conversation_id=cid, seqs=[3], scope=msg_pb2.DELETE_SCOPE_FOR_EVERYONE
        ),
        metadata=bearer(ta),
    )
    await api.msg.DeleteMessages(
        msg_pb2.DeleteMessagesRequest(
            conversation_id=cid, seqs=[4], scope=msg_pb2.DELETE_SCOPE_FOR_ME
        ),
        metadata=bearer(tb),
    )
    # Both sides got the edit and revoke events pushed.
    for d in (db,):
        kinds = []
        while len(kinds) < 3:
            f = await d.next_frame("notification")
            kinds.append(f.notification.message.notification.WhichOneof("event"))
        assert kinds == ["message_edited", "message_revoked", "messages_deleted"]
    view_a = {m.seq: m for m in await pull_all(api, ta, cid, 100)}
    view_b = {m.seq: m for m in await pull_all(api, tb, cid, 100)}
    for view in (view_a, view_b):
        assert (
            view[1].content.text.text == "t1 (edited)"
            and view[1].edited
            and view[1].edit_version == 1
        )
        assert view[2].status == message_pb2.MESSAGE_STATUS_REVOKED and not view[2].HasField(
            "content"
        )
        assert view[3].placeholder
        assert view[5].content.text.text == "t5"
        assert view[6].notification.message_edited.seq == 1
        assert view[7].notification.message_revoked.seq == 2
    assert view_b[4].placeholder and not view_a[4].placeholder
    # b's delete-for-me reached b's own notification conversation.
    nb = await api.msg.GetSeqs(
        msg_pb2.GetSeqsRequest(conversation_ids=[f"n_{b}"]), metadata=bearer(tb)
    )
    assert nb.seqs[0].max_seq >= 1
    # Search sees the edit, not the revoked or deleted text.
    found = await api.msg.SearchMessages(
        msg_pb2.SearchMessagesRequest(keyword="edited"), metadata=bearer(tb)
    )
    assert [m.seq for m in found.messages] == [1]
    found = await api.msg.SearchMessages(
        msg_pb2.SearchMessagesRequest(keyword="t4"), metadata=bearer(tb)
    )
    assert list(found.messages) == []
    found = await api.msg.SearchMessages(
        msg_pb2.SearchMessagesRequest(keyword="t4"), metadata=bearer(ta)
    )
    assert [m.seq for m in found.messages] == [4]
    # Clear for b: b's min_seq moves past the max; a keeps everything.
    cleared = await api.msg.ClearConversation(
        msg_pb2.ClearConversationRequest(conversation_id=cid), metadata=bearer(tb)
    )
    top = (
        (await api.msg.GetSeqs(msg_pb2.GetSeqsRequest(conversation_ids=[cid]), metadata=bearer(ta)))
        .seqs[0]
        .max_seq
    )
    assert cleared.min_seq == top + 1
    assert await pull_all(api, tb, cid, top) == []
    assert len(await pull_all(api, ta, cid, top)) == top
    state_b = (
        await api.msg.GetSeqs(msg_pb2.GetSeqsRequest(conversation_ids=[cid]), metadata=bearer(tb))
    ).seqs[0]
    assert state_b.unread_count == 0 and state_b.min_seq == top + 1
    await da.send_text(b, "after clear")
    got = await pull_all(api, tb, cid, top + 1)
    assert [m.content.text.text for m in got] == ["after clear"]
    await da.close()
    await db.close()


async def test_read_state_receipts_and_unread(api: Api) -> None:
    (a, ta), (b, tb) = await users(api, 2)
    a1 = await device(api, a, P.PLATFORM_IOS, "a1")
    b1 = await device(api, b, P.PLATFORM_IOS, "b1")
    b2 = await device(api, b, P.PLATFORM_WINDOWS, "b2")
    cid = cid_of(a, b)
    for i in range(4):
        await a1.send_text(b, f"r{i}")
    total = await api.conversations.GetTotalUnread(
        conversation_pb2.GetTotalUnreadRequest(), metadata=bearer(tb)
    )
    assert total.total_unread == 4
    # Delivery ack from b1 reaches a.
    ack = gateway_pb2.ClientFrame()
    ack.delivery_ack.conversation_id = cid
    ack.delivery_ack.delivered_seq = 4
    await b1.post(ack)
    dr = await a1.next_frame("delivery_receipt")
    assert dr.delivery_receipt.delivered_seq == 4 and dr.delivery_receipt.user_id == b
    # b1 marks read up to 3: b2 learns, a gets a seq'd receipt.
    mr = gateway_pb2.ClientFrame()
    mr.mark_read.conversation_id = cid
    mr.mark_read.has_read_seq = 3
    res = await b1.request(mr)
    assert res.mark_read_result.has_read_seq == 3 and res.mark_read_result.unread_count == 1
    sync = await b2.next_frame("read_state")
    assert sync.read_state.has_read_seq == 3
    receipt = await a1.next_frame("notification")
    rr = receipt.notification.message.notification.read_receipt
    assert rr.reader_user_id == b and rr.has_read_seq == 3
    assert receipt.notification.message.seq == 5 and not receipt.notification.message.counts_unread
    state = (
        await api.msg.GetSeqs(msg_pb2.GetSeqsRequest(conversation_ids=[cid]), metadata=bearer(ta))
    ).seqs[0]
    assert state.peer_has_read_seq == 3 and state.peer_delivered_seq == 4
    receipts = await api.msg.GetMessageReceipts(
        msg_pb2.GetMessageReceiptsRequest(conversation_id=cid, seqs=[3, 4]), metadata=bearer(ta)
    )
    assert [(r.read_count, r.delivered_count) for r in receipts.receipts] == [(1, 1), (0, 1)]
    # Marking read backwards is a no-op; beyond max is clamped.
    back = await api.msg.MarkRead(
        msg_pb2.MarkReadRequest(conversation_id=cid, has_read_seq=1), metadata=bearer(tb)
    )
    assert back.has_read_seq == 3
    far = await api.msg.MarkRead(
        msg_pb2.MarkReadRequest(conversation_id=cid, has_read_seq=10**9), metadata=bearer(tb)
    )
    assert far.unread_count == 0
    total = await api.conversations.GetTotalUnread(
        conversation_pb2.GetTotalUnreadRequest(), metadata=bearer(tb)
    )
    assert total.total_unread == 0
    for d in (a1, b1, b2):
        await d.close()


async def test_conversation_list_settings_and_cursor(api: Api) -> None:
    (a, ta), (b, _tb), (c, _tc) = await users(api, 3)
    da = await device(api, a, P.PLATFORM_IOS, "a")
    await da.send_text(b, "to b")
    await da.send_text(c, "to c")
    listed = await api.conversations.ListConversations(
        conversation_pb2.ListConversationsRequest(), metadata=bearer(ta)
    )
    ids = [x.conversation_id for x in listed.conversations]
    assert ids == [cid_of(a, c), cid_of(a, b)]  # latest activity first
    assert listed.conversations[0].latest_message.content.text.text == "to c"
    cursor = listed.version
    pinned = await api.conversations.SetConversation(
        conversation_pb2.SetConversationRequest(
            conversation_id=cid_of(a, b), pinned=True, draft="draft!"
        ),
        metadata=bearer(ta),
    )
    assert pinned.conversation.pinned and pinned.conversation.draft == "draft!"
    listed = await api.conversations.ListConversations(
        conversation_pb2.ListConversationsRequest(), metadata=bearer(ta)
    )
    assert listed.conversations[0].conversation_id == cid_of(a, b)
    changed = await api.conversations.ListConversations(
        conversation_pb2.ListConversationsRequest(since_version=cursor), metadata=bearer(ta)
    )
    assert cid_of(a, b) in [x.conversation_id for x in changed.conversations]
    assert cid_of(a, c) not in [x.conversation_id for x in changed.conversations]
    # Pagination.
    page = await api.conversations.ListConversations(
        conversation_pb2.ListConversationsRequest(page={"page_size": 1}), metadata=bearer(ta)
    )
    assert len(page.conversations) == 1 and page.page.next_page_token
    await da.close()


async def test_a_list_since_its_own_version_is_empty_after_a_burst(api: Api) -> None:
    # Sends committed in one batch to one conversation: each hands out a
    # version for the conversation's row, and one that a later send replaced
    # was never reported written, holding every cursor back for seconds.
    (a, ta), (b, _tb) = await users(api, 2)
    da = await device(api, a, P.PLATFORM_IOS, "a")
    acks = await asyncio.gather(*(da.send_text(b, f"burst {i}") for i in range(40)))
    assert all(ack.HasField("send_ack") for ack in acks)
    listed = await api.conversations.ListConversations(
        conversation_pb2.ListConversationsRequest(), metadata=bearer(ta)
    )
    assert [c.conversation_id for c in listed.conversations] == [cid_of(a, b)]
    again = await api.conversations.ListConversations(
        conversation_pb2.ListConversationsRequest(since_version=listed.version),
        metadata=bearer(ta),
    )
    assert list(again.conversations) == []
    await da.close()
