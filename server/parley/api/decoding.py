"""Undecodable request bytes get INVALID_ARGUMENT with a reason, not gRPC's
generic UNKNOWN; decodable ones go through the request validation
(parley.api.validation) on the way, so no servicer sees a refused request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf.message import DecodeError, Message

from parley.api.validation import Validator
from parley.errors import ParleyError, invalid

BAD_REQUEST = object()


@dataclass(frozen=True, slots=True)
class Rejected:
    """A decoded request that failed validation: unary calls end with its
    error, the stream answers the frame with an ErrorFrame."""

    request: Any
    error: ParleyError


def safe_decoder(
    decode: Callable[[bytes], Any] | None, validator: Validator | None = None
) -> Callable[[bytes], Any]:
    def run(data: bytes) -> Any:
        try:
            request = decode(data) if decode is not None else data
        except (DecodeError, ValueError):
            return BAD_REQUEST
        if validator is not None and isinstance(request, Message):
            try:
                validator.check(request, len(data))
            except ParleyError as e:
                return Rejected(request, e)
        return request

    return run


class DecodingInterceptor(grpc.aio.ServerInterceptor):
    def __init__(self, validator: Validator | None = None) -> None:
        self.validator = validator

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
            if isinstance(request, Rejected):
                await context.abort_with_status(request.error.to_status())
            return await behavior(request, context)

        return grpc.unary_unary_rpc_method_handler(
            checked,
            request_deserializer=safe_decoder(handler.request_deserializer, self.validator),
            response_serializer=handler.response_serializer,
        )
