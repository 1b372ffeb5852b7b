"""Signed URLs: plain HTTP GET with Range; tampered, expired and foreign
links are refused."""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
import urllib.error
import urllib.request
from email.message import Message
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import grpc

from tests.api.files.client import Files, refused, started, user
from tests.api.files.conftest import PAGE_ORIGIN
from tests.harness import Api, ServerProcess, rss_kib

MIB = 1024 * 1024


def http_get(
    url: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> tuple[int, Message, bytes]:
    req = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def post_json(url: str, body: bytes) -> bytes:
    req = urllib.request.Request(
        url, data=body, headers={"content-type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return bytes(resp.read())


async def get(
    url: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> tuple[int, Message, bytes]:
    return await asyncio.to_thread(http_get, url, headers, method)


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


async def test_a_signed_url_serves_the_bytes_and_ranges(api: Api) -> None:
    _, token = await user(api)
    files = Files(api, token)
    data = b"0123456789" * 1000
    info = await files.upload(data, "digits.txt")
    url = await files.url(info.file_id)
    status, headers, body = await get(url)
    assert (status, body) == (200, data)
    assert headers["Content-Type"] == "text/plain"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Disposition"].startswith("attachment")
    status, headers, body = await get(url, {"Range": "bytes=10-19"})
    assert (status, body) == (206, data[10:20])
    assert headers["Content-Range"] == f"bytes 10-19/{len(data)}"
    status, _, body = await get(url, {"Range": "bytes=-5"})
    assert (status, body) == (206, data[-5:])
    status, headers, _ = await get(url, {"Range": f"bytes={len(data)}-"})
    assert status == 416 and headers["Content-Range"] == f"bytes */{len(data)}"
    status, headers, body = await get(url, method="HEAD")
    assert (status, body, headers["Content-Length"]) == (200, b"", str(len(data)))


async def test_signed_urls_are_served_by_the_web_listener(api: Api, server: ServerProcess) -> None:
    """One port for browsers: the signed URL's port is the one the server
    announces for Connect and gRPC-Web, which also answers RPCs."""
    _, token = await user(api)
    info = await Files(api, token).upload(b"one port\n" * 10)
    url = urlsplit(await Files(api, token).url(info.file_id))
    announced = re.findall(r"web \(Connect, gRPC-Web\) on (http://\S+)", server.log_tail(200))
    assert announced and f"{url.scheme}://{url.netloc}" == announced[-1]
    health = f"{url.scheme}://{url.netloc}/grpc.health.v1.Health/Check"
    assert json.loads(await asyncio.to_thread(post_json, health, b"{}")) == {"status": "SERVING"}


async def test_a_page_on_an_allowed_origin_may_fetch_a_range(api: Api) -> None:
    _, token = await user(api)
    data = b"cross-origin\n" * 100
    url = await Files(api, token).url((await Files(api, token).upload(data)).file_id)
    preflight = {"Origin": PAGE_ORIGIN, "Access-Control-Request-Method": "GET"}
    status, headers, _ = await get(
        url, {**preflight, "Access-Control-Request-Headers": "range"}, method="OPTIONS"
    )
    assert status == 204 and "range" in headers["Access-Control-Allow-Headers"]
    status, headers, body = await get(url, {"Origin": PAGE_ORIGIN, "Range": "bytes=0-4"})
    assert (status, body) == (206, data[:5])
    assert headers["Access-Control-Allow-Origin"] == PAGE_ORIGIN
    assert "content-range" in headers["Access-Control-Expose-Headers"]


async def test_without_the_web_listener_no_url_is_signed(fresh_server: ServerProcess) -> None:
    fresh_server.env["PARLEY_WEB__ENABLED"] = "false"
    async with started(fresh_server) as api:
        _, token = await user(api)
        files = Files(api, token)
        info = await files.upload(b"no http\n" * 10)
        code, reason = await refused(files.url(info.file_id))
        assert (code, reason) == (
            grpc.StatusCode.FAILED_PRECONDITION,
            "ERROR_REASON_FILE_URLS_DISABLED",
        )
        assert await files.download(info.file_id) == b"no http\n" * 10


async def test_tampered_and_foreign_links_are_refused(api: Api) -> None:
    _, token = await user(api)
    _, stranger = await user(api)
    files = Files(api, token)
    mine = await files.upload(b"mine\n" * 100, "mine.txt")
    other = await files.upload(b"other\n" * 100, "other.txt")
    url = await files.url(mine.file_id)
    sig = parse_qs(urlsplit(url).query)["s"][0]
    flipped = ("0" if sig[0] != "0" else "1") + sig[1:]
    later = str(int(parse_qs(urlsplit(url).query)["e"][0]) + 3_600_000)
    for bad in (
        with_query(url, s=flipped),
        with_query(url, e=later),
        with_query(url, t="1"),
        url.replace(mine.file_id, other.file_id),
    ):
        status, headers, _ = await get(bad)
        assert status == 403 and headers["X-Parley-Reason"] == "ERROR_REASON_FILE_URL_INVALID"
    code, reason = await refused(Files(api, stranger).url(mine.file_id))
    assert (code, reason) == (grpc.StatusCode.NOT_FOUND, "ERROR_REASON_FILE_NOT_FOUND")


async def test_an_expired_link_is_refused(fresh_server: ServerProcess) -> None:
    async with started(fresh_server, url_ttl_seconds="0.5") as api:
        _, token = await user(api)
        files = Files(api, token)
        info = await files.upload(b"short-lived\n" * 10)
        url = await files.url(info.file_id)
        assert (await get(url))[0] == 200
        await asyncio.sleep(1.0)
        status, headers, _ = await get(url)
        assert status == 403 and headers["X-Parley-Reason"] == "ERROR_REASON_FILE_URL_INVALID"


def drain_slowly(url: str) -> int:
    """Reads the whole body in small pieces, as a slow client would."""
    got = 0
    with urllib.request.urlopen(url, timeout=60) as resp:
        while piece := resp.read(256 * 1024):
            got += len(piece)
            time.sleep(0.002)
    return got


async def test_a_signed_url_streams_without_holding_the_file(
    api: Api, server: ServerProcess
) -> None:
    _, token = await user(api)
    data = random.randbytes(MIB).hex().encode() * 24  # 48 MiB of text
    info = await Files(api, token).upload(data, "big.txt")
    url = await Files(api, token).url(info.file_id)
    before = peak = rss_kib(server)
    reading = asyncio.ensure_future(asyncio.to_thread(drain_slowly, url))
    while not reading.done():
        peak = max(peak, rss_kib(server))
        await asyncio.sleep(0.01)
    assert await reading == len(data)
    assert (peak - before) * 1024 < len(data) // 4, f"RSS grew {(peak - before) // 1024} MiB"
