"""The betterproto flavor (gen/python-betterproto) against the test server, over grpclib.

What an app on grpclib does: the admin secret buys an admin token, which registers two users
and issues their tokens (unary calls); one creates a group with the other and sends into it by
the unary SendMessage; both open `GatewayService.Connect` (bidirectional stream: auth frame,
session frame), one sends on its stream and the other receives the push. A refused call carries
its `ErrorInfo` reason through grpclib's status-details codec.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import betterproto
import pytest
from google.rpc import error_details_pb2
from grpclib import GRPCError, Status
from grpclib.client import Channel
from grpclib.encoding.proto import ProtoStatusDetailsCodec

from parley_betterproto.auth import v1 as auth
from parley_betterproto.common import v1 as common
from parley_betterproto.gateway import v1 as gateway
from parley_betterproto.group import v1 as group
from parley_betterproto.msg import v1 as msg
from parley_betterproto.user import v1 as user
from tests.harness import new_user_id

TIMEOUT_S = 10.0


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def _channel(server: Any) -> Channel:
    host, port = server.address.rsplit(":", 1)
    # The codec turns grpc-status-details-bin into GRPCError.details (google.rpc messages).
    return Channel(host, int(port), status_details_codec=ProtoStatusDetailsCodec())


def _text(recv_id: str = "", group_id: str = "", text: str = "") -> msg.OutgoingMessage:
    kind = common.SessionType.GROUP if group_id else common.SessionType.SINGLE
    return msg.OutgoingMessage(
        client_msg_id=uuid.uuid4().hex,
        session_type=kind,
        recv_id=recv_id,
        group_id=group_id,
        content=msg.Content(text=msg.TextContent(text=text)),
    )


class Stream:
    """One device's Connect stream: frames out from a queue, frames in to another."""

    def __init__(self, channel: Channel, token: str, device_id: str) -> None:
        self._out: asyncio.Queue[gateway.ClientFrame] = asyncio.Queue()
        self.frames: asyncio.Queue[gateway.ServerFrame] = asyncio.Queue()
        self._stub = gateway.GatewayServiceStub(channel)
        self._auth = gateway.ClientFrame(
            request_id="auth",
            auth=gateway.AuthFrame(
                token=token,
                platform=common.Platform.LINUX,
                device_id=device_id,
                sdk_version="parley-betterproto-test/1",
            ),
        )
        self._reader: asyncio.Task[None] | None = None

    async def _outgoing(self) -> AsyncIterator[gateway.ClientFrame]:
        while True:
            yield await self._out.get()

    async def _read(self) -> None:
        async for frame in self._stub.connect(self._outgoing()):
            self.frames.put_nowait(frame)

    async def open(self) -> gateway.SessionFrame:
        self._reader = asyncio.get_running_loop().create_task(self._read())
        self._out.put_nowait(self._auth)
        kind, session = await self.next_frame()
        assert kind == "session", f"expected a session frame, got {kind}: {session}"
        assert isinstance(session, gateway.SessionFrame)
        return session

    def send(self, frame: gateway.ClientFrame) -> None:
        self._out.put_nowait(frame)

    async def next_frame(self, kind: str | None = None) -> tuple[str, Any]:
        """The next frame's body (of this kind, skipping others) as (field name, message)."""
        while True:
            frame = await asyncio.wait_for(self.frames.get(), TIMEOUT_S)
            name, body = betterproto.which_one_of(frame, "body")
            if kind is None or name == kind:
                return name, body

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)


async def test_unary_and_stream_over_grpclib(server: Any) -> None:
    channel = _channel(server)
    streams: list[Stream] = []
    try:
        auth_stub = auth.AuthServiceStub(channel, timeout=TIMEOUT_S)

        with pytest.raises(GRPCError) as refused:
            await auth_stub.get_admin_token(auth.GetAdminTokenRequest(secret="not-the-secret"))
        assert refused.value.status is Status.UNAUTHENTICATED
        infos = [
            d for d in refused.value.details or [] if isinstance(d, error_details_pb2.ErrorInfo)
        ]
        assert [(i.domain, i.reason) for i in infos] == [
            ("parley.dev", "ERROR_REASON_SECRET_INVALID")
        ], refused.value.details
        reason = infos[0].reason.removeprefix("ERROR_REASON_")
        assert common.ErrorReason[reason] is common.ErrorReason.SECRET_INVALID

        admin = await auth_stub.get_admin_token(
            auth.GetAdminTokenRequest(secret=server.admin_secret)
        )
        admin_meta = _bearer(admin.token)
        alice, bob = new_user_id("bpa"), new_user_id("bpb")
        await user.UserServiceStub(channel, metadata=admin_meta).register_users(
            user.RegisterUsersRequest(
                users=[user.UserInfo(user_id=u, nickname=u.upper()) for u in (alice, bob)]
            )
        )
        tokens = {}
        for u in (alice, bob):
            issued = await auth_stub.issue_user_token(
                auth.IssueUserTokenRequest(user_id=u, platform=common.Platform.LINUX),
                metadata=admin_meta,
            )
            tokens[u] = issued.token

        created = await group.GroupServiceStub(
            channel, metadata=_bearer(tokens[alice])
        ).create_group(group.CreateGroupRequest(name="betterproto", member_user_ids=[bob]))
        group_id = created.group.group_id
        assert group_id

        bob_stream = Stream(channel, tokens[bob], "bob-laptop")
        alice_stream = Stream(channel, tokens[alice], "alice-laptop")
        streams += [bob_stream, alice_stream]
        session = await bob_stream.open()
        assert session.user_id == bob
        assert (await alice_stream.open()).user_id == alice

        # A unary send reaches the open stream of the other member as a push.
        sent = await msg.MsgServiceStub(channel, metadata=_bearer(tokens[alice])).send_message(
            msg.SendMessageRequest(message=_text(group_id=group_id, text="hello group"))
        )
        assert sent.ack.seq > 0
        _, pushed = await bob_stream.next_frame("message")
        assert pushed.message.content.text.text == "hello group"
        assert pushed.message.seq == sent.ack.seq

        # A send on the stream: answered on the sender's stream, pushed on the receiver's.
        alice_stream.send(
            gateway.ClientFrame(
                request_id="s1",
                send=gateway.SendFrame(message=_text(recv_id=bob, text="hi bob")),
            )
        )
        _, ack = await alice_stream.next_frame("send_ack")
        _, received = await bob_stream.next_frame("message")
        assert received.message.content.text.text == "hi bob"
        assert received.message.sender_id == alice
        assert received.message.seq == ack.ack.seq
    finally:
        for stream in streams:
            await stream.close()
        channel.close()
