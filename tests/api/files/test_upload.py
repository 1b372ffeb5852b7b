"""Uploads over real gRPC: resume after a cut, hash, size and type checks,
dedup, quota, and what a crash leaves."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator

import grpc

from parley.file.v1 import file_pb2
from tests.api.files.client import CHUNK, Files, refused, sha, started, stored_blobs, user
from tests.harness import Api, ServerProcess
from tests.sdk.proxy import Proxy

C = grpc.StatusCode
ELF = b"\x7fELF\x02\x01\x01" + bytes(200)


async def test_an_upload_round_trips_and_is_typed_from_its_bytes(api: Api) -> None:
    _, token = await user(api)
    files = Files(api, token)
    data = b"hello, plain text\n" * 10_000
    info = await files.upload(data, "notes.pdf")  # the name claims a PDF
    assert info.mime_type == "text/plain"
    assert info.size == len(data) and info.sha256 == sha(data)
    assert await files.download(info.file_id) == data
    assert await files.download(info.file_id, 5, 10) == data[5:15]
    assert await files.download(info.file_id, len(data) - 3) == data[-3:]


async def test_an_upload_cut_at_a_random_offset_resumes_from_the_committed_offset(
    api: Api, server: ServerProcess
) -> None:
    _, token = await user(api)
    data = random.randbytes(20 * CHUNK + 123).hex().encode()
    cut_at = random.randrange(CHUNK, len(data) - CHUNK)
    proxy = Proxy(lambda: server.address)
    await proxy.start()
    far = Api(proxy.address, server.admin_secret)
    try:
        files = Files(far, token)
        upload_id = await files.start(data, "big.bin.txt")

        async def until_cut() -> AsyncIterator[file_pb2.UploadChunksRequest]:
            pos = 0
            while pos < cut_at:
                piece = data[pos : min(cut_at, pos + CHUNK)]
                yield file_pb2.UploadChunksRequest(upload_id=upload_id, offset=pos, data=piece)
                pos += len(piece)
            await asyncio.sleep(0.3)
            proxy.cut()  # the network goes, mid-stream: no clean end
            await asyncio.sleep(30)

        code, _ = await refused(files.stub.UploadChunks(until_cut(), metadata=files.md))
        assert code == C.UNAVAILABLE
    finally:
        await far.close()
        await proxy.stop()
    files = Files(api, token)
    # Kept once the server sees the connection gone: at once on the local disk;
    # on S3 when the cut stream's remainder is written (s3_pending.py).
    for _ in range(200):
        status = await files.status(upload_id)
        if status.committed_offset:
            break
        await asyncio.sleep(0.05)
    assert 0 < status.committed_offset <= cut_at and status.size == len(data)
    assert not status.HasField("file")
    done = await files.send(upload_id, data, status.committed_offset)
    assert done.committed_offset == len(data) and done.file.sha256 == sha(data)
    assert await files.download(done.file.file_id) == data
    again = await files.status(upload_id)
    assert again.file.file_id == done.file.file_id


async def test_a_chunk_off_the_committed_offset_is_refused_with_the_offset(api: Api) -> None:
    _, token = await user(api)
    files = Files(api, token)
    data = random.randbytes(3 * CHUNK)
    upload_id = await files.start(data)
    await files.send(upload_id, data, 0, CHUNK)
    code, reason = await refused(files.send(upload_id, data, 2 * CHUNK))
    assert (code, reason) == (C.FAILED_PRECONDITION, "ERROR_REASON_UPLOAD_OFFSET_MISMATCH")
    assert (await files.status(upload_id)).committed_offset == CHUNK


async def test_bytes_that_do_not_hash_as_declared_are_refused_and_dropped(api: Api) -> None:
    _, token = await user(api)
    files = Files(api, token)
    data = b"the real bytes\n" * 1000
    upload_id = await files.start(data, digest=sha(b"other bytes"))
    code, reason = await refused(files.send(upload_id, data, 0))
    assert (code, reason) == (C.INVALID_ARGUMENT, "ERROR_REASON_FILE_HASH_MISMATCH")
    code, reason = await refused(files.status(upload_id))
    assert (code, reason) == (C.NOT_FOUND, "ERROR_REASON_UPLOAD_NOT_FOUND")


async def test_oversize_and_disallowed_types_are_refused_with_their_reason(api: Api) -> None:
    _, token = await user(api)
    files = Files(api, token)
    huge = files.stub.StartUpload(
        file_pb2.StartUploadRequest(name="big", size=10**12, sha256="0" * 64), metadata=files.md
    )
    code, reason = await refused(huge)
    assert (code, reason) == (C.INVALID_ARGUMENT, "ERROR_REASON_FILE_TOO_LARGE")
    upload_id = await files.start(ELF, "game.jpg")
    try:
        await files.send(upload_id, ELF, 0)
    except grpc.aio.AioRpcError as e:
        assert e.code() == C.INVALID_ARGUMENT
        assert "application/x-executable" in (e.details() or "")
    else:
        raise AssertionError("an executable was accepted")
    code, reason = await refused(files.upload(bytes(range(256)) * 4, "noise.txt"))
    assert (code, reason) == (C.INVALID_ARGUMENT, "ERROR_REASON_FILE_TYPE_NOT_ALLOWED")


async def test_another_users_upload_id_is_unknown_to_them(api: Api) -> None:
    _, owner = await user(api)
    _, thief = await user(api)
    data = b"mine\n" * 100
    upload_id = await Files(api, owner).start(data)
    code, reason = await refused(Files(api, thief).send(upload_id, data, 0))
    assert (code, reason) == (C.NOT_FOUND, "ERROR_REASON_UPLOAD_NOT_FOUND")
    code, reason = await refused(Files(api, thief).status(upload_id))
    assert (code, reason) == (C.NOT_FOUND, "ERROR_REASON_UPLOAD_NOT_FOUND")


async def test_identical_bytes_are_stored_once(api: Api, server: ServerProcess) -> None:
    _, a = await user(api)
    _, b = await user(api)
    data = random.randbytes(2000).hex().encode()
    first = await Files(api, a).upload(data, "one.txt")
    second = await Files(api, b).upload(data, "two.txt")
    assert first.file_id != second.file_id and first.sha256 == second.sha256
    assert (await asyncio.to_thread(stored_blobs, server)).count(sha(data)) == 1
    assert await Files(api, b).download(second.file_id) == data


async def test_a_crash_mid_upload_leaves_no_visible_file_and_the_upload_resumes(
    fresh_server: ServerProcess,
) -> None:
    data = random.randbytes(20 * CHUNK).hex().encode()
    async with started(fresh_server) as api:
        _, token = await user(api)
        files = Files(api, token)
        upload_id = await files.start(data, "crash.txt")
        await files.send(upload_id, data, 0, len(data) // 2)
    fresh_server.kill9()
    assert sha(data) not in set(await asyncio.to_thread(stored_blobs, fresh_server))
    async with started(fresh_server) as api:
        files = Files(api, token)
        status = await files.status(upload_id)
        assert status.committed_offset <= len(data) // 2
        done = await files.send(upload_id, data, status.committed_offset)
        assert await files.download(done.file.file_id) == data
        assert sha(data) in set(await asyncio.to_thread(stored_blobs, fresh_server))


async def test_the_quota_counts_stored_and_pending_bytes(fresh_server: ServerProcess) -> None:
    async with started(fresh_server, quota_bytes_per_user="3000") as api:
        _, token = await user(api)
        files = Files(api, token)
        await files.upload(b"a" * 1000)
        await files.start(b"b" * 1500)  # pending, not sent yet
        code, reason = await refused(files.start(b"c" * 600))
        assert (code, reason) == (C.RESOURCE_EXHAUSTED, "ERROR_REASON_QUOTA_EXCEEDED")
        await files.upload(b"d" * 400)
