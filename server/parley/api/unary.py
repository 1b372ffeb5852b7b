"""The one way an interceptor wraps the unary methods it guards: the stream
(which checks its frames itself) and methods it declines pass through."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import grpc

Behavior = Callable[[Any, grpc.aio.ServicerContext[Any, Any]], Awaitable[Any]]
Deserializer = Callable[[bytes], Any] | None


class UnaryInterceptor(grpc.aio.ServerInterceptor):
    def wrap(self, method: str, behavior: Behavior) -> Behavior | None:
        """The behavior that runs instead of `behavior`; None leaves it as is."""
        raise NotImplementedError

    def deserializer(self, decode: Deserializer) -> Deserializer:
        return decode

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[Any]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> Any:
        handler: Any = await continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        method: str = handler_call_details.method  # type: ignore[attr-defined]
        wrapped = self.wrap(method, handler.unary_unary)
        if wrapped is None:
            return handler
        return grpc.unary_unary_rpc_method_handler(
            wrapped,
            request_deserializer=self.deserializer(handler.request_deserializer),
            response_serializer=handler.response_serializer,
        )
