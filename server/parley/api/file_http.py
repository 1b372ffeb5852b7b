"""Plain HTTP GET (and HEAD) of files by signed URL (domain/files/signing.py),
with single byte ranges, for browsers, <img> tags and CDNs. A refused URL
answers 403 with the reason in the X-Parley-Reason header."""

from __future__ import annotations

import re
from urllib.parse import quote

from aiohttp import web

from parley.domain.files import Files
from parley.errors import ParleyError

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
INLINE = ("image/", "audio/", "video/", "application/pdf")
REASON = "X-Parley-Reason"


def _refused(status: int, reason: str, text: str) -> web.Response:
    return web.Response(status=status, text=text, headers={REASON: reason})


def _byte_range(header: str, total: int) -> tuple[int, int] | None:
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


class FileHttp:
    def __init__(self, files: Files, listen: str) -> None:
        self.files = files
        host, _, port = listen.rpartition(":")
        self.host = host.strip("[]") or "127.0.0.1"
        self.port = int(port)
        self._runner: web.AppRunner | None = None

    async def start(self) -> int:
        app = web.Application()
        app.router.add_get("/files/{file_id}", self.get)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        for addr in self._runner.addresses:
            if isinstance(addr, tuple) and len(addr) >= 2:
                self.port = int(addr[1])
                break
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def get(self, request: web.Request) -> web.StreamResponse:
        file_id = request.match_info["file_id"]
        q = request.query
        thumb = q.get("t", "")
        if not self.files.signer.check(file_id, thumb, q.get("e", ""), q.get("s", "")):
            return _refused(403, "ERROR_REASON_FILE_URL_INVALID", "invalid or expired link")
        try:
            file = await self.files.by_id(file_id)
            span = self.files.span(file, thumb == "1", 0, 0)
        except ParleyError as e:
            return _refused(404, e.reason_name, e.message)
        total = span.total
        status, first, last = 200, 0, total - 1
        if "Range" in request.headers:
            try:
                got = _byte_range(request.headers["Range"], total)
            except ValueError:
                return web.Response(status=416, headers={"Content-Range": f"bytes */{total}"})
            if got is not None:
                status, (first, last) = 206, got
        mime = "image/jpeg" if thumb == "1" else file.mime_type
        disposition = "inline" if mime.startswith(INLINE) else "attachment"
        resp = web.StreamResponse(status=status)
        resp.headers.update(
            {
                "Content-Type": mime,
                "Content-Length": str(last - first + 1),
                "Accept-Ranges": "bytes",
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "private, max-age=300",
                "ETag": f'"{span.sha256}"',
                "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(file.name)}",
            }
        )
        if status == 206:
            resp.headers["Content-Range"] = f"bytes {first}-{last}/{total}"
        await resp.prepare(request)
        if request.method != "HEAD":
            part = self.files.span(file, thumb == "1", first, last - first + 1)
            async for data in self.files.read(part):
                await resp.write(data)
        await resp.write_eof()
        return resp
