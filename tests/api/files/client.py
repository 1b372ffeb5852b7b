"""A FileService client for the tests: uploads in chunks (optionally cut
after some bytes), downloads, signed URLs."""

from __future__ import annotations

import hashlib
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import boto3
import grpc

from parley.file.v1 import file_pb2, file_pb2_grpc
from parley.msg.v1 import content_pb2, message_pb2, msg_pb2
from tests.harness import ST, Api, ServerProcess, bearer, error_reason, new_user_id

CHUNK = 64 * 1024


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Files:
    def __init__(self, api: Api, token: str) -> None:
        self.stub = file_pb2_grpc.FileServiceStub(api.channel)
        self.md = bearer(token)

    async def start(self, data: bytes, name: str = "a.txt", digest: str = "") -> str:
        resp = await self.stub.StartUpload(
            file_pb2.StartUploadRequest(name=name, size=len(data), sha256=digest or sha(data)),
            metadata=self.md,
        )
        return resp.upload_id

    async def send(
        self, upload_id: str, data: bytes, offset: int, stop_at: int | None = None
    ) -> file_pb2.UploadChunksResponse:
        """Sends data[offset:stop_at] in chunks."""
        end = len(data) if stop_at is None else stop_at

        async def chunks() -> AsyncIterator[file_pb2.UploadChunksRequest]:
            pos = offset
            while pos < end:
                piece = data[pos : min(end, pos + CHUNK)]
                yield file_pb2.UploadChunksRequest(upload_id=upload_id, offset=pos, data=piece)
                pos += len(piece)

        return await self.stub.UploadChunks(chunks(), metadata=self.md)

    async def status(self, upload_id: str) -> file_pb2.GetUploadStatusResponse:
        return await self.stub.GetUploadStatus(
            file_pb2.GetUploadStatusRequest(upload_id=upload_id), metadata=self.md
        )

    async def upload(self, data: bytes, name: str = "a.txt") -> file_pb2.FileInfo:
        upload_id = await self.start(data, name)
        resp = await self.send(upload_id, data, 0)
        assert resp.committed_offset == len(data)
        return resp.file

    async def download(
        self, file_id: str, offset: int = 0, length: int = 0, thumbnail: bool = False
    ) -> bytes:
        out = io.BytesIO()
        call = self.stub.Download(
            file_pb2.DownloadRequest(
                file_id=file_id, offset=offset, length=length, thumbnail=thumbnail
            ),
            metadata=self.md,
        )
        async for chunk in call:
            assert chunk.offset == offset + out.tell()
            out.write(chunk.data)
        return out.getvalue()

    async def url(self, file_id: str, thumbnail: bool = False) -> str:
        resp = await self.stub.GetDownloadUrl(
            file_pb2.GetDownloadUrlRequest(file_id=file_id, thumbnail=thumbnail),
            metadata=self.md,
        )
        return resp.url


def stored_blobs(server: ServerProcess) -> list[str]:
    """The names (SHA-256) of the blobs a server stores, wherever it keeps them."""
    env = server.env
    if env.get("PARLEY_FILES__BACKEND") == "s3":
        s3 = boto3.client(
            "s3",
            endpoint_url=env["PARLEY_FILES__S3_ENDPOINT"],
            region_name="us-east-1",
            aws_access_key_id=env["PARLEY_FILES__S3_ACCESS_KEY"],
            aws_secret_access_key=env["PARLEY_FILES__S3_SECRET_KEY"],
        )
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=env["PARLEY_FILES__S3_BUCKET"])
        return [o["Key"].rsplit("/", 1)[-1] for page in pages for o in page.get("Contents", [])]
    root = server.data_dir / "files" / "blobs"
    return [p.name for p in root.rglob("*") if p.is_file()]


@asynccontextmanager
async def started(server: ServerProcess, **files: str) -> AsyncIterator[Api]:
    """Starts `server` with these [files] settings; an admin Api on it."""
    server.env.update({f"PARLEY_FILES__{name.upper()}": v for name, v in files.items()})
    server.start()
    api = Api(server.address, server.admin_secret)
    await api.login_admin()
    try:
        yield api
    finally:
        await api.close()


async def user(api: Api, prefix: str = "f") -> tuple[str, str]:
    uid = new_user_id(prefix)
    await api.register(uid)
    return uid, await api.token(uid)


async def send_file(api: Api, token: str, to: str, file: file_pb2.FileInfo) -> message_pb2.SendAck:
    content = content_pb2.Content(
        file=content_pb2.FileContent(
            file_id=file.file_id, name=file.name, size=file.size, mime_type=file.mime_type
        )
    )
    om = message_pb2.OutgoingMessage(
        client_msg_id=new_user_id("m"),
        session_type=ST.SESSION_TYPE_SINGLE,
        recv_id=to,
        content=content,
    )
    resp = await api.msg.SendMessage(msg_pb2.SendMessageRequest(message=om), metadata=bearer(token))
    return resp.ack


async def refused(call: object) -> tuple[grpc.StatusCode, str]:
    """The status code and reason of an awaitable that must fail."""
    try:
        await call  # type: ignore[misc]
    except grpc.aio.AioRpcError as e:
        return e.code(), error_reason(e)
    raise AssertionError("the call succeeded")
