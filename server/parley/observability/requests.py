"""Request ids and per-RPC metrics, set by a server interceptor.

Every RPC runs with a request id in a context variable, so every log line it
causes carries it: the caller's `x-request-id` metadata when given (to follow
a request across services), otherwise a fresh one. A device stream gets one
id for its whole life."""

from __future__ import annotations

import inspect
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

import grpc

from parley.observability import metrics

REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="")
_VALID = re.compile(r"^[\x21-\x7e]{1,64}$")
log = logging.getLogger("parley.rpc")


def _request_id(metadata: Any) -> str:
    for key, value in metadata or ():
        if key == "x-request-id":
            v = value if isinstance(value, str) else value.decode(errors="replace")
            if _VALID.match(v):
                return v
    return uuid.uuid4().hex[:16]


class RequestInterceptor(grpc.aio.ServerInterceptor):
    """Wraps each method's handler once (not once per call: a per-call
    closure and handler stayed alive as long as each device stream); the
    request id is read from the call's metadata when it starts."""

    def __init__(self) -> None:
        self._wrapped: dict[str, tuple[Any, Any]] = {}

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[Any]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> Any:
        handler: Any = await continuation(handler_call_details)
        if handler is None:
            return handler
        method: str = handler_call_details.method  # type: ignore[attr-defined]
        known = self._wrapped.get(method)
        if known is not None and known[0] is handler:
            return known[1]
        wrapped = _wrap(handler, method)
        self._wrapped[method] = (handler, wrapped)
        return wrapped


def _wrap(handler: Any, method: str) -> Any:
    if handler.unary_unary is not None and inspect.iscoroutinefunction(handler.unary_unary):
        return grpc.unary_unary_rpc_method_handler(
            _unary(handler.unary_unary, method),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
    if handler.stream_stream is not None:
        return grpc.stream_stream_rpc_method_handler(
            _stream(handler.stream_stream),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
    return handler


def _code_name(context: grpc.aio.ServicerContext[Any, Any]) -> str:
    code = context.code()
    if code is None:
        return "OK"
    if isinstance(code, grpc.StatusCode):
        return code.name
    for c in grpc.StatusCode:
        if c.value[0] == code:
            return c.name
    return str(code)


def _unary(behavior: Any, method: str) -> Any:
    short = method.rsplit("/", 1)[-1]
    latency = metrics.RPC_SECONDS.labels(short)

    async def run(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        REQUEST_ID.set(_request_id(context.invocation_metadata()))
        started = time.perf_counter()
        code = "OK"
        try:
            return await behavior(request, context)
        except grpc.aio.AbortError:
            code = _code_name(context)
            raise
        except BaseException:
            code = "UNKNOWN"
            raise
        finally:
            elapsed = time.perf_counter() - started
            latency.observe(elapsed)
            metrics.RPCS.labels(short, code).inc()
            if code == "OK":
                log.debug("rpc %s ok in %.1f ms", method, elapsed * 1000)
            else:
                log.info(
                    "rpc %s failed: %s in %.1f ms",
                    method,
                    code,
                    elapsed * 1000,
                    extra={"method": method, "code": code},
                )

    return run


def _stream(behavior: Any) -> Any:
    if inspect.isasyncgenfunction(behavior):  # e.g. the reflection service

        async def gen(request_iterator: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            REQUEST_ID.set(_request_id(context.invocation_metadata()))
            async for item in behavior(request_iterator, context):
                yield item

        return gen

    async def run(request_iterator: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        REQUEST_ID.set(_request_id(context.invocation_metadata()))
        return await behavior(request_iterator, context)

    return run
