"""GatewayService.Subscribe, the browser's realtime path, over the web
listener: served by the adapter from the descriptors like any server stream,
it authenticates by its request and carries the pushes of the session."""

from __future__ import annotations

import asyncio
import http.client
import json
import struct
import uuid
from urllib.parse import urlsplit

from parley.common.v1 import common_pb2
from parley.gateway.v1 import gateway_pb2
from parley.msg.v1 import msg_pb2
from tests.harness import ST, Api, ServerProcess, bearer, new_user_id
from tests.web.client import connect_reason, envelope, web_url

P = common_pb2.Platform
SUBSCRIBE = "/parley.gateway.v1.GatewayService/Subscribe"


class WebSubscription:
    """Subscribe over Connect's streaming protocol (binary), read frame by frame."""

    def __init__(self, url: str, request: gateway_pb2.SubscribeRequest) -> None:
        self.conn = http.client.HTTPConnection(urlsplit(url).netloc, timeout=15)
        self.conn.request(
            "POST",
            SUBSCRIBE,
            body=envelope(request.SerializeToString()),
            headers={"content-type": "application/connect+proto", "connect-protocol-version": "1"},
        )
        self.response = self.conn.getresponse()
        assert self.response.status == 200

    def next(self) -> gateway_pb2.ServerFrame | dict[str, object]:
        """The next frame, or the end-of-stream JSON."""
        flags, size = struct.unpack(">BI", self.response.read(5))
        data = self.response.read(size)
        if flags & 0x02:
            end: dict[str, object] = json.loads(data or b"{}")
            return end
        return gateway_pb2.ServerFrame.FromString(data)

    def close(self) -> None:
        self.conn.close()


def _request(token: str, device: str) -> gateway_pb2.SubscribeRequest:
    request = gateway_pb2.SubscribeRequest()
    request.auth.token = token
    request.auth.platform = P.PLATFORM_WEB
    request.auth.device_id = device
    request.auth.sdk_version = "parley-tests-web/0.1"
    return request


async def test_subscribe_over_connect_gets_session_then_pushes(
    web_server: ServerProcess, web_api: Api
) -> None:
    a, b = new_user_id("wa"), new_user_id("wb")
    await web_api.register(a, b)
    ta = await web_api.token(a, P.PLATFORM_WEB)
    tb = await web_api.token(b, P.PLATFORM_IOS)
    sub = await asyncio.to_thread(WebSubscription, web_url(web_server), _request(ta, "browser"))
    try:
        first = await asyncio.to_thread(sub.next)
        assert isinstance(first, gateway_pb2.ServerFrame) and first.HasField("session"), first
        assert first.session.user_id == a

        send = msg_pb2.SendMessageRequest()
        send.message.client_msg_id = uuid.uuid4().hex
        send.message.session_type = ST.SESSION_TYPE_SINGLE
        send.message.recv_id = a
        send.message.content.text.text = "to the browser over the web listener"
        await web_api.msg.SendMessage(send, metadata=bearer(tb))
        while True:
            frame = await asyncio.to_thread(sub.next)
            assert isinstance(frame, gateway_pb2.ServerFrame), frame
            if frame.HasField("message"):
                break
        assert frame.message.message.content.text.text == "to the browser over the web listener"
    finally:
        sub.close()


async def test_subscribe_without_auth_refused_with_its_reason(web_server: ServerProcess) -> None:
    sub = await asyncio.to_thread(
        WebSubscription, web_url(web_server), gateway_pb2.SubscribeRequest()
    )
    try:
        end = await asyncio.to_thread(sub.next)
        assert isinstance(end, dict), end
        error = end["error"]
        assert isinstance(error, dict) and error["code"] == "unauthenticated"
        assert connect_reason(error) == "ERROR_REASON_AUTH_REQUIRED"
    finally:
        sub.close()
