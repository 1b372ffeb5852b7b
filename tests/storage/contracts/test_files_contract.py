"""FileStore contract: SQL (SQLite, PostgreSQL, MySQL) and MongoDB."""

from __future__ import annotations

from typing import Any

import pytest

from parley.storage.interfaces import FileStore
from parley.storage.mongo.files import MongoFileStore
from parley.storage.records import StoredFile, Upload
from parley.storage.sql.files import SqlFileStore
from tests.engines import SQL_BACKENDS, Engines
from tests.storage.contracts.conftest import uid
from tests.storage.contracts.rows import now_ms


@pytest.fixture(params=[*SQL_BACKENDS, "mongo"])
async def file_store(
    request: pytest.FixtureRequest, sql_engines: Engines, mongo_db: Any
) -> FileStore:
    if request.param == "mongo":
        store = MongoFileStore(mongo_db)
        await store.ensure_indexes()
        return store
    return SqlFileStore(await sql_engines.get(request.param))


def upload(user: str, size: int = 100, expire_in: int = 60_000) -> Upload:
    now = now_ms()
    return Upload(uid("up"), user, "a.txt", size, "a" * 64, now, now + expire_in)


def stored(user: str, sha: str, size: int = 100, created: int = 0, thumb: str = "") -> StoredFile:
    return StoredFile(
        file_id=uid("f"),
        uploader_id=user,
        name="a.txt",
        size=size,
        mime_type="text/plain",
        sha256=sha,
        create_time_ms=created or now_ms(),
        width=3,
        height=4,
        placeholder="LKO2?U%2Tw=w",
        thumb_sha256=thumb,
        thumb_size=10 if thumb else 0,
    )


async def test_an_upload_round_trips_and_finishes_into_a_file(file_store: FileStore) -> None:
    user = uid()
    up = upload(user, size=5_000_000_000)  # past 32 bits
    await file_store.put_upload(up)
    assert await file_store.get_upload(up.upload_id) == up
    assert await file_store.get_upload(uid("nope")) is None
    assert await file_store.pending_bytes(user, now_ms()) == up.size
    f = stored(user, uid("sha"), size=up.size)
    await file_store.finish_upload(up.upload_id, f)
    assert await file_store.get_file(f.file_id) == f
    assert (await file_store.get_upload(up.upload_id)).file_id == f.file_id  # type: ignore[union-attr]
    assert await file_store.pending_bytes(user, now_ms()) == 0
    assert await file_store.bytes_used(user) == up.size


async def test_expired_uploads_are_listed_and_deleted(file_store: FileStore) -> None:
    user = uid()
    old, fresh = upload(user, expire_in=-1000), upload(user)
    await file_store.put_upload(old)
    await file_store.put_upload(fresh)
    expired = {u.upload_id for u in await file_store.expired_uploads(now_ms(), 1000)}
    assert old.upload_id in expired and fresh.upload_id not in expired
    assert await file_store.pending_bytes(user, now_ms()) == fresh.size
    await file_store.delete_upload(old.upload_id)
    assert await file_store.get_upload(old.upload_id) is None


async def test_references_and_blob_use(file_store: FileStore) -> None:
    user, sha, thumb = uid(), uid("sha"), uid("th")
    a, b = stored(user, sha, thumb=thumb), stored(user, sha)
    for f in (a, b):
        await file_store.put_upload(upload(user))
        await file_store.finish_upload(uid("none"), f)
    await file_store.add_refs([a.file_id, b.file_id], "si_x_y", 7)
    await file_store.add_refs([a.file_id], "si_x_y", 7)  # a resend
    await file_store.add_refs([a.file_id], "sg_g", 2)
    assert sorted(await file_store.refs(a.file_id)) == [("sg_g", 2), ("si_x_y", 7)]
    await file_store.drop_ref(a.file_id, "sg_g", 2)
    assert await file_store.refs(a.file_id) == [("si_x_y", 7)]
    assert await file_store.blob_in_use(sha) and await file_store.blob_in_use(thumb)
    await file_store.delete_file(a.file_id)
    assert await file_store.get_file(a.file_id) is None
    assert await file_store.refs(a.file_id) == []
    assert await file_store.blob_in_use(sha) and not await file_store.blob_in_use(thumb)
    await file_store.delete_file(b.file_id)
    assert not await file_store.blob_in_use(sha)


async def test_the_collectors_walk_and_the_usage_figures(file_store: FileStore) -> None:
    heavy, light = uid("h"), uid("l")
    old = [stored(heavy, uid("s"), size=1000, created=1_000) for _ in range(5)]
    new = stored(light, uid("s"), size=10, created=now_ms())
    for f in (*old, new):
        await file_store.finish_upload(uid("none"), f)
    seen: list[str] = []
    after = ""
    while page := await file_store.files_before(2_000, after, 2):
        seen += [f.file_id for f in page if f.uploader_id == heavy]
        after = page[-1].file_id
    assert sorted(seen) == sorted(f.file_id for f in old)
    assert await file_store.bytes_used(heavy) == 5000
    assert await file_store.bytes_used() >= 5010
    top = dict(await file_store.top_users(1000))
    assert top[heavy] == 5000 and top[light] == 10
