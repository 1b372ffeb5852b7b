"""Pending uploads on the local disk, one file per upload id (and the
scratch space of every upload's last steps, whichever store kept its bytes). The committed
offset is the staged file's size: bytes are appended only at it, and the
content hash is checked over the whole file once complete, so bytes lost or
torn by a crash are either re-sent (shorter file) or caught (mismatch)."""

from __future__ import annotations

import asyncio
import hashlib
import os
from pathlib import Path

from parley.storage.files.fsync import sync_dir, sync_file

HASH_BLOCK = 1024 * 1024


class StagedWriter:
    """One stream's appends to a staged upload; each is committed on return
    (the file's size is the offset), synced when the stream ends."""

    def __init__(self, path: Path, offset: int) -> None:
        self.path = path
        self.offset = offset

    async def write(self, data: bytes, final: bool) -> None:
        def run() -> None:
            with open(self.path, "ab") as f:
                f.write(data)

        await asyncio.to_thread(run)
        self.offset += len(data)

    async def close(self, keep: bool) -> None:
        try:
            await asyncio.to_thread(sync_file, self.path)
        except FileNotFoundError:
            pass  # completed and published, or dropped


class Staging:
    def __init__(self, root: Path) -> None:
        self.root = root / "staging"
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, upload_id: str) -> Path:
        return self.root / upload_id

    async def create(self, upload_id: str) -> None:
        def run() -> None:
            self.path(upload_id).touch(exist_ok=True)
            sync_dir(self.root)

        await asyncio.to_thread(run)

    async def committed(self, upload_id: str) -> int | None:
        try:
            return (await asyncio.to_thread(os.stat, self.path(upload_id))).st_size
        except FileNotFoundError:
            return None

    async def append(self, upload_id: str, data: bytes) -> None:
        def run() -> None:
            with open(self.path(upload_id), "ab") as f:
                f.write(data)

        await asyncio.to_thread(run)

    async def writer(self, upload_id: str) -> StagedWriter | None:
        offset = await self.committed(upload_id)
        return None if offset is None else StagedWriter(self.path(upload_id), offset)

    async def local_copy(self, upload_id: str) -> Path:
        """The complete staged bytes, synced, where they are."""
        await self.sync(upload_id)
        return self.path(upload_id)

    async def sync(self, upload_id: str) -> None:
        await asyncio.to_thread(sync_file, self.path(upload_id))

    async def head(self, upload_id: str, n: int) -> bytes:
        def run() -> bytes:
            with open(self.path(upload_id), "rb") as f:
                return f.read(n)

        return await asyncio.to_thread(run)

    async def sha256(self, path: Path) -> str:
        def run() -> str:
            h = hashlib.sha256()
            with open(path, "rb") as f:
                while block := f.read(HASH_BLOCK):
                    h.update(block)
            return h.hexdigest()

        return await asyncio.to_thread(run)

    def scratch(self, name: str) -> Path:
        """A path beside the staged uploads (same file system, so renames are atomic)."""
        return self.root / f"{name}.tmp"

    async def discard(self, upload_id: str) -> None:
        for p in (self.path(upload_id), self.scratch(upload_id + ".thumb")):
            try:
                await asyncio.to_thread(os.unlink, p)
            except FileNotFoundError:
                pass
