"""Acked means durable: kill -9 right after acks, restart on the same data."""

from __future__ import annotations

import asyncio

from parley.conversation.v1 import conversation_pb2
from parley.msg.v1 import msg_pb2
from tests.harness import Api, Device, P, ServerProcess, bearer, new_user_id, pull_all


async def test_kill9_after_acks_loses_nothing(fresh_server: ServerProcess) -> None:
    fresh_server.env["PARLEY_LIMITS__SEND_RATE_PER_SECOND"] = "100000"
    fresh_server.env["PARLEY_LIMITS__SEND_BURST"] = "100000"
    fresh_server.start()
    api = Api(fresh_server.address, fresh_server.admin_secret)
    await api.login_admin()
    a, b, c = new_user_id(), new_user_id(), new_user_id()
    await api.register(a, b, c)
    ta, tb, tc = await api.token(a), await api.token(b), await api.token(c)
    da = Device(api.address, ta, P.PLATFORM_IOS, "a")
    await da.open()
    # Many sends in flight at once, so acks come from group commits.
    acks = await asyncio.gather(
        *(da.send_text(b if i % 2 else c, f"msg-{i}", client_msg_id=f"k-{i}") for i in range(400))
    )
    assert all(x.HasField("send_ack") for x in acks)
    cid_ab = acks[1].send_ack.ack.conversation_id
    read = await api.msg.MarkRead(
        msg_pb2.MarkReadRequest(conversation_id=cid_ab, has_read_seq=50), metadata=bearer(tb)
    )
    assert read.has_read_seq == 50
    await api.conversations.SetConversation(
        conversation_pb2.SetConversationRequest(conversation_id=cid_ab, pinned=True),
        metadata=bearer(tb),
    )
    fresh_server.kill9()
    await da.close()
    await api.close()

    fresh_server.start()
    api = Api(fresh_server.address, fresh_server.admin_secret)
    await api.login_admin()
    expected: dict[str, dict[int, str]] = {}
    for x, i in zip(acks, range(400), strict=True):
        ack = x.send_ack.ack
        expected.setdefault(ack.conversation_id, {})[ack.seq] = f"msg-{i}"
    for token in (tb, tc):
        seqs = await api.msg.GetSeqs(msg_pb2.GetSeqsRequest(), metadata=bearer(token))
        for state in seqs.seqs:
            if state.conversation_id.startswith("n_"):
                continue
            want = expected[state.conversation_id]
            msgs = await pull_all(api, token, state.conversation_id, state.max_seq)
            got = {m.seq: m.content.text.text for m in msgs if m.HasField("content")}
            assert got == want
    state_b = (
        await api.msg.GetSeqs(
            msg_pb2.GetSeqsRequest(conversation_ids=[cid_ab]), metadata=bearer(tb)
        )
    ).seqs[0]
    assert state_b.has_read_seq == 50
    conv = (
        await api.conversations.GetConversations(
            conversation_pb2.GetConversationsRequest(conversation_ids=[cid_ab]),
            metadata=bearer(tb),
        )
    ).conversations[0]
    assert conv.pinned
    # Resending an acked message after the restart returns the original ack.
    dev = Device(api.address, await api.token(a), P.PLATFORM_IOS, "a")
    await dev.open()
    again = await dev.send_text(b, "msg-1", client_msg_id="k-1")
    assert again.send_ack.ack.duplicate
    assert again.send_ack.ack.seq == acks[1].send_ack.ack.seq
    # New messages continue after the highest stored seq. (+1 is b's read
    # receipt; the resend above, caught by the writer rather than the recent
    # cache, left its allocated seq as a hole: a placeholder, never a stall.)
    nxt = await dev.send_text(b, "after restart")
    receipt_seq = max(expected[cid_ab]) + 1
    assert nxt.send_ack.ack.seq == receipt_seq + 2
    tail = await pull_all(api, tb, cid_ab, nxt.send_ack.ack.seq)
    assert [m.seq for m in tail[-3:]] == [receipt_seq, receipt_seq + 1, receipt_seq + 2]
    assert tail[-2].placeholder and tail[-1].content.text.text == "after restart"
    await dev.close()
    await api.close()


async def test_restart_keeps_tokens_and_secret(fresh_server: ServerProcess) -> None:
    fresh_server.start()
    api = Api(fresh_server.address, fresh_server.admin_secret)
    await api.login_admin()
    u = new_user_id()
    await api.register(u)
    token = await api.token(u)
    fresh_server.stop()
    fresh_server.start()
    api2 = Api(fresh_server.address, fresh_server.admin_secret)
    seqs = await api2.msg.GetSeqs(msg_pb2.GetSeqsRequest(), metadata=bearer(token))
    assert list(seqs.seqs) == []
    await api.close()
    await api2.close()
