"""Files: resumable upload with progress, download through a local cache.

    info = await client.upload_file("photo.jpg", progress=lambda done, total: ...)
    await client.send_file(client.conversation_with("bob"), "report.pdf")
    path = await client.download_file(file_id, "saved.pdf")

An upload that loses the network asks the server for the committed offset
and continues from there (up to `retries` times); the whole content's SHA-256
is declared up front and checked by the server at the end. Downloads land in
`cache_dir` under their SHA-256, verified, so a second download of the same
bytes reads no network.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import grpc

from parley.file.v1 import file_pb2, file_pb2_grpc
from parley.msg.v1 import content_pb2
from parley_sdk.errors import NotConnectedError, from_rpc_error
from parley_sdk.network import Connection

Progress = Callable[[int, int], None]
BLOCK = 1024 * 1024
# Statuses after which the upload continues where the server says it stopped.
RESUMABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED}


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(BLOCK):
            h.update(block)
    return h.hexdigest()


def content_for(info: file_pb2.FileInfo) -> content_pb2.Content:
    """An image message for images (with size and placeholder), a file message otherwise."""
    if info.mime_type.startswith("image/") and info.width:
        original = content_pb2.ImageRendition(
            file_id=info.file_id, width=info.width, height=info.height, size=info.size
        )
        return content_pb2.Content(
            image=content_pb2.ImageContent(
                original=original, mime_type=info.mime_type, placeholder=info.placeholder
            )
        )
    return content_pb2.Content(
        file=content_pb2.FileContent(
            file_id=info.file_id, name=info.name, size=info.size, mime_type=info.mime_type
        )
    )


class Files:
    def __init__(
        self, conn: Connection, cache_dir: Path | None, retries: int = 20, timeout: float = 600.0
    ) -> None:
        self.conn = conn
        self.cache_dir = cache_dir
        self.retries = retries
        self.timeout = timeout

    def _stub(self) -> file_pb2_grpc.FileServiceStub:
        if self.conn.channel is None:
            raise NotConnectedError("no channel yet")
        return file_pb2_grpc.FileServiceStub(self.conn.channel)

    async def upload(
        self, path: str | Path, progress: Progress | None = None, name: str = ""
    ) -> file_pb2.FileInfo:
        path = Path(path)
        size = (await asyncio.to_thread(path.stat)).st_size
        digest = await asyncio.to_thread(file_sha256, path)
        try:
            started = await self._stub().StartUpload(
                file_pb2.StartUploadRequest(name=name or path.name, size=size, sha256=digest),
                metadata=self.conn.metadata(),
                timeout=self.timeout,
            )
        except grpc.aio.AioRpcError as e:
            raise from_rpc_error(e) from e
        return await self.resume(started.upload_id, path, progress, started.max_chunk_bytes)

    async def resume(
        self, upload_id: str, path: Path, progress: Progress | None, chunk: int = 256 * 1024
    ) -> file_pb2.FileInfo:
        """Continues an upload (after a crash of the app, too) from the server's offset."""
        size = (await asyncio.to_thread(path.stat)).st_size
        failures = 0
        while True:
            try:
                stub = self._stub()
                status = await stub.GetUploadStatus(
                    file_pb2.GetUploadStatusRequest(upload_id=upload_id),
                    metadata=self.conn.metadata(),
                    timeout=self.timeout,
                )
                if status.HasField("file"):
                    found: file_pb2.FileInfo = status.file
                    return found
                if progress is not None:
                    progress(status.committed_offset, size)
                done = await stub.UploadChunks(
                    _chunks(upload_id, path, status.committed_offset, chunk, size, progress),
                    metadata=self.conn.metadata(),
                    timeout=self.timeout,
                )
                if done.HasField("file"):
                    stored: file_pb2.FileInfo = done.file
                    return stored
            except grpc.aio.AioRpcError as e:
                failures += 1
                if e.code() not in RESUMABLE or failures > self.retries:
                    raise from_rpc_error(e) from e
            except NotConnectedError:
                failures += 1
                if failures > self.retries:
                    raise
            await asyncio.sleep(min(5.0, 0.2 * 2**failures))

    async def info(self, file_id: str) -> file_pb2.FileInfo:
        try:
            got = await self._stub().GetFile(
                file_pb2.GetFileRequest(file_id=file_id),
                metadata=self.conn.metadata(),
                timeout=self.timeout,
            )
        except grpc.aio.AioRpcError as e:
            raise from_rpc_error(e) from e
        info: file_pb2.FileInfo = got.file
        return info

    async def download(
        self, file_id: str, dest: str | Path, progress: Progress | None = None
    ) -> Path:
        """The file's bytes at `dest`, from the cache when it holds them."""
        dest = Path(dest)
        info = await self.info(file_id)
        cached = self.cache_dir / info.sha256 if self.cache_dir is not None else None
        if cached is None or not cached.exists():
            target = cached if cached is not None else dest
            await self._fetch(info, target, progress)
        if cached is not None:
            await asyncio.to_thread(shutil.copyfile, cached, dest)
        return dest

    async def _fetch(
        self, info: file_pb2.FileInfo, target: Path, progress: Progress | None
    ) -> None:
        await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
        part = target.with_name(target.name + ".part")
        h = hashlib.sha256()
        out = await asyncio.to_thread(open, part, "wb")
        with out:
            try:
                call = self._stub().Download(
                    file_pb2.DownloadRequest(file_id=info.file_id),
                    metadata=self.conn.metadata(),
                    timeout=self.timeout,
                )
                async for piece in call:
                    await asyncio.to_thread(out.write, piece.data)
                    h.update(piece.data)
                    if progress is not None:
                        progress(out.tell(), info.size)
            except grpc.aio.AioRpcError as e:
                raise from_rpc_error(e) from e
        if h.hexdigest() != info.sha256:
            part.unlink(missing_ok=True)
            raise OSError(f"downloaded bytes of {info.file_id} do not match their SHA-256")
        os.replace(part, target)


async def _chunks(
    upload_id: str, path: Path, offset: int, chunk: int, size: int, progress: Progress | None
) -> AsyncIterator[file_pb2.UploadChunksRequest]:
    f = await asyncio.to_thread(open, path, "rb")
    with f:
        f.seek(offset)
        while offset < size:
            data = await asyncio.to_thread(f.read, chunk)
            if not data:
                break
            yield file_pb2.UploadChunksRequest(upload_id=upload_id, offset=offset, data=data)
            offset += len(data)
            if progress is not None:
                progress(offset, size)
