"""A seq keeps its meaning across restarts (issue 12, finding A): a resend
caught by the writer after a restart leaves its allocated seq as a hole that
the recipient sees as a placeholder; a second restart must neither hide that
seq again nor hand it to a new message."""

from __future__ import annotations

import pytest

from parley.msg.v1 import message_pb2, msg_pb2
from tests.harness import ST, Api, ServerProcess, bearer, new_user_id, pull_all


async def _send(api: Api, token: str, recv: str, text: str, cmid: str) -> message_pb2.SendAck:
    req = msg_pb2.SendMessageRequest()
    req.message.client_msg_id = cmid
    req.message.session_type = ST.SESSION_TYPE_SINGLE
    req.message.recv_id = recv
    req.message.content.text.text = text
    return (await api.msg.SendMessage(req, metadata=bearer(token))).ack


async def _view(api: Api, token: str, cid: str) -> tuple[int, list[tuple[int, str]]]:
    """(max_seq, [(seq, text or "" for a placeholder)]) as the user sees it."""
    state = (
        await api.msg.GetSeqs(
            msg_pb2.GetSeqsRequest(conversation_ids=[cid]), metadata=bearer(token)
        )
    ).seqs[0]
    msgs = await pull_all(api, token, cid, state.max_seq)
    return state.max_seq, [(m.seq, "" if m.placeholder else m.content.text.text) for m in msgs]


def _restart(server: ServerProcess, how: str) -> None:
    if how == "kill9":
        server.kill9()
    else:
        assert server.stop() == 0
    server.start()


@pytest.mark.parametrize("how", ["graceful", "kill9"])
async def test_a_hole_seen_as_placeholder_is_never_reused(
    fresh_server: ServerProcess, how: str
) -> None:
    fresh_server.start()
    api = Api(fresh_server.address, fresh_server.admin_secret)
    await api.login_admin()
    a, b = new_user_id("a"), new_user_id("b")
    await api.register(a, b)
    ta, tb = await api.token(a), await api.token(b)
    first = await _send(api, ta, b, "m1", "cmid-1")
    assert (first.seq, first.duplicate) == (1, False)
    cid = first.conversation_id
    await api.close()

    _restart(fresh_server, how)
    api = Api(fresh_server.address, fresh_server.admin_secret)
    again = await _send(api, ta, b, "m1", "cmid-1")
    assert (again.seq, again.duplicate) == (1, True)
    # The resend's own seq became a hole, and b is shown it.
    assert await _view(api, tb, cid) == (2, [(1, "m1"), (2, "")])
    await api.close()

    _restart(fresh_server, how)
    api = Api(fresh_server.address, fresh_server.admin_secret)
    assert await _view(api, tb, cid) == (2, [(1, "m1"), (2, "")])
    nxt = await _send(api, ta, b, "m2", "cmid-2")
    assert (nxt.seq, nxt.duplicate) == (3, False)
    assert await _view(api, tb, cid) == (3, [(1, "m1"), (2, ""), (3, "m2")])
    await api.close()
