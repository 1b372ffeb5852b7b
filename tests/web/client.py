"""Browser-protocol calls for the web tests, over plain HTTP/1.1 (http.client):
Connect unary (JSON or binary), Connect server streaming and gRPC-Web, each
read back as the wire carries it, so the tests see what a browser would."""

from __future__ import annotations

import base64
import http.client
import json
import re
import ssl
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import grpc
from google.protobuf import json_format
from google.protobuf.message import Message
from google.rpc import error_details_pb2, status_pb2

from tests.harness import ServerProcess


def web_url(proc: ServerProcess) -> str:
    found = re.findall(r"web \(Connect, gRPC-Web\) on (https?://[\d.]+:\d+)", proc.log_tail(400))
    assert found, f"no web listener announced:\n{proc.log_tail()}"
    return found[-1]


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    trailers: dict[str, str] = field(default_factory=dict)
    messages: list[bytes] = field(default_factory=list)

    def json(self) -> Any:
        return json.loads(self.body)


def post(
    url: str,
    path: str,
    body: bytes,
    headers: dict[str, str],
    method: str = "POST",
    ca: Path | None = None,
) -> Reply:
    parts = urlsplit(url)
    conn: http.client.HTTPConnection
    if parts.scheme == "https":
        context = ssl.create_default_context(cafile=str(ca) if ca else None)
        conn = http.client.HTTPSConnection(parts.netloc, timeout=15, context=context)
    else:
        conn = http.client.HTTPConnection(parts.netloc, timeout=15)
    try:
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        return Reply(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
    finally:
        conn.close()


def connect_json(url: str, path: str, request: Message, token: str = "", **headers: str) -> Reply:
    h = {"content-type": "application/json", "connect-protocol-version": "1", **headers}
    if token:
        h["authorization"] = f"Bearer {token}"
    body = json.dumps(json_format.MessageToDict(request)).encode()
    return post(url, path, body, h)


def connect_proto(url: str, path: str, request: Message, token: str = "") -> Reply:
    h = {"content-type": "application/proto", "connect-protocol-version": "1"}
    if token:
        h["authorization"] = f"Bearer {token}"
    return post(url, path, request.SerializeToString(), h)


def envelope(data: bytes, flags: int = 0) -> bytes:
    return struct.pack(">BI", flags, len(data)) + data


def envelopes(body: bytes) -> Iterator[tuple[int, bytes]]:
    at = 0
    while at < len(body):
        flags, size = struct.unpack_from(">BI", body, at)
        yield flags, body[at + 5 : at + 5 + size]
        at += 5 + size


def grpc_web(
    url: str, path: str, request: Message, token: str = "", ca: Path | None = None
) -> Reply:
    """A gRPC-Web call (binary): its messages, and its trailers from the body's last frame."""
    h = {"content-type": "application/grpc-web+proto", "x-grpc-web": "1"}
    if token:
        h["authorization"] = f"Bearer {token}"
    reply = post(url, path, envelope(request.SerializeToString()), h, ca=ca)
    for flags, data in envelopes(reply.body):
        if flags & 0x80:
            for line in data.decode().split("\r\n"):
                if line:
                    key, _, value = line.partition(":")
                    # grpc-message is percent-encoded on the wire.
                    reply.trailers[key.strip().lower()] = unquote(value.strip())
        else:
            reply.messages.append(data)
    return reply


def connect_stream(url: str, path: str, request: Message, token: str = "") -> Reply:
    """A Connect server-streaming call (binary): messages, and the end-of-stream JSON."""
    h = {"content-type": "application/connect+proto", "connect-protocol-version": "1"}
    if token:
        h["authorization"] = f"Bearer {token}"
    reply = post(url, path, envelope(request.SerializeToString()), h)
    for flags, data in envelopes(reply.body):
        if flags & 0x02:
            reply.trailers = {"end": data.decode()}
        else:
            reply.messages.append(data)
    return reply


def connect_reason(error: dict[str, Any]) -> str:
    """The ErrorInfo reason in a Connect error's details."""
    for detail in error.get("details", []):
        if detail["type"] == "google.rpc.ErrorInfo":
            raw = base64.b64decode(detail["value"] + "=" * (-len(detail["value"]) % 4))
            return error_details_pb2.ErrorInfo.FromString(raw).reason
    raise AssertionError(f"no ErrorInfo in {error}")


def grpc_web_reason(trailers: dict[str, str]) -> str:
    """The ErrorInfo reason in gRPC-Web's grpc-status-details-bin trailer."""
    raw = trailers["grpc-status-details-bin"]
    return _reason(base64.b64decode(raw + "=" * (-len(raw) % 4)))


def grpc_reason_of(error: grpc.aio.AioRpcError) -> str:
    """The ErrorInfo reason of a call on the gRPC port, for comparison."""
    return _reason(dict(error.trailing_metadata() or ())["grpc-status-details-bin"])


def _reason(status_bin: bytes) -> str:
    status = status_pb2.Status.FromString(status_bin)
    for detail in status.details:
        info = error_details_pb2.ErrorInfo()
        if detail.Unpack(info):
            return info.reason
    raise AssertionError(f"no ErrorInfo in {status}")
