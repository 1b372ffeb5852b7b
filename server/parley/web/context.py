"""What the servicers use of grpc.aio's ServicerContext, for a call that came
over the web listener, and the status they end with as a Connect error.

The servicers and the interceptors of api/ run unchanged on it: they read the
invocation metadata (the HTTP request headers, as gRPC would give them), abort
with a status whose trailing metadata carries google.rpc.Status, and read
the code back (observability/requests.py). connectrpc then writes that error
as the protocol wants: a Connect error with its details, or gRPC-Web's
grpc-status, grpc-message and grpc-status-details-bin trailers."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import grpc
from connectrpc.code import Code
from connectrpc.errors import ConnectError, ErrorDetail
from connectrpc.request import RequestContext
from google.rpc import status_pb2
from protobuf.wkt import Any as AnyDetail

Metadata = tuple[tuple[str, str | bytes], ...]
_DETAILS_KEY = "grpc-status-details-bin"
# HTTP framing, not metadata: gRPC does not hand these to servicers either.
_NOT_METADATA = frozenset({"content-type", "content-length", "connection", "te", "host"})


def metadata_of(headers: Iterable[tuple[str, str]]) -> Metadata:
    """Request headers as gRPC invocation metadata: `-bin` values base64-decoded."""
    out: list[tuple[str, str | bytes]] = []
    for key, value in headers:
        key = key.lower()
        if key in _NOT_METADATA:
            continue
        if key.endswith("-bin"):
            try:
                out.append((key, base64.b64decode(value + "=" * (-len(value) % 4))))
            except binascii.Error:
                continue
        else:
            out.append((key, value))
    return tuple(out)


def code_of(status: grpc.StatusCode) -> Code:
    # The one name the two spell differently.
    if status is grpc.StatusCode.CANCELLED:
        return Code.CANCELED
    return Code[status.name]


def connect_error(
    code: grpc.StatusCode, message: str, trailing: Sequence[Any] = ()
) -> ConnectError:
    """A gRPC status as a Connect error, its google.rpc.Status details kept as they are."""
    details: list[ErrorDetail] = []
    for key, value in trailing:
        if key == _DETAILS_KEY and isinstance(value, bytes):
            status = status_pb2.Status.FromString(value)
            message = message or status.message
            details = [
                ErrorDetail(AnyDetail(type_url=d.type_url, value=d.value)) for d in status.details
            ]
    return ConnectError(code_of(code), message, details)


class WebContext:
    """A grpc.aio.ServicerContext for one web call (the methods Parley's
    servicers and interceptors use, and the common rest)."""

    def __init__(self, request: RequestContext[Any, Any], metadata: Metadata) -> None:
        self._request = request
        self._metadata = metadata
        self._code: grpc.StatusCode | None = None
        self._details = ""
        self._trailing: Sequence[tuple[str, str | bytes]] = ()
        self._done: list[Callable[[Any], None]] = []

    def invocation_metadata(self) -> Metadata:
        return self._metadata

    def peer(self) -> str:
        address = self._request.client_address or ""
        host = address.rsplit(":", 1)[0]
        return f"ipv6:[{host}]:{address.rsplit(':', 1)[-1]}" if ":" in host else f"ipv4:{address}"

    def auth_context(self) -> dict[str, Any]:
        return {}

    def time_remaining(self) -> float | None:
        left = self._request.timeout_ms
        return None if left is None else left / 1000

    def set_code(self, code: grpc.StatusCode) -> None:
        self._code = code

    def code(self) -> grpc.StatusCode | None:
        return self._code

    def set_details(self, details: str) -> None:
        self._details = details

    def details(self) -> str:
        return self._details

    def set_trailing_metadata(self, metadata: Sequence[tuple[str, str | bytes]]) -> None:
        self._trailing = tuple(metadata)

    def trailing_metadata(self) -> Sequence[tuple[str, str | bytes]]:
        return self._trailing

    async def send_initial_metadata(self, metadata: Sequence[tuple[str, str | bytes]]) -> None:
        for key, value in metadata:
            text = base64.b64encode(value).decode() if isinstance(value, bytes) else value
            self._request.response_headers.add(key, text)

    async def abort(
        self,
        code: grpc.StatusCode,
        details: str = "",
        trailing_metadata: Sequence[tuple[str, str | bytes]] = (),
    ) -> None:
        self._code, self._details = code, details
        if trailing_metadata:
            self._trailing = tuple(trailing_metadata)
        raise grpc.aio.AbortError(f"{code.name}: {details}")

    async def abort_with_status(self, status: Any) -> None:
        # grpc.Status is an interface; grpc_status gives its fields.
        await self.abort(status.code, status.details, status.trailing_metadata)

    def cancelled(self) -> bool:
        return False

    def done(self) -> bool:
        return False

    def add_done_callback(self, callback: Callable[[Any], None]) -> None:
        self._done.append(callback)

    def finish(self) -> None:
        """The call is over: the done callbacks run, as gRPC runs them."""
        callbacks, self._done = self._done, []
        for callback in callbacks:
            callback(self)

    def error(self) -> ConnectError:
        """The status the call was aborted with."""
        code = self._code or grpc.StatusCode.UNKNOWN
        return connect_error(code, self._details, self._trailing)

    def copy_trailers(self) -> None:
        """Trailing metadata set by a call that succeeded, as response trailers."""
        for key, value in self._trailing:
            text = base64.b64encode(value).decode() if isinstance(value, bytes) else value
            self._request.response_trailers.add(key, text)
