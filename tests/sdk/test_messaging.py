"""Messaging between SDK clients over the real server: local-first sends,
receipts, unread counts, conversation settings, changes to messages, typing,
multi-device, local search and offline reads."""

from __future__ import annotations

import socket
from pathlib import Path

from parley_sdk import (
    ConnectionState,
    MessageChange,
    MessageStatus,
    PresenceEvent,
    ReceiptKind,
    ReceiveOption,
    SendStatus,
)
from tests.harness import Api, ServerProcess
from tests.sdk.helpers import (
    P,
    Pair,
    Recorder,
    accounts,
    assert_matches_server,
    eventually,
    eventually_async,
    open_client,
    token_for,
)


async def test_send_is_local_first_and_received_once(pair: Pair) -> None:
    cid = pair.ca.conversation_with(pair.b.user_id)
    assert cid == pair.cid
    sent = await pair.ca.send_text(cid, "hello Bob")
    assert sent.send_status == SendStatus.SENT and sent.seq == 1 and sent.server_msg_id
    await pair.ca.wait_idle()
    # Shown at once as SENDING, then updated to SENT: one new-message call.
    first = pair.ra.new[0]
    assert first.client_msg_id == sent.client_msg_id
    assert first.send_status == SendStatus.SENDING and first.seq == 0
    assert [c for m, c in pair.ra.updates if m.client_msg_id == sent.client_msg_id] == [
        MessageChange.SENT
    ]
    await eventually(lambda: len(pair.rb.user_messages()) == 1, what="Bob receives")
    got = pair.rb.user_messages()[0]
    assert (got.seq, got.server_msg_id, got.text, got.sender_id) == (
        1,
        sent.server_msg_id,
        "hello Bob",
        pair.a.user_id,
    )
    conv = await pair.cb.get_conversation(cid)
    assert conv is not None and conv.unread_count == 1 and conv.peer_user_id == pair.a.user_id
    assert conv.latest_message is not None and conv.latest_message.text == "hello Bob"
    assert await pair.cb.get_total_unread() == 1
    await eventually(lambda: pair.rb.totals[-1:] == [1], what="total unread listener")
    # Alice's own message never counts as unread for her.
    mine = await pair.ca.get_conversation(cid)
    assert mine is not None and mine.unread_count == 0
    # Delivery receipt (Bob's device applied the push) reaches Alice.
    await eventually(
        lambda: any(r.kind == ReceiptKind.DELIVERED and r.seq >= 1 for r in pair.ra.receipts),
        what="delivery receipt",
    )
    pair.ra.assert_no_duplicates()
    pair.rb.assert_no_duplicates()


async def test_mark_read_updates_unread_and_sends_receipt(pair: Pair, api: Api) -> None:
    cid = pair.cid
    for i in range(3):
        await pair.ca.send_text(cid, f"m{i}")
    await eventually(lambda: len(pair.rb.user_messages()) == 3, what="three messages")
    await pair.cb.wait_idle()
    conv = await pair.cb.get_conversation(cid)
    assert conv is not None and conv.unread_count == 3
    await pair.cb.mark_read(cid, 2)
    conv = await pair.cb.get_conversation(cid)
    assert conv is not None and (conv.has_read_seq, conv.unread_count) == (2, 1)
    await pair.cb.mark_read(cid)
    conv = await pair.cb.get_conversation(cid)
    assert conv is not None and conv.unread_count == 0
    await eventually(lambda: pair.rb.totals[-1:] == [0], what="total unread back to 0")
    # Alice sees the read receipt, as an event and in her conversation.
    await eventually(
        lambda: any(r.kind == ReceiptKind.READ and r.seq >= 3 for r in pair.ra.receipts),
        what="read receipt",
    )
    await pair.ca.wait_idle()
    mine = await pair.ca.get_conversation(cid)
    assert mine is not None and mine.peer_has_read_seq >= 3
    receipts = await pair.ca.get_message_receipts(cid, [1, 2, 3])
    assert [r.read_count for r in receipts] == [1, 1, 1]
    assert receipts[0].reader_user_ids == (pair.b.user_id,)
    # Receipts never show up as history lines or new messages.
    history = await pair.ca.get_history(cid)
    assert [m.text for m in history] == ["m0", "m1", "m2"]
    assert all(not m.is_event for m in pair.ra.new)
    await eventually(lambda: pair.cb.syncer.synced.get(cid, 0) >= 5, what="receipt events synced")
    await assert_matches_server(api, pair.ca, pair.a)
    await assert_matches_server(api, pair.cb, pair.b)


async def test_edit_revoke_and_delete(pair: Pair, api: Api) -> None:
    cid = pair.cid
    m1 = await pair.ca.send_text(cid, "first draft")
    m2 = await pair.ca.send_text(cid, "oops")
    m3 = await pair.ca.send_text(cid, "third")
    m4 = await pair.ca.send_text(cid, "fourth")
    await eventually(lambda: len(pair.rb.user_messages()) == 4, what="four messages")

    edited = await pair.ca.edit_message(cid, m1.seq, "final text")
    assert edited is not None and edited.text == "final text" and edited.edit_version == 1
    revoked = await pair.ca.revoke_message(cid, m2.seq)
    assert revoked is not None and revoked.status == MessageStatus.REVOKED

    def changes(r: Recorder, change: MessageChange) -> list[int]:
        return [m.seq for m, c in r.updates if c == change]

    for rec in (pair.ra, pair.rb):
        await eventually(
            lambda rec=rec: changes(rec, MessageChange.EDITED) == [m1.seq], what="edit"
        )
        await eventually(
            lambda rec=rec: changes(rec, MessageChange.REVOKED) == [m2.seq], what="revoke"
        )
    on_bob = await pair.cb.get_message(cid, m1.seq)
    assert on_bob is not None and on_bob.text == "final text" and on_bob.edited
    gone = await pair.cb.get_message(cid, m2.seq)
    assert gone is not None and gone.status == MessageStatus.REVOKED and gone.content is None

    # Bob deletes #3 for himself: Alice keeps it.
    await pair.cb.delete_messages(cid, [m3.seq])
    assert await pair.cb.get_message(cid, m3.seq) is None
    assert await pair.ca.get_message(cid, m3.seq) is not None
    # Alice deletes #4 for everyone.
    await pair.ca.delete_messages(cid, [m4.seq], for_everyone=True)
    await eventually(
        lambda: changes(pair.rb, MessageChange.DELETED) == [m3.seq, m4.seq], what="delete events"
    )
    assert await pair.cb.get_message(cid, m4.seq) is None
    assert await pair.ca.get_message(cid, m4.seq) is None
    # Each change reached each listener once.
    assert changes(pair.ra, MessageChange.DELETED) == [m4.seq]
    texts = [m.text for m in await pair.cb.get_history(cid)]
    assert texts == ["final text", "[message revoked]"]
    await assert_matches_server(api, pair.ca, pair.a)
    await assert_matches_server(api, pair.cb, pair.b)


async def test_clear_conversation(pair: Pair, api: Api) -> None:
    cid = pair.cid
    for i in range(3):
        await pair.ca.send_text(cid, f"old {i}")
    await eventually(lambda: len(pair.rb.user_messages()) == 3, what="messages")
    await pair.cb.clear_conversation(cid)
    assert await pair.cb.get_history(cid) == []
    conv = await pair.cb.get_conversation(cid)
    assert conv is not None and conv.unread_count == 0 and conv.min_seq == 4
    await pair.ca.send_text(cid, "after clear")
    await eventually(lambda: len(pair.rb.user_messages()) == 4, what="new message")
    assert [m.text for m in await pair.cb.get_history(cid)] == ["after clear"]
    assert len(await pair.ca.get_history(cid)) == 4
    await assert_matches_server(api, pair.cb, pair.b)


async def test_typing_is_relayed(pair: Pair) -> None:
    cid = pair.cid
    await pair.ca.send_text(cid, "hi")
    await pair.ca.typing(cid, True)
    await eventually(lambda: len(pair.rb.typing) == 1, what="typing event")
    event = pair.rb.typing[0]
    assert (event.conversation_id, event.user_id, event.typing) == (cid, pair.a.user_id, True)
    await pair.ca.typing(cid, False)
    await eventually(lambda: [t.typing for t in pair.rb.typing] == [True, False], what="stop")


async def test_conversation_settings_and_order(
    server: ServerProcess, api: Api, tmp_path: Path
) -> None:
    me, x, y = await accounts(api, 3, "s")
    rec = Recorder()
    async with (
        open_client(server.address, me, tmp_path, "m", recorder=rec) as cm,
        open_client(server.address, x, tmp_path, "x") as cx,
        open_client(server.address, y, tmp_path, "y") as cy,
    ):
        for c in (cm, cx, cy):
            await c.wait_synced(10)
        cx_id = cx.conversation_with(me.user_id)
        cy_id = cy.conversation_with(me.user_id)
        await cx.send_text(cx_id, "from x")
        await cy.send_text(cy_id, "from y")
        await eventually(lambda: len(rec.user_messages()) == 2, what="two conversations")
        await cm.wait_idle()
        order = [c.conversation_id for c in await cm.get_conversations(False)]
        assert order == [cy_id, cx_id]  # newest activity first
        assert await cm.get_total_unread() == 2

        pinned = await cm.pin(cx_id)
        assert pinned.pinned
        order = [c.conversation_id for c in await cm.get_conversations(False)]
        assert order == [cx_id, cy_id]  # pinned first
        muted = await cm.mute(cy_id)
        assert muted.muted and muted.receive_option == ReceiveOption.NO_NOTIFY
        await cm.set_conversation(cy_id, receive_option=ReceiveOption.NOT_RECEIVE)
        assert await cm.get_total_unread() == 1  # NOT_RECEIVE does not count
        await cm.set_draft(cx_id, "half a thought")

        # A second device of the same user learns the settings by sync.
        other = await token_for(api, me.user_id, P.PLATFORM_WINDOWS)
        me2 = type(me)(me.user_id, other, P.PLATFORM_WINDOWS)
        rec2 = Recorder()
        async with open_client(server.address, me2, tmp_path, "m2", recorder=rec2) as cm2:
            await cm2.wait_synced(10)
            conv = await cm2.get_conversation(cx_id)
            assert conv is not None and conv.pinned and conv.draft == "half a thought"
            conv = await cm2.get_conversation(cy_id)
            assert conv is not None and conv.receive_option == ReceiveOption.NOT_RECEIVE
            # ...and live, from the conversation-changed event.
            await cm.pin(cx_id, False)

            async def unpinned() -> bool:
                conv = await cm2.get_conversation(cx_id)
                return conv is not None and not conv.pinned

            await eventually_async(unpinned, what="unpinned on the other device")
            await assert_matches_server(api, cm2, me2)
        await assert_matches_server(api, cm, me)


async def test_own_messages_reach_other_devices_once(
    server: ServerProcess, api: Api, tmp_path: Path
) -> None:
    a, b = await accounts(api, 2, "md")
    a_pc = type(a)(a.user_id, await token_for(api, a.user_id, P.PLATFORM_MACOS), P.PLATFORM_MACOS)
    phone, desk, bob = Recorder(), Recorder(), Recorder()
    async with (
        open_client(server.address, a, tmp_path, "phone", recorder=phone) as c_phone,
        open_client(server.address, a_pc, tmp_path, "desk", recorder=desk) as c_desk,
        open_client(server.address, b, tmp_path, "bob", recorder=bob) as c_bob,
    ):
        for c in (c_phone, c_desk, c_bob):
            await c.wait_synced(10)
        cid = c_phone.conversation_with(b.user_id)
        sent = await c_phone.send_text(cid, "from my phone")
        await c_bob.send_text(cid, "hi both")
        await eventually(lambda: len(desk.user_messages()) == 2, what="desk gets both")
        await eventually(lambda: len(phone.user_messages()) == 2, what="phone gets both")
        own = [m for m in desk.user_messages() if m.sender_id == a.user_id]
        assert [m.client_msg_id for m in own] == [sent.client_msg_id]
        await c_desk.wait_idle()
        conv = await c_desk.get_conversation(cid)
        assert conv is not None and conv.unread_count == 1  # only Bob's
        # Reading on the phone clears the desk's unread (read state sync).
        await c_phone.mark_read(cid)

        async def read_on_desk() -> bool:
            conv = await c_desk.get_conversation(cid)
            return conv is not None and conv.unread_count == 0

        await eventually_async(read_on_desk, what="read state on the desk")
        for r in (phone, desk, bob):
            r.assert_no_duplicates()
        await assert_matches_server(api, c_desk, a_pc)
        await assert_matches_server(api, c_phone, a)


async def test_refused_send_fails_and_resend_keeps_the_id(pair: Pair) -> None:
    cid = pair.ca.conversation_with("nobody-" + pair.b.user_id)
    failed = await pair.ca.send_text(cid, "into the void")
    assert failed.send_status == SendStatus.FAILED
    assert failed.error == "ERROR_REASON_USER_NOT_FOUND"
    again = await pair.ca.resend(failed)
    assert again.send_status == SendStatus.FAILED and again.client_msg_id == failed.client_msg_id
    await pair.ca.wait_idle()
    changes = [c for m, c in pair.ra.updates if m.client_msg_id == failed.client_msg_id]
    assert changes == [MessageChange.FAILED, MessageChange.SENDING, MessageChange.FAILED]
    await pair.ca.delete_local_message(again)
    assert await pair.ca.get_history(cid) == []


async def test_resend_of_a_sent_message_stores_nothing_new(pair: Pair, api: Api) -> None:
    cid = pair.cid
    sent = await pair.ca.send_text(cid, "once", client_msg_id="fixed-" + pair.a.user_id)
    # Another device sending with the same client id gets the original ack.
    from parley.msg.v1 import msg_pb2
    from tests.harness import bearer
    from tests.sdk.helpers import outgoing

    om = outgoing(pair.b.user_id, "once")
    om.client_msg_id = sent.client_msg_id
    resp = await api.msg.SendMessage(
        msg_pb2.SendMessageRequest(message=om), metadata=bearer(pair.a.token)
    )
    assert resp.ack.duplicate and resp.ack.seq == sent.seq
    await pair.ca.send_text(cid, "twice")
    await eventually(lambda: len(pair.rb.user_messages()) == 2, what="two messages")
    await pair.ca.wait_idle()
    await pair.cb.wait_idle()
    assert pair.rb.texts() == ["once", "twice"]
    pair.rb.assert_no_duplicates()
    pair.ra.assert_no_duplicates()


async def test_local_full_text_search(pair: Pair) -> None:
    cid = pair.cid
    texts = [
        "Meeting tomorrow at the Lighthouse",
        "bring the lighthouse keys",
        "Grüße aus Köln",
        "我们明天见面",
        "ok",
        "100% sure about the _underscore_",
    ]
    for t in texts:
        await pair.ca.send_text(cid, t)
    await eventually(lambda: len(pair.rb.user_messages()) == len(texts), what="messages")
    await pair.cb.wait_idle()

    async def found(keyword: str, **kw: str) -> list[str]:
        return sorted(m.text for m in await pair.cb.search_messages(keyword, **kw))

    assert await found("lighthouse") == sorted(texts[:2])
    assert await found("LIGHT") == sorted(texts[:2])  # case-insensitive substring
    assert await found("lighthouse keys") == [texts[1]]  # every word must match
    assert await found("köln") == [texts[2]]
    assert await found("明天") == [texts[3]]  # short CJK terms too
    assert await found("ok") == [texts[4]]
    assert await found("100%") == [texts[5]]
    assert await found("_under") == [texts[5]]
    assert await found("nothing-like-this") == []
    assert await found("lighthouse", sender_id=pair.b.user_id) == []
    assert await found("lighthouse", conversation_id="si_x_y") == []
    # Revoked messages are no longer found; edits are found by their new text.
    first = (await pair.ca.search_messages("Meeting"))[0]
    await pair.ca.revoke_message(cid, first.seq)
    await pair.ca.edit_message(cid, first.seq + 1, "bring the harbour keys")

    async def harbour() -> bool:
        return bool(await found("harbour"))

    await eventually_async(harbour, what="edit on Bob's side")
    assert await found("lighthouse") == []
    assert await found("harbour") == ["bring the harbour keys"]


async def test_reads_work_offline(server: ServerProcess, api: Api, tmp_path: Path) -> None:
    a, b = await accounts(api, 2, "off")
    async with open_client(server.address, a, tmp_path, "a") as ca:
        await ca.wait_synced(10)
        cid = ca.conversation_with(b.user_id)
        for i in range(5):
            await ca.send_text(cid, f"note {i} about sailing")
    # A closed port: the client never connects.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"127.0.0.1:{s.getsockname()[1]}"
    rec = Recorder()
    async with open_client(dead, a, tmp_path, "a", recorder=rec, send_timeout=0.5) as offline:
        assert offline.user_id == a.user_id
        convs = await offline.get_conversations()
        assert [c.conversation_id for c in convs] == [cid]
        history = await offline.get_history(cid)
        assert [m.text for m in history] == [f"note {i} about sailing" for i in range(5)]
        assert len(await offline.search_messages("sailing")) == 5
        page = await offline.get_history(cid, before_seq=history[2].seq, limit=10)
        assert [m.seq for m in page] == [1, 2]
        # Sending offline: shown at once, FAILED when the server stays away.
        failed = await offline.send_text(cid, "offline note")
        assert failed.send_status == SendStatus.FAILED
        assert (await offline.get_history(cid))[-1].text == "offline note"
        assert offline.state != ConnectionState.CONNECTED
        assert ConnectionState.CONNECTING in rec.states


async def test_presence_and_profiles(server: ServerProcess, api: Api, tmp_path: Path) -> None:
    a, b = await accounts(api, 2, "pr")
    events: list[PresenceEvent] = []

    class Watcher(Recorder):
        async def on_presence(self, event: PresenceEvent) -> None:
            events.append(event)

    async with open_client(server.address, a, tmp_path, "a", recorder=Watcher()) as ca:
        await ca.wait_synced(10)
        snapshot = await ca.subscribe_presence([b.user_id])
        assert [(p.user_id, p.online) for p in snapshot] == [(b.user_id, False)]
        async with open_client(server.address, b, tmp_path, "b") as cb:
            await cb.wait_synced(10)
            await eventually(lambda: [e.online for e in events] == [True], what="online")
            assert events[0].platforms == (P.PLATFORM_IOS,)
            me = await cb.update_profile(nickname="Bobby")
            assert me.nickname == "Bobby"
            assert (await cb.get_self()) == me
        await eventually(lambda: [e.online for e in events] == [True, False], what="offline")
        profiles = await ca.get_users([b.user_id, "no-such-user"], refresh=True)
        assert [(u.user_id, u.nickname) for u in profiles] == [(b.user_id, "Bobby")]
