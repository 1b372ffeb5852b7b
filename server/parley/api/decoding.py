"""Undecodable request bytes get INVALID_ARGUMENT with a reason, not gRPC's
generic UNKNOWN; decodable ones go through the request validation
(parley.api.validation) on the way, so no servicer sees a refused request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
from google.protobuf.message import DecodeError, Message

from parley.api.unary import Behavior, Deserializer, UnaryInterceptor
from parley.api.validation import Validator
from parley.errors import ParleyError, Rejected, invalid

BAD_REQUEST = object()


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


class DecodingInterceptor(UnaryInterceptor):
    def __init__(self, validator: Validator | None = None) -> None:
        self.validator = validator

    def deserializer(self, decode: Deserializer) -> Deserializer:
        return safe_decoder(decode, self.validator)

    def wrap(self, method: str, behavior: Behavior) -> Behavior:
        async def checked(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            if request is BAD_REQUEST:
                await context.abort_with_status(invalid("request could not be decoded").to_status())
            if isinstance(request, Rejected):
                await context.abort_with_status(request.error.to_status())
            return await behavior(request, context)

        return checked
