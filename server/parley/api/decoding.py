"""Undecodable request bytes get INVALID_ARGUMENT with a reason, not gRPC's
generic UNKNOWN."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from google.protobuf.message import DecodeError

from parley.errors import invalid

BAD_REQUEST = object()


def safe_decoder(decode: Callable[[bytes], Any] | None) -> Callable[[bytes], Any]:
    def run(data: bytes) -> Any:
        try:
            return decode(data) if decode is not None else data
        except (DecodeError, ValueError):
            return BAD_REQUEST

    return run


class DecodingInterceptor(grpc.aio.ServerInterceptor):
    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[Any]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> Any:
        handler: Any = await continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        behavior = handler.unary_unary

        async def checked(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            if request is BAD_REQUEST:
                await context.abort_with_status(invalid("request could not be decoded").to_status())
            return await behavior(request, context)

        return grpc.unary_unary_rpc_method_handler(
            checked,
            request_deserializer=safe_decoder(handler.request_deserializer),
            response_serializer=handler.response_serializer,
        )
