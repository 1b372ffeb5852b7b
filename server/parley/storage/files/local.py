"""Blobs in a local directory, at blobs/<aa>/<bb>/<sha256>."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

from parley.storage.files.fsync import publish


class LocalBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root / "blobs"
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    async def put(self, sha256: str, path: Path) -> None:
        # Renaming onto an existing blob replaces it with the same bytes: one copy.
        await asyncio.to_thread(publish, path, self.path(sha256))

    async def size(self, sha256: str) -> int | None:
        try:
            return (await asyncio.to_thread(os.stat, self.path(sha256))).st_size
        except FileNotFoundError:
            return None

    async def read(self, sha256: str, offset: int, length: int, chunk: int) -> AsyncIterator[bytes]:
        f = await asyncio.to_thread(open, self.path(sha256), "rb")
        try:
            await asyncio.to_thread(f.seek, offset)
            left = length
            while left > 0:
                data = await asyncio.to_thread(f.read, min(chunk, left))
                if not data:
                    break
                left -= len(data)
                yield data
        finally:
            f.close()

    async def delete(self, sha256: str) -> None:
        try:
            await asyncio.to_thread(os.unlink, self.path(sha256))
        except FileNotFoundError:
            pass

    async def close(self) -> None:
        return None
