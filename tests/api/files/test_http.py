"""Signed URLs: plain HTTP GET with Range; tampered, expired and foreign
links are refused."""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import grpc

from tests.api.files.client import Files, refused, started, user
from tests.harness import Api, ServerProcess


def http_get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


async def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    return await asyncio.to_thread(http_get, url, headers)


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
