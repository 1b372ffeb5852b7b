"""CORS for the web listener: which page origins a browser may call Parley
from. None by default, so a page on another origin is refused until the
operator names it; "*" allows any (tokens travel in the Authorization
header, never in cookies, so no credentials mode is needed)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# What Connect-Web and gRPC-Web clients, and fetches of signed file URLs,
# send and must be able to read.
ALLOW_HEADERS = (
    "authorization, content-type, connect-protocol-version, connect-timeout-ms, "
    "connect-accept-encoding, connect-content-encoding, grpc-timeout, grpc-accept-encoding, "
    "x-grpc-web, x-user-agent, x-request-id, range"
)
EXPOSE_HEADERS = (
    "grpc-status, grpc-message, grpc-status-details-bin, grpc-encoding, "
    "connect-content-encoding, content-encoding, "
    # The signed file URLs' (web/files.py).
    "content-range, content-disposition, x-parley-reason"
)
MAX_AGE = "7200"


class Cors:
    def __init__(self, app: ASGIApp, allowed_origins: Sequence[str]) -> None:
        self.app = app
        self.any = "*" in allowed_origins
        self.allowed = frozenset(o.rstrip("/") for o in allowed_origins)

    def allows(self, origin: str) -> bool:
        return self.any or origin in self.allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", ()))
        origin_raw = headers.get(b"origin")
        if origin_raw is None:  # not a browser's cross-origin call: nothing to add
            await self.app(scope, receive, send)
            return
        origin = origin_raw.decode("latin-1")
        allowed = self.allows(origin)
        if scope["method"] == "OPTIONS" and b"access-control-request-method" in headers:
            await self._preflight(origin, allowed, send)
            return
        if not allowed:
            # The call runs (CORS binds browsers, not servers); the browser
            # keeps its answer from the page.
            await self.app(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *self._headers(origin)]
            await send(message)

        await self.app(scope, receive, send_with_cors)

    def _headers(self, origin: str) -> list[tuple[bytes, bytes]]:
        return [
            (b"access-control-allow-origin", origin.encode("latin-1")),
            (b"vary", b"Origin"),
            (b"access-control-expose-headers", EXPOSE_HEADERS.encode()),
        ]

    async def _preflight(self, origin: str, allowed: bool, send: Send) -> None:
        headers: list[tuple[bytes, bytes]] = [(b"vary", b"Origin"), (b"content-length", b"0")]
        if allowed:
            headers += [
                (b"access-control-allow-origin", origin.encode("latin-1")),
                (b"access-control-allow-methods", b"POST, GET"),
                (b"access-control-allow-headers", ALLOW_HEADERS.encode()),
                (b"access-control-max-age", MAX_AGE.encode()),
            ]
        await send(
            {"type": "http.response.start", "status": 204 if allowed else 403, "headers": headers}
        )
        await send({"type": "http.response.body", "body": b"", "more_body": False})
