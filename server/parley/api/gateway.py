"""GatewayService's unary calls: what a Subscribe client would send on the
bidirectional stream (a heartbeat, a typing indicator). The two streams
themselves are served by parley.realtime.gateway."""

from __future__ import annotations

from parley.api.base import Authn, Ctx, rpc
from parley.clock import now_ms
from parley.errors import invalid
from parley.gateway.v1 import gateway_pb2
from parley.realtime.gateway import Gateway


class GatewayUnary:
    def __init__(self, authn: Authn, gateway: Gateway) -> None:
        self.authn = authn
        self.gateway = gateway

    @rpc
    async def Heartbeat(
        self, request: gateway_pb2.HeartbeatRequest, context: Ctx
    ) -> gateway_pb2.HeartbeatResponse:
        ident = self.authn.caller(context)
        if not request.device_id:
            raise invalid("device_id is required")
        await self.gateway.devices.touch(ident.user_id, request.device_id)
        out = gateway_pb2.HeartbeatResponse()
        out.pong.client_time_ms = request.client_time_ms
        out.pong.server_time_ms = now_ms()
        return out

    @rpc
    async def SendTyping(
        self, request: gateway_pb2.SendTypingRequest, context: Ctx
    ) -> gateway_pb2.SendTypingResponse:
        ident = self.authn.caller(context)
        await self.gateway.typing(ident.user_id, request.conversation_id, request.typing)
        return gateway_pb2.SendTypingResponse()
