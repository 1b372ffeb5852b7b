"""Plain HTTP GET (and HEAD) of files by signed URL (domain/files/signing.py)
at /files/<id>, on the web listener, with single byte ranges, for browsers,
<img> tags and CDNs. A refused URL answers 403 with the reason in the
X-Parley-Reason header. The bytes are streamed from the blob store a chunk
at a time (files.chunk_bytes), never held whole."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, quote

from parley.domain.files import Files
from parley.errors import ParleyError
from parley.web.cors import ASGIApp, Receive, Scope, Send

PREFIX = "/files/"
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
INLINE = ("image/", "audio/", "video/", "application/pdf")
REASON = b"x-parley-reason"
Headers = list[tuple[bytes, bytes]]


def byte_range(header: str, total: int) -> tuple[int, int] | None:
    """(first, last) inclusive; None for no usable range; ValueError when unsatisfiable."""
    m = RANGE.match(header.strip())
    if not m or not (m.group(1) or m.group(2)):
        return None
    if not m.group(1):  # the last n bytes
        n = int(m.group(2))
        if n == 0:
            raise ValueError
        return max(0, total - n), total - 1
    first = int(m.group(1))
    last = int(m.group(2)) if m.group(2) else total - 1
    if first >= total or last < first:
        raise ValueError
    return first, min(last, total - 1)


async def _answer(send: Send, status: int, headers: Headers, body: bytes = b"") -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def _refused(send: Send, status: int, reason: str, text: str) -> None:
    headers = [(REASON, reason.encode()), (b"content-type", b"text/plain; charset=utf-8")]
    await _answer(send, status, headers, text.encode() + b"\n")


class SignedFiles:
    """GET and HEAD under /files/; every other path goes on to `app`."""

    def __init__(self, app: ASGIApp, files: Files) -> None:
        self.app = app
        self.files = files

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        if scope["method"] not in ("GET", "HEAD"):
            await _answer(send, 405, [(b"allow", b"GET, HEAD")])
            return
        query = {k: v[0] for k, v in parse_qs(scope.get("query_string", b"").decode()).items()}
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        await self._serve(path[len(PREFIX) :], query, headers.get("range"), scope["method"], send)

    async def _serve(
        self, file_id: str, q: dict[str, str], range_header: str | None, method: str, send: Send
    ) -> None:
        thumb = q.get("t", "")
        if not self.files.signer.check(file_id, thumb, q.get("e", ""), q.get("s", "")):
            await _refused(send, 403, "ERROR_REASON_FILE_URL_INVALID", "invalid or expired link")
            return
        try:
            file = await self.files.by_id(file_id)
            span = self.files.span(file, thumb == "1", 0, 0)
        except ParleyError as e:
            await _refused(send, 404, e.reason_name, e.message)
            return
        total = span.total
        status, first, last = 200, 0, total - 1
        if range_header is not None:
            try:
                got = byte_range(range_header, total)
            except ValueError:
                await _answer(send, 416, [(b"content-range", f"bytes */{total}".encode())])
                return
            if got is not None:
                status, (first, last) = 206, got
        mime = "image/jpeg" if thumb == "1" else file.mime_type
        disposition = "inline" if mime.startswith(INLINE) else "attachment"
        out: Headers = [
            (b"content-type", mime.encode()),
            (b"content-length", str(last - first + 1).encode()),
            (b"accept-ranges", b"bytes"),
            (b"x-content-type-options", b"nosniff"),
            (b"cache-control", b"private, max-age=300"),
            (b"etag", f'"{span.sha256}"'.encode()),
            (
                b"content-disposition",
                f"{disposition}; filename*=UTF-8''{quote(file.name)}".encode(),
            ),
        ]
        if status == 206:
            out.append((b"content-range", f"bytes {first}-{last}/{total}".encode()))
        await send({"type": "http.response.start", "status": status, "headers": out})
        if method != "HEAD" and total:
            part = self.files.span(file, thumb == "1", first, last - first + 1)
            # One chunk at a time: hypercorn's send waits for the socket to
            # drain (HTTP/1.1) or the stream's buffer to fall below its high
            # water mark (HTTP/2), so a slow reader holds back the reads.
            async for data in self.files.read(part):
                await send({"type": "http.response.body", "body": data, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
