"""FileStore on MongoDB: files, uploads and references in three collections.
No multi-document transaction (FerretDB): `finish_upload` writes the file
first and then marks the upload, so a failure between leaves a file the
collector drops once no message names it, never an upload marked done
without its file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, fields
from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from parley.storage.records import StoredFile, Upload

Doc = dict[str, Any]
_FILE = tuple(f.name for f in fields(StoredFile))
_UPLOAD = tuple(f.name for f in fields(Upload))


def _file(doc: Doc) -> StoredFile:
    return StoredFile(**{k: doc[k] for k in _FILE})


def _upload(doc: Doc) -> Upload:
    return Upload(**{k: doc[k] for k in _UPLOAD})


class MongoFileStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self.files: AsyncCollection[Doc] = db["files"]
        self.uploads: AsyncCollection[Doc] = db["file_uploads"]
        self.references: AsyncCollection[Doc] = db["file_refs"]

    async def ensure_indexes(self) -> None:
        # One index per command (FerretDB 1.24, see storage/mongo/messages.py).
        for coll, index in [
            (self.files, IndexModel([("file_id", ASCENDING)], unique=True, name="file_id")),
            (self.files, IndexModel([("uploader_id", ASCENDING)], name="uploader")),
            (self.files, IndexModel([("sha256", ASCENDING)], name="sha256")),
            (self.files, IndexModel([("thumb_sha256", ASCENDING)], name="thumb_sha256")),
            (self.uploads, IndexModel([("upload_id", ASCENDING)], unique=True, name="upload_id")),
            (self.uploads, IndexModel([("expire_time_ms", ASCENDING)], name="expiry")),
            (
                self.references,
                IndexModel(
                    [("file_id", ASCENDING), ("conversation_id", ASCENDING), ("seq", ASCENDING)],
                    unique=True,
                    name="ref",
                ),
            ),
        ]:
            await coll.create_indexes([index])

    async def put_upload(self, upload: Upload) -> None:
        await self.uploads.insert_one(asdict(upload))

    async def get_upload(self, upload_id: str) -> Upload | None:
        doc = await self.uploads.find_one({"upload_id": upload_id})
        return _upload(doc) if doc else None

    async def finish_upload(self, upload_id: str, file: StoredFile) -> None:
        await self.files.insert_one(asdict(file))
        await self.uploads.update_one({"upload_id": upload_id}, {"$set": {"file_id": file.file_id}})

    async def expired_uploads(self, now_ms: int, limit: int) -> list[Upload]:
        cursor = (
            self.uploads.find({"expire_time_ms": {"$lt": now_ms}})
            .sort("expire_time_ms", ASCENDING)
            .limit(limit)
        )
        return [_upload(d) async for d in cursor]

    async def delete_upload(self, upload_id: str) -> None:
        await self.uploads.delete_one({"upload_id": upload_id})

    async def pending_bytes(self, uploader_id: str, now_ms: int) -> int:
        cursor = self.uploads.find(
            {"uploader_id": uploader_id, "file_id": "", "expire_time_ms": {"$gte": now_ms}},
            {"size": 1},
        )
        return sum([int(d["size"]) async for d in cursor])

    async def get_file(self, file_id: str) -> StoredFile | None:
        doc = await self.files.find_one({"file_id": file_id})
        return _file(doc) if doc else None

    async def delete_file(self, file_id: str) -> None:
        await self.references.delete_many({"file_id": file_id})
        await self.files.delete_one({"file_id": file_id})

    async def blob_in_use(self, sha256: str) -> bool:
        doc = await self.files.find_one({"$or": [{"sha256": sha256}, {"thumb_sha256": sha256}]})
        return doc is not None

    async def add_refs(self, file_ids: Sequence[str], conversation_id: str, seq: int) -> None:
        for file_id in dict.fromkeys(file_ids):
            try:
                await self.references.insert_one(
                    {"file_id": file_id, "conversation_id": conversation_id, "seq": seq}
                )
            except DuplicateKeyError:
                pass  # a resend: the reference is there

    async def refs(self, file_id: str) -> list[tuple[str, int]]:
        cursor = self.references.find({"file_id": file_id})
        return [(str(d["conversation_id"]), int(d["seq"])) async for d in cursor]

    async def drop_ref(self, file_id: str, conversation_id: str, seq: int) -> None:
        await self.references.delete_one(
            {"file_id": file_id, "conversation_id": conversation_id, "seq": seq}
        )

    async def files_before(
        self, create_before_ms: int, after_id: str, limit: int
    ) -> list[StoredFile]:
        cursor = (
            self.files.find(
                {"create_time_ms": {"$lt": create_before_ms}, "file_id": {"$gt": after_id}}
            )
            .sort("file_id", ASCENDING)
            .limit(limit)
        )
        return [_file(d) async for d in cursor]

    async def bytes_used(self, uploader_id: str = "") -> int:
        match: Doc = {"uploader_id": uploader_id} if uploader_id else {}
        cursor = self.files.find(match, {"size": 1, "thumb_size": 1})
        return sum([int(d["size"]) + int(d["thumb_size"]) async for d in cursor])

    async def top_users(self, limit: int) -> list[tuple[str, int]]:
        totals: dict[str, int] = {}
        async for d in self.files.find({}, {"uploader_id": 1, "size": 1, "thumb_size": 1}):
            u = str(d["uploader_id"])
            totals[u] = totals.get(u, 0) + int(d["size"]) + int(d["thumb_size"])
        return sorted(totals.items(), key=lambda kv: -kv[1])[:limit]
