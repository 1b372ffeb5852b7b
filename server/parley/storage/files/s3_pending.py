"""Pending uploads in the S3 bucket, so that any node resumes any upload.

An upload is an S3 multipart upload on `uploads/<id>/data`. S3 (and
SeaweedFS, which answers EntityTooSmall) takes parts below 5 MiB only as the
last one, and a client's chunks are far smaller, so each stream collects its
chunks into parts of `part_bytes`. What a stream has received past its last
full part when it ends (a client cut off, or sending in several streams) is
kept as one object, `uploads/<id>/tail.<n>`, n being the number of the part it
will start; a stream that resumes, on whichever node, reads it back first.

The bucket is the only record of the progress: the committed offset is the
sizes of the contiguous parts from 1 plus the current tail's, so the bytes and
their offset cannot disagree after a crash (a tail whose part has since been
sent is stale by its number and ignored). When the last byte arrives the
multipart upload is completed and the object fetched to the node's staging
area, where the upload is checked and published like a local one."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from parley.storage.files.s3 import S3BlobStore
from parley.storage.files.staging import Staging

PREFIX = "uploads/"
GONE = ("404", "NoSuchKey", "NotFound", "NoSuchUpload")


def _gone(e: ClientError) -> bool:
    return str(e.response.get("Error", {}).get("Code")) in GONE


@dataclass(slots=True)
class _Progress:
    """What the bucket holds of one upload."""

    multipart_id: str
    parts: list[dict[str, Any]] = field(default_factory=list)  # PartNumber, ETag, Size
    tail: bytes = b""

    @property
    def offset(self) -> int:
        return sum(int(p["Size"]) for p in self.parts) + len(self.tail)


class S3PendingWriter:
    """One stream's appends. `offset` is what the stream has received; the
    bucket holds it all once `close(keep=True)` has run."""

    def __init__(self, store: S3Pending, upload_id: str, progress: _Progress) -> None:
        self.store = store
        self.upload_id = upload_id
        self.progress = progress
        self.buffer = bytearray(progress.tail)
        self.offset = progress.offset

    async def write(self, data: bytes, final: bool) -> None:
        self.buffer += data
        self.offset += len(data)
        size = self.store.part_bytes
        while len(self.buffer) >= size:
            await self._part(bytes(self.buffer[:size]))
            del self.buffer[:size]
        if final and self.buffer:
            await self._part(bytes(self.buffer))
            self.buffer.clear()

    async def _part(self, data: bytes) -> None:
        number = len(self.progress.parts) + 1
        etag = await self.store.upload_part(self.upload_id, self.progress, number, data)
        self.progress.parts.append({"PartNumber": number, "ETag": etag, "Size": len(data)})

    async def close(self, keep: bool) -> None:
        """Keeps the bytes past the last part for a resume (unless a newer
        stream took the upload over: its own tail is the one that counts)."""
        if keep and self.buffer:
            await self.store.put_tail(self.upload_id, len(self.progress.parts) + 1, self.buffer)


class S3Pending:
    """The pending-bytes side of uploads on S3 (the local side is Staging)."""

    def __init__(self, blobs: S3BlobStore, staging: Staging, part_bytes: int) -> None:
        self._s3: Any = blobs.client
        self.bucket = blobs.bucket
        self.staging = staging
        self.part_bytes = part_bytes

    def _key(self, upload_id: str, name: str = "data") -> str:
        return f"{PREFIX}{upload_id}/{name}"

    async def _call(self, method: str, **kw: Any) -> Any:
        return await asyncio.to_thread(getattr(self._s3, method), Bucket=self.bucket, **kw)

    async def create(self, upload_id: str) -> None:
        await self._call("create_multipart_upload", Key=self._key(upload_id))

    async def _multipart_id(self, upload_id: str) -> str | None:
        got = await self._call("list_multipart_uploads", Prefix=self._key(upload_id))
        ids = [u["UploadId"] for u in got.get("Uploads", []) if u["Key"] == self._key(upload_id)]
        return ids[0] if ids else None

    async def _progress(self, upload_id: str) -> _Progress | None:
        mp = await self._multipart_id(upload_id)
        if mp is None:
            return None
        got = await self._call("list_parts", Key=self._key(upload_id), UploadId=mp, MaxParts=10_000)
        seen: dict[int, dict[str, Any]] = {}
        for p in got.get("Parts", []):
            seen.setdefault(int(p["PartNumber"]), p)
        progress = _Progress(mp)
        while (n := len(progress.parts) + 1) in seen:
            p = seen[n]
            progress.parts.append({"PartNumber": n, "ETag": p["ETag"], "Size": int(p["Size"])})
        tail_key = self._key(upload_id, f"tail.{len(progress.parts) + 1}")
        try:
            obj = await self._call("get_object", Key=tail_key)
            progress.tail = await asyncio.to_thread(obj["Body"].read)
        except ClientError as e:
            if not _gone(e):
                raise
        return progress

    async def committed(self, upload_id: str) -> int | None:
        progress = await self._progress(upload_id)
        if progress is not None:
            return progress.offset
        # Completed by a node that then stopped before publishing it.
        try:
            head = await self._call("head_object", Key=self._key(upload_id))
        except ClientError as e:
            if _gone(e):
                return None
            raise
        return int(head["ContentLength"])

    async def writer(self, upload_id: str) -> S3PendingWriter | None:
        progress = await self._progress(upload_id)
        return None if progress is None else S3PendingWriter(self, upload_id, progress)

    async def upload_part(
        self, upload_id: str, progress: _Progress, number: int, data: bytes
    ) -> str:
        got = await self._call(
            "upload_part",
            Key=self._key(upload_id),
            UploadId=progress.multipart_id,
            PartNumber=number,
            Body=data,
        )
        return str(got["ETag"])

    async def put_tail(self, upload_id: str, number: int, data: bytearray) -> None:
        await self._call("put_object", Key=self._key(upload_id, f"tail.{number}"), Body=bytes(data))

    async def local_copy(self, upload_id: str) -> Path:
        """Completes the multipart upload and fetches the object to the
        staging area (streamed to disk by boto3, not held in memory)."""
        progress = await self._progress(upload_id)
        if progress is not None:
            await self._call(
                "complete_multipart_upload",
                Key=self._key(upload_id),
                UploadId=progress.multipart_id,
                MultipartUpload={
                    "Parts": [
                        {"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in progress.parts
                    ]
                },
            )
        path = self.staging.path(upload_id)
        await asyncio.to_thread(
            self._s3.download_file, self.bucket, self._key(upload_id), str(path)
        )
        return path

    async def discard(self, upload_id: str) -> None:
        """Drops everything of the upload: its multipart upload, its tails and
        completed object, and any local copy."""
        mp = await self._multipart_id(upload_id)
        if mp is not None:
            try:
                await self._call("abort_multipart_upload", Key=self._key(upload_id), UploadId=mp)
            except ClientError as e:
                if not _gone(e):
                    raise
        listed = await self._call("list_objects_v2", Prefix=f"{PREFIX}{upload_id}/")
        for obj in listed.get("Contents", []):
            await self._call("delete_object", Key=obj["Key"])
        await self.staging.discard(upload_id)
