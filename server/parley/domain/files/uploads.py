"""Resumable uploads: open with the declared name, size and hash; append
chunks at the committed offset; on the last byte check the hash, sniff the
type, process images, and publish the blob and the record."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from parley.clock import now_ms
from parley.config.settings import FileSettings
from parley.domain.files.lease import BlobLease
from parley.domain.files.sniff import HEAD_BYTES, IMAGE_TYPES, sniff
from parley.domain.ports import ChangeHooks
from parley.errors import R, exhausted, invalid, not_found, precondition
from parley.storage.files.fsync import sync_file
from parley.storage.files.staging import Staging
from parley.storage.interfaces import BlobStore, FileStore, PendingStore, PendingWriter
from parley.storage.records import StoredFile, Upload

if TYPE_CHECKING:
    from parley.domain.files.images import ImageFacts

HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True, slots=True)
class Chunk:
    upload_id: str
    offset: int
    data: bytes


@dataclass(slots=True)
class _Writer:
    """The streams of one upload on this node; the newest (gen) may write."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    gen: int = 0
    streams: int = 0


def _check_name(name: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= 255 or any(c in name for c in "/\\\x00"):
        raise invalid("name must be 1-255 characters with no path separators")
    return name


def _upload_gone() -> Exception:
    return not_found(R.ERROR_REASON_UPLOAD_NOT_FOUND, "no such upload")


class Uploads:
    def __init__(
        self,
        settings: FileSettings,
        store: FileStore,
        blobs: BlobStore,
        staging: Staging,
        pending: PendingStore,
        hooks: ChangeHooks,
        lease: BlobLease,
    ) -> None:
        self.settings = settings
        self.store = store
        self.blobs = blobs
        # Where the bytes wait for the rest (this disk, or the bucket every node
        # shares); the last steps run in the local staging area either way.
        self.staging = staging
        self.pending = pending
        self.hooks = hooks
        self.lease = lease
        self._writers: dict[str, _Writer] = {}

    async def start(self, user_id: str, name: str, size: int, sha256: str) -> Upload:
        s = self.settings
        name = _check_name(name)
        if len(sha256) != 64 or not set(sha256) <= HEX:
            raise invalid("sha256 must be 64 lowercase hex characters")
        if size < 1:
            raise invalid("size must be at least 1 byte")
        if size > s.max_bytes:
            raise invalid(
                f"the file is {size} bytes; the limit is {s.max_bytes}",
                R.ERROR_REASON_FILE_TOO_LARGE,
            )
        now = now_ms()
        if s.quota_bytes_per_user:
            used = await self.store.bytes_used(user_id) + await self.store.pending_bytes(
                user_id, now
            )
            if used + size > s.quota_bytes_per_user:
                raise exhausted(
                    R.ERROR_REASON_QUOTA_EXCEEDED,
                    f"{used} of {s.quota_bytes_per_user} bytes used; {size} more do not fit",
                )
        await self.hooks.before(
            "file.upload", {"user_id": user_id, "name": name, "size": size, "sha256": sha256}
        )
        upload = Upload(
            upload_id=secrets.token_hex(16),
            uploader_id=user_id,
            name=name,
            size=size,
            sha256=sha256,
            create_time_ms=now,
            expire_time_ms=now + int(s.upload_ttl_seconds * 1000),
        )
        # The record first: bytes without one would never be collected.
        await self.store.put_upload(upload)
        try:
            await self.pending.create(upload.upload_id)
        except Exception:
            await self.store.delete_upload(upload.upload_id)
            raise
        return upload

    async def own(self, user_id: str, upload_id: str) -> Upload:
        if not upload_id or len(upload_id) > 64:
            raise _upload_gone()
        upload = await self.store.get_upload(upload_id)
        if upload is None or upload.uploader_id != user_id:
            raise _upload_gone()
        return upload

    async def committed(self, upload: Upload) -> int:
        if upload.file_id:
            return upload.size
        got = await self.pending.committed(upload.upload_id)
        if got is None:
            raise _upload_gone()
        return got

    async def write(
        self, user_id: str, chunks: AsyncIterator[Chunk]
    ) -> tuple[int, Upload | None, StoredFile | None]:
        """Appends the stream's chunks and completes the upload at its last
        byte. Returns the committed offset, the upload (None when the stream
        sent nothing) and the file when complete. A newer stream of the same
        upload (a client back from a lost network, before this server saw the
        old connection die) takes over: the old one stops at its next chunk."""
        upload: Upload | None = None
        writer: _Writer | None = None
        out: PendingWriter | None = None
        mine = 0
        try:
            async for chunk in chunks:
                if upload is None:
                    upload = await self.own(user_id, chunk.upload_id)
                    writer = self._writers.setdefault(upload.upload_id, _Writer())
                    writer.gen += 1
                    writer.streams += 1
                    mine = writer.gen
                elif chunk.upload_id != upload.upload_id:
                    raise invalid("one upload per stream")
                assert writer is not None
                async with writer.lock:
                    if writer.gen != mine:
                        raise precondition(
                            R.ERROR_REASON_UPLOAD_OFFSET_MISMATCH,
                            "a newer stream took over this upload",
                        )
                    if upload.file_id:
                        self._check(upload, chunk, upload.size)
                    if out is None:
                        # Opened under the lock: after an older stream kept its bytes.
                        out = await self.pending.writer(upload.upload_id)
                        if out is None:
                            raise _upload_gone()
                    self._check(upload, chunk, out.offset)
                    final = out.offset + len(chunk.data) == upload.size
                    await out.write(chunk.data, final)
            if upload is None or writer is None:
                return 0, None, None
            async with writer.lock:
                if out is not None:
                    await out.close(keep=writer.gen == mine)
                    out = None
                fresh = await self.own(user_id, upload.upload_id)
                offset = await self.committed(fresh)
                if fresh.file_id or offset < fresh.size:
                    return offset, fresh, None
                return offset, fresh, await self.finish(fresh)
        finally:
            if upload is not None and writer is not None:
                try:
                    if out is not None:
                        # Cut off: what arrived is kept for the resume, wherever it lands.
                        async with writer.lock:
                            await out.close(keep=writer.gen == mine)
                finally:
                    writer.streams -= 1
                    if not writer.streams:
                        self._writers.pop(upload.upload_id, None)

    def _check(self, upload: Upload, chunk: Chunk, offset: int) -> None:
        if len(chunk.data) > self.settings.chunk_bytes:
            raise invalid(f"chunks are at most {self.settings.chunk_bytes} bytes")
        if chunk.offset != offset:
            raise precondition(
                R.ERROR_REASON_UPLOAD_OFFSET_MISMATCH,
                f"chunk at {chunk.offset}, but {offset} bytes are committed",
            )
        if offset + len(chunk.data) > upload.size:
            raise invalid(
                f"more bytes than the declared {upload.size}", R.ERROR_REASON_FILE_HASH_MISMATCH
            )

    async def finish(self, upload: Upload) -> StoredFile:
        """Checks and publishes a fully staged upload."""
        s = self.settings
        path = await self.pending.local_copy(upload.upload_id)
        got = await self.staging.sha256(path)
        if got != upload.sha256:
            await self._drop(upload)
            raise invalid(
                f"the bytes hash to {got}, not the declared {upload.sha256}; upload again",
                R.ERROR_REASON_FILE_HASH_MISMATCH,
            )
        mime = sniff(await self.staging.head(upload.upload_id, HEAD_BYTES))
        if "*" not in s.allowed_types and mime not in s.allowed_types:
            await self._drop(upload)
            raise invalid(
                f"files of type {mime} are not accepted", R.ERROR_REASON_FILE_TYPE_NOT_ALLOWED
            )
        thumb = self.staging.scratch(upload.upload_id + ".thumb")
        facts: ImageFacts | None = None
        if mime in IMAGE_TYPES:
            from parley.domain.files.images import IMAGE_ERRORS, examine

            try:
                facts = await asyncio.to_thread(
                    examine, path, mime, thumb, s.thumbnail_px, s.strip_location
                )
            except IMAGE_ERRORS as e:
                await self._drop(upload)
                raise invalid(
                    f"the image cannot be read: {e}", R.ERROR_REASON_FILE_TYPE_NOT_ALLOWED
                ) from e
        sha, size = upload.sha256, upload.size
        if facts is not None and facts.stripped:
            sha = await self.staging.sha256(path)
            size = (await self.staging.committed(upload.upload_id)) or 0
        file = StoredFile(
            file_id=secrets.token_hex(16),
            uploader_id=upload.uploader_id,
            name=upload.name,
            size=size,
            mime_type=mime,
            sha256=sha,
            create_time_ms=now_ms(),
        )
        if facts is not None:
            file.width, file.height, file.placeholder = facts.width, facts.height, facts.placeholder
            file.thumb_sha256 = await self.staging.sha256(thumb)
            file.thumb_size = (await asyncio.to_thread(thumb.stat)).st_size
        await self.staging.sync(upload.upload_id)
        async with self.lease.hold():
            await self.store.finish_upload(upload.upload_id, file)
        # After the record: the collector keeps a blob any record names.
        await self.blobs.put(sha, path)
        if facts is not None:
            await asyncio.to_thread(sync_file, thumb)
            await self.blobs.put(file.thumb_sha256, thumb)
        await self.pending.discard(upload.upload_id)
        upload.file_id = file.file_id
        return file

    async def _drop(self, upload: Upload) -> None:
        await self.pending.discard(upload.upload_id)
        await self.store.delete_upload(upload.upload_id)
