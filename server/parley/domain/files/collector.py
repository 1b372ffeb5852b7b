"""The garbage collector: files no live message names, once past the grace
period, lose their record and then (when no other record shares them) their
bytes; expired pending uploads lose their staged bytes."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from parley.clock import now_ms
from parley.domain.files.access import FileAccess
from parley.domain.files.lease import BlobLease
from parley.storage.interfaces import BlobStore, FileStore, PendingStore

log = logging.getLogger("parley.files")
PAGE = 200


@dataclass
class Collected:
    files: int = 0
    blobs: int = 0
    uploads: int = 0


class Collector:
    def __init__(
        self,
        store: FileStore,
        blobs: BlobStore,
        pending: PendingStore,
        readers: FileAccess,
        lease: BlobLease,
        grace_seconds: float,
    ) -> None:
        self.store = store
        self.blobs = blobs
        self.pending = pending
        self.readers = readers
        # Shared with uploads' publication, across every node on the blob store.
        self.lease = lease
        self.grace_ms = int(grace_seconds * 1000)

    async def run_once(self, now: int | None = None) -> Collected:
        now = now_ms() if now is None else now
        done = Collected()
        for upload in await self.store.expired_uploads(now, PAGE):
            await self.pending.discard(upload.upload_id)
            await self.store.delete_upload(upload.upload_id)
            done.uploads += 1
        after = ""
        while page := await self.store.files_before(now - self.grace_ms, after, PAGE):
            after = page[-1].file_id
            for file in page:
                if await self._named(file.file_id):
                    continue
                await self.store.delete_file(file.file_id)
                done.files += 1
                for sha in (file.sha256, file.thumb_sha256):
                    if sha and await self._drop_blob(sha):
                        done.blobs += 1
        return done

    async def _named(self, file_id: str) -> bool:
        named = False
        for cid, seq in await self.store.refs(file_id):
            if await self.readers.live(cid, seq, file_id):
                named = True
            else:
                await self.store.drop_ref(file_id, cid, seq)
        return named

    async def _drop_blob(self, sha256: str) -> bool:
        async with self.lease.hold():
            if await self.store.blob_in_use(sha256):
                return False
            await self.blobs.delete(sha256)
            return True

    async def loop(self, interval_seconds: float) -> None:
        while True:
            await asyncio.sleep(interval_seconds)
            try:
                done = await self.run_once()
                if done.files or done.uploads:
                    log.info(
                        "files: collected %d files, %d blobs, %d expired uploads",
                        done.files,
                        done.blobs,
                        done.uploads,
                    )
            except Exception:
                log.exception("file collector failed")
