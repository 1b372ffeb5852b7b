"""Files and media: resumable uploads (uploads.py), who may read (access.py),
signed URLs (signing.py), images (images.py), type sniffing (sniff.py) and
the collector (collector.py), composed here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from parley.config.settings import FileSettings
from parley.domain.access import Access
from parley.domain.files.access import FileAccess
from parley.domain.files.collector import Collector
from parley.domain.files.lease import BlobLease
from parley.domain.files.signing import UrlSigner
from parley.domain.files.uploads import Chunk, Uploads
from parley.domain.ports import ChangeHooks
from parley.errors import R, invalid, not_found
from parley.storage.files.staging import Staging
from parley.storage.interfaces import (
    BlobStore,
    ConversationStore,
    FileStore,
    MessageStore,
    PendingStore,
)
from parley.storage.records import StoredFile

__all__ = ["Chunk", "Files", "Range"]


@dataclass(frozen=True, slots=True)
class Range:
    """Bytes [offset, offset + length) of a blob."""

    sha256: str
    offset: int
    length: int
    total: int


class Files:
    def __init__(
        self,
        settings: FileSettings,
        secret: str,
        store: FileStore,
        blobs: BlobStore,
        staging: Staging,
        pending: PendingStore,
        lease: BlobLease,
        access: Access,
        messages: MessageStore,
        conversations: ConversationStore,
        hooks: ChangeHooks,
    ) -> None:
        self.settings = settings
        self.store = store
        self.blobs = blobs
        self.readers = FileAccess(store, access, messages, conversations)
        self.uploads = Uploads(settings, store, blobs, staging, pending, hooks, lease)
        self.collector = Collector(
            store, blobs, pending, self.readers, lease, settings.gc_grace_seconds
        )
        self.signer = UrlSigner(secret, settings.url_ttl_seconds)

    async def get(self, user_id: str, file_id: str) -> StoredFile:
        return await self.readers.readable(user_id, file_id)

    async def by_id(self, file_id: str) -> StoredFile:
        """For a signed URL: its signature stands for the reader's access."""
        file = await self.store.get_file(file_id)
        if file is None:
            raise not_found(R.ERROR_REASON_FILE_NOT_FOUND, "no such file")
        return file

    def span(self, file: StoredFile, thumbnail: bool, offset: int, length: int) -> Range:
        """The requested range (length 0: to the end), checked against the blob."""
        if thumbnail and not file.thumb_sha256:
            raise not_found(R.ERROR_REASON_FILE_NOT_FOUND, "the file has no thumbnail")
        sha, total = (file.thumb_sha256, file.thumb_size) if thumbnail else (file.sha256, file.size)
        if offset < 0 or length < 0 or offset > total:
            raise invalid(f"range outside the file's {total} bytes")
        end = total if length == 0 else min(total, offset + length)
        return Range(sha, offset, end - offset, total)

    def read(self, span: Range) -> AsyncIterator[bytes]:
        return self.blobs.read(span.sha256, span.offset, span.length, self.settings.chunk_bytes)
