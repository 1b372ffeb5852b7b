"""Parley's services for the web protocols (Connect, gRPC-Web), from the
handlers the gRPC server serves.

No RPC is written twice: `HandlerTable` records what the generated
`add_*Servicer_to_server` functions register, the gRPC server serves it, and
each web call looks its method up through the very interceptors of the gRPC
server (request id and metrics, the policy table, decoding and validation),
then runs the handler it gets with a `WebContext`. The methods come from the
services' descriptors, so a method added to a served service is on the web
too, unary and server-streaming alike; client-streaming and bidirectional
methods answer UNIMPLEMENTED (a browser cannot stream a request body)."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import grpc
from connectrpc.code import Code
from connectrpc.errors import ConnectError
from connectrpc.method import IdempotencyLevel, MethodInfo, StreamType
from connectrpc.request import RequestContext
from connectrpc.server import ConnectASGIApplication, Endpoint
from google.protobuf import descriptor_pool, json_format, message_factory
from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.message import Message

from parley.api.base import internal_error
from parley.errors import ParleyError, R, invalid
from parley.web.context import WebContext, connect_error, metadata_of
from parley.web.streams import OpenStreams

log = logging.getLogger("parley.web")


class HandlerTable:
    """Stands in for the server while the servicers register, so the gRPC
    server and the web listener serve one set of handlers."""

    def __init__(self) -> None:
        self.handlers: list[grpc.GenericRpcHandler] = []
        self.registered: list[tuple[str, Mapping[str, Any]]] = []

    def add_generic_rpc_handlers(self, handlers: Iterable[grpc.GenericRpcHandler]) -> None:
        self.handlers.extend(handlers)

    def add_registered_method_handlers(self, service: str, handlers: Mapping[str, Any]) -> None:
        # The same handlers as the generic ones, which the web looks up; gRPC
        # matches registered methods in its core, before any Python runs.
        self.registered.append((service, handlers))

    def install(self, server: grpc.aio.Server) -> None:
        server.add_generic_rpc_handlers(tuple(self.handlers))
        for service, handlers in self.registered:
            server.add_registered_method_handlers(service, handlers)

    def find(self, details: grpc.HandlerCallDetails) -> Any:
        for generic in self.handlers:
            handler = generic.service(details)
            if handler is not None:
                return handler
        return None


@dataclass(frozen=True, slots=True)
class _CallDetails(grpc.HandlerCallDetails):
    method: str
    invocation_metadata: Sequence[tuple[str, str | bytes]]


@dataclass(frozen=True, slots=True)
class Encoded:
    """A response as the handler's serializer wrote it, and its type (for JSON)."""

    data: bytes
    cls: type[Message]


class _Binary:
    """The binary codec passes bytes through: the handler's own deserializer
    and serializer (with their validation) do the work, as on gRPC."""

    def name(self) -> str:
        return "proto"

    def encode(self, message: Encoded) -> bytes:
        return message.data

    def decode(self, data: bytes | bytearray, message_class: type[Message]) -> bytes:
        return bytes(data)


class _Json:
    """Connect's JSON (Connect-Web's default): converted to and from the binary form."""

    def name(self) -> str:
        return "json"

    def encode(self, message: Encoded) -> bytes:
        decoded = message.cls.FromString(message.data)
        return json.dumps(json_format.MessageToDict(decoded), separators=(",", ":")).encode()

    def decode(self, data: bytes | bytearray, message_class: type[Message]) -> bytes:
        try:
            parsed = json_format.Parse(bytes(data), message_class(), ignore_unknown_fields=True)
        except (json_format.ParseError, UnicodeDecodeError, RecursionError) as e:
            raise _as_connect(invalid(f"request could not be decoded: {e}")) from None
        return parsed.SerializeToString()


CODECS = (_Binary(), _Json())


def _as_connect(error: ParleyError) -> ConnectError:
    status: Any = error.to_status()
    return connect_error(status.code, status.details, status.trailing_metadata)


Interceptors = Sequence[grpc.aio.ServerInterceptor]


class _Calls:
    """Runs one method's handler, found per call as gRPC finds it."""

    def __init__(
        self,
        path: str,
        output: type[Message],
        table: HandlerTable,
        chain: Interceptors,
        streams: OpenStreams,
    ) -> None:
        self.path, self.output, self.table, self.chain = path, output, table, chain
        self.streams = streams

    async def _handler(self, metadata: Sequence[tuple[str, str | bytes]]) -> Any:
        details = _CallDetails(self.path, metadata)

        async def step(index: int, d: grpc.HandlerCallDetails) -> Any:
            if index == len(self.chain):
                return self.table.find(d)
            return await self.chain[index].intercept_service(lambda n: step(index + 1, n), d)

        handler = await step(0, details)
        if handler is None:
            raise ConnectError(Code.UNIMPLEMENTED, f"{self.path} is not served")
        return handler

    def _unexpected(self) -> ConnectError:
        # As the servicers' rpc wrapper does on the gRPC port: logged, INTERNAL with its reason.
        log.exception("unhandled error in %s over the web", self.path)
        return _as_connect(internal_error())

    def _encoded(self, handler: Any, response: Any) -> Encoded:
        data = handler.response_serializer(response) if handler.response_serializer else response
        return Encoded(data, self.output)

    @contextlib.contextmanager
    def _outcome(self, context: WebContext) -> Iterator[None]:
        """The call's end as the client sees it, alike for both shapes: the
        status the handler set or aborted with, else its trailers; anything
        unexpected as INTERNAL."""
        try:
            yield
            if context.code() not in (None, grpc.StatusCode.OK):
                raise context.error()
            context.copy_trailers()
        except grpc.aio.AbortError:
            raise context.error() from None
        except ConnectError:
            raise
        except Exception:
            raise self._unexpected() from None
        finally:
            context.finish()

    async def unary(self, body: bytes, request: RequestContext[Any, Any]) -> Encoded:
        metadata = metadata_of(request.request_headers.allitems())
        handler = await self._handler(metadata)
        context = WebContext(request, metadata)
        decode = handler.request_deserializer
        with self._outcome(context):
            response = await handler.unary_unary(decode(body) if decode else body, context)
        return self._encoded(handler, response)

    async def server_stream(
        self, body: bytes, request: RequestContext[Any, Any]
    ) -> AsyncIterator[Encoded]:
        metadata = metadata_of(request.request_headers.allitems())
        handler = await self._handler(metadata)
        context = WebContext(request, metadata)
        decode = handler.request_deserializer
        with self._outcome(context):
            produced = handler.unary_stream(decode(body) if decode else body, context)
            async for item in self.streams.relay(produced, context):
                yield self._encoded(handler, item)


def _streaming_request_refused() -> ConnectError:
    return _as_connect(
        ParleyError(
            grpc.StatusCode.UNIMPLEMENTED,
            R.ERROR_REASON_UNIMPLEMENTED,
            "client-streaming and bidirectional methods are served on the gRPC port only",
        )
    )


async def _refuse_client_stream(requests: AsyncIterator[Any], _: RequestContext[Any, Any]) -> Any:
    raise _streaming_request_refused()


async def _refuse_bidi(requests: AsyncIterator[Any], _: RequestContext[Any, Any]) -> Any:
    raise _streaming_request_refused()
    yield  # an async generator, as connectrpc runs a bidirectional endpoint


_STREAM_TYPES = {
    (False, False): StreamType.UNARY,
    (True, False): StreamType.CLIENT_STREAM,
    (False, True): StreamType.SERVER_STREAM,
    (True, True): StreamType.BIDI_STREAM,
}


def _endpoint(
    method: MethodDescriptor, table: HandlerTable, chain: Interceptors, streams: OpenStreams
) -> Endpoint[Any, Any]:
    info: MethodInfo[Any, Any] = MethodInfo(
        name=method.name,
        service_name=method.containing_service.full_name,
        input=message_factory.GetMessageClass(method.input_type),
        output=message_factory.GetMessageClass(method.output_type),
        idempotency_level=IdempotencyLevel.UNKNOWN,
        stream_type=_STREAM_TYPES[method.client_streaming, method.server_streaming],
    )
    path = f"/{info.service_name}/{info.name}"
    calls = _Calls(path, info.output, table, chain, streams)
    if method.client_streaming:
        if method.server_streaming:
            return Endpoint.bidi_stream(info, _refuse_bidi)
        return Endpoint.client_stream(info, _refuse_client_stream)
    if method.server_streaming:
        return Endpoint.server_stream(info, calls.server_stream)
    return Endpoint.unary(info, calls.unary)


def endpoints(
    services: Iterable[str], table: HandlerTable, chain: Interceptors, streams: OpenStreams
) -> dict[str, Any]:
    """Every method of the named services, by its URL path."""
    pool = descriptor_pool.Default()
    out: dict[str, Any] = {}
    for name in services:
        for method in pool.FindServiceByName(name).methods:
            out[f"/{name}/{method.name}"] = _endpoint(method, table, chain, streams)
    return out


class WebApplication(ConnectASGIApplication[None]):
    """All the served services on one ASGI application."""

    def __init__(self, routes: dict[str, Any], read_max_bytes: int) -> None:
        super().__init__(
            service=None,
            endpoints=lambda _: routes,
            read_max_bytes=read_max_bytes,
            codecs=CODECS,  # type: ignore[arg-type]
        )

    @property
    def path(self) -> str:
        return "/"
