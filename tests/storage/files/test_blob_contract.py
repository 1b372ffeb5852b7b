"""BlobStore contract: the local directory and a real S3 server (SeaweedFS)."""

from __future__ import annotations

import hashlib
import os
import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from parley.storage.files.local import LocalBlobStore
from parley.storage.files.s3 import S3BlobStore
from parley.storage.interfaces import BlobStore
from tests.storage.files.s3 import KEY, SECRET, bucket, s3_url


@pytest.fixture(params=["local", "s3"])
async def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[BlobStore]:
    store: BlobStore
    if request.param == "s3":
        s3 = S3BlobStore(s3_url(), bucket(), "us-east-1", KEY, SECRET)
        await s3.ensure_bucket()
        store = s3
    else:
        store = LocalBlobStore(tmp_path / "store")
    yield store
    await store.close()


def staged(tmp_path: Path, data: bytes) -> tuple[str, Path]:
    path = tmp_path / f"staged-{random.getrandbits(32)}"
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest(), path


async def read_all(store: BlobStore, sha: str, offset: int, length: int, chunk: int) -> bytes:
    return b"".join([piece async for piece in store.read(sha, offset, length, chunk)])


async def test_a_blob_is_absent_then_complete(blobs: BlobStore, tmp_path: Path) -> None:
    data = random.randbytes(300_000)
    sha, path = staged(tmp_path, data)
    assert await blobs.size(sha) is None
    await blobs.put(sha, path)
    assert await blobs.size(sha) == len(data)
    assert await read_all(blobs, sha, 0, len(data), 65536) == data
    pieces = [p async for p in blobs.read(sha, 0, len(data), 65536)]
    assert max(len(p) for p in pieces) <= 65536


async def test_ranges(blobs: BlobStore, tmp_path: Path) -> None:
    data = random.randbytes(10_000)
    sha, path = staged(tmp_path, data)
    await blobs.put(sha, path)
    assert await read_all(blobs, sha, 123, 4567, 1000) == data[123 : 123 + 4567]
    assert await read_all(blobs, sha, 9_999, 1, 1000) == data[-1:]
    assert await read_all(blobs, sha, 5, 0, 1000) == b""


async def test_the_same_bytes_twice_are_one_blob_and_delete_removes_it(
    blobs: BlobStore, tmp_path: Path
) -> None:
    data = b"twice\n" * 1000
    sha, first = staged(tmp_path, data)
    _, second = staged(tmp_path, data)
    await blobs.put(sha, first)
    await blobs.put(sha, second)
    assert await read_all(blobs, sha, 0, len(data), 4096) == data
    if isinstance(blobs, LocalBlobStore):
        assert [p.name for p in blobs.root.rglob("*") if p.is_file()] == [sha]
    await blobs.delete(sha)
    assert await blobs.size(sha) is None
    await blobs.delete(sha)  # twice is fine


async def test_a_large_blob_goes_in_parts(blobs: BlobStore, tmp_path: Path) -> None:
    # Past boto3's multipart threshold (8 MiB): S3 shows the object only once complete.
    sha, path = staged(tmp_path, os.urandom(9 * 1024 * 1024))
    await blobs.put(sha, path)
    assert await blobs.size(sha) == 9 * 1024 * 1024
