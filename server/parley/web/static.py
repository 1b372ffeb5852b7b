"""The operator console's static files (clients/console, built by `make
console`) on the web listener, at `web.console_path`; every other path goes
on to the RPCs.

Only files under the console directory are served, read when asked (a
rebuild shows without a restart). The console calls the RPCs on the same
origin, so its Content-Security-Policy allows nothing but that origin: a
page that could run scripts from elsewhere could read the admin token."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from parley.web.cors import ASGIApp, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".html": "text/html",
    ".svg": "image/svg+xml",
}


class StaticConsole:
    def __init__(self, app: ASGIApp, path: str, directory: str) -> None:
        self.app = app
        self.prefix = "/" + path.strip("/")
        self.root = Path(directory).resolve()

    def _file(self, url_path: str) -> Path | None:
        rest = url_path[len(self.prefix) :].lstrip("/") or "index.html"
        candidate = (self.root / rest).resolve()
        if not candidate.is_relative_to(self.root) or not candidate.is_file():
            return None
        return candidate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        mine = scope["type"] == "http" and (
            path == self.prefix or path.startswith(self.prefix + "/")
        )
        if not mine:
            await self.app(scope, receive, send)
            return
        if path == self.prefix:  # relative asset URLs need the trailing slash
            await _respond(send, 308, b"", [(b"location", (self.prefix + "/").encode())])
            return
        if scope["method"] not in ("GET", "HEAD"):
            await _respond(send, 405, b"", [(b"allow", b"GET, HEAD")])
            return
        found = self._file(path)
        if found is None:
            await _respond(send, 404, b"not found\n", [(b"content-type", b"text/plain")])
            return
        kind = _TYPES.get(found.suffix) or mimetypes.guess_type(found.name)[0]
        body = found.read_bytes()
        headers = [
            (b"content-type", (kind or "application/octet-stream").encode()),
            (b"content-security-policy", CSP.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            # The bundle's name does not change between builds: always revalidate.
            (b"cache-control", b"no-cache"),
        ]
        await _respond(send, 200, b"" if scope["method"] == "HEAD" else body, headers, len(body))


async def _respond(
    send: Send,
    status: int,
    body: bytes,
    headers: list[tuple[bytes, bytes]],
    length: int | None = None,
) -> None:
    size = len(body) if length is None else length
    headers = [*headers, (b"content-length", str(size).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
