"""A browser's device for the tests: the Subscribe server stream, read in the
background like `Device`'s bidi stream, and the unary calls that stand in
for the frames it cannot send."""

from __future__ import annotations

import asyncio
import uuid

import grpc

from parley.gateway.v1 import gateway_pb2, gateway_pb2_grpc
from parley.msg.v1 import message_pb2, msg_pb2, msg_pb2_grpc
from parley.user.v1 import user_pb2, user_pb2_grpc
from tests.harness import ST, Device, bearer, channel


class Subscriber(Device):
    """Frames pushed on the stream land in `frames` (none carry a request id).
    Its unary calls go to `unary_address` (a cluster's other gateway, say),
    by default the stream's."""

    def __init__(
        self, address: str, token: str, platform: int, device_id: str, unary_address: str = ""
    ) -> None:
        super().__init__(address, token, platform, device_id)
        self.unary = channel(unary_address or address)
        self.gateway = gateway_pb2_grpc.GatewayServiceStub(self.unary)
        self.msg = msg_pb2_grpc.MsgServiceStub(self.unary)
        self.users = user_pb2_grpc.UserServiceStub(self.unary)

    async def open(self, timeout: float = 10.0) -> gateway_pb2.SessionFrame:
        self.channel = channel(self.address, self.credentials)
        request = gateway_pb2.SubscribeRequest()
        request.auth.token = self.token
        request.auth.platform = self.platform  # type: ignore[assignment]
        request.auth.device_id = self.device_id
        request.auth.sdk_version = "parley-tests-web/0.1"
        self.call = gateway_pb2_grpc.GatewayServiceStub(self.channel).Subscribe(request)
        self.reader = asyncio.get_running_loop().create_task(self._read())
        first = asyncio.ensure_future(self.frames.get())
        await asyncio.wait({first, self.reader}, timeout=timeout, return_when="FIRST_COMPLETED")
        if not first.done():
            first.cancel()
            raise ConnectionError(f"stream closed: {self.status}")
        frame = first.result()
        if not frame.HasField("session"):
            raise AssertionError(f"expected session, got {frame}")
        self.session = frame.session
        return frame.session

    async def close(self) -> None:
        await super().close()
        await self.unary.close()

    def _auth(self) -> tuple[tuple[str, str]]:
        return bearer(self.token)

    async def heartbeat(self, client_time_ms: int = 1) -> gateway_pb2.HeartbeatResponse:
        req = gateway_pb2.HeartbeatRequest(device_id=self.device_id, client_time_ms=client_time_ms)
        resp: gateway_pb2.HeartbeatResponse = await self.gateway.Heartbeat(
            req, metadata=self._auth()
        )
        return resp

    async def typing(self, conversation_id: str, typing: bool = True) -> None:
        req = gateway_pb2.SendTypingRequest(conversation_id=conversation_id, typing=typing)
        await self.gateway.SendTyping(req, metadata=self._auth())

    async def send_unary(self, recv_id: str, text: str) -> message_pb2.SendAck:
        req = msg_pb2.SendMessageRequest()
        req.message.client_msg_id = uuid.uuid4().hex
        req.message.session_type = ST.SESSION_TYPE_SINGLE
        req.message.recv_id = recv_id
        req.message.content.text.text = text
        resp = await self.msg.SendMessage(req, metadata=self._auth())
        return resp.ack

    async def watch(self, *user_ids: str) -> user_pb2.SubscribeOnlineStatusResponse:
        req = user_pb2.SubscribeOnlineStatusRequest(
            subscribe_user_ids=user_ids, device_id=self.device_id
        )
        resp: user_pb2.SubscribeOnlineStatusResponse = await self.users.SubscribeOnlineStatus(
            req, metadata=self._auth()
        )
        return resp


async def refused(address: str, request: gateway_pb2.SubscribeRequest) -> grpc.aio.AioRpcError:
    """The error a Subscribe that never opens ends with."""
    async with grpc.aio.insecure_channel(address) as ch:
        call = gateway_pb2_grpc.GatewayServiceStub(ch).Subscribe(request)
        try:
            async for frame in call:
                raise AssertionError(f"expected a refusal, got {frame}")
        except grpc.aio.AioRpcError as e:
            return e
    raise AssertionError("the stream ended OK")
