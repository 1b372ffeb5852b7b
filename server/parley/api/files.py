"""FileService: uploads in chunks, ranged downloads, signed URLs. The two
streaming methods admit their caller here, by the policy table's rule for
them (the unary interceptor wraps unary methods only)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from parley.api.base import Authn, Ctx, internal_error, log, rpc
from parley.api.policy import RPCS, bearer_token
from parley.domain.auth import Admission
from parley.domain.files import Chunk, Files
from parley.domain.tokens import Identity
from parley.errors import ParleyError, R, invalid, precondition
from parley.file.v1 import file_pb2, file_pb2_grpc
from parley.storage.records import StoredFile

SERVICE = "/parley.file.v1.FileService/"


def file_info(f: StoredFile) -> file_pb2.FileInfo:
    return file_pb2.FileInfo(
        file_id=f.file_id,
        name=f.name,
        size=f.size,
        mime_type=f.mime_type,
        sha256=f.sha256,
        uploader_id=f.uploader_id,
        create_time_ms=f.create_time_ms,
        width=f.width,
        height=f.height,
        placeholder=f.placeholder,
        thumbnail_size=f.thumb_size,
    )


class FileServicer(file_pb2_grpc.FileServiceServicer):
    def __init__(self, authn: Authn, admission: Admission, files: Files) -> None:
        self.authn = authn
        self.admission = admission
        self.files = files
        # Set once the web listener is listening (its port may be chosen then);
        # empty: this server signs no URLs.
        self.base_url = ""

    def _stream_caller(self, method: str, context: Ctx) -> Identity:
        rule = RPCS[SERVICE + method]
        return self.admission.admit(bearer_token(context.invocation_metadata()), rule.caller)

    @rpc
    async def StartUpload(
        self, request: file_pb2.StartUploadRequest, context: Ctx
    ) -> file_pb2.StartUploadResponse:
        ident = self.authn.caller(context)
        upload = await self.files.uploads.start(
            ident.user_id, request.name, request.size, request.sha256
        )
        return file_pb2.StartUploadResponse(
            upload_id=upload.upload_id,
            committed_offset=0,
            max_chunk_bytes=self.files.settings.chunk_bytes,
        )

    async def UploadChunks(
        self, request_iterator: AsyncIterator[file_pb2.UploadChunksRequest], context: Ctx
    ) -> file_pb2.UploadChunksResponse:
        try:
            ident = self._stream_caller("UploadChunks", context)

            async def chunks() -> AsyncIterator[Chunk]:
                async for r in request_iterator:
                    yield Chunk(r.upload_id, r.offset, r.data)

            offset, upload, file = await self.files.uploads.write(ident.user_id, chunks())
            if upload is None:
                raise invalid("the stream sent no chunk")
            out = file_pb2.UploadChunksResponse(committed_offset=offset)
            if file is None and upload.file_id:
                file = await self.files.get(ident.user_id, upload.file_id)
            if file is not None:
                out.file.CopyFrom(file_info(file))
            return out
        except ParleyError as e:
            await context.abort_with_status(e.to_status())
        except Exception:
            log.exception("unhandled error in UploadChunks")
            await context.abort_with_status(internal_error().to_status())
        raise AssertionError("unreachable")

    @rpc
    async def GetUploadStatus(
        self, request: file_pb2.GetUploadStatusRequest, context: Ctx
    ) -> file_pb2.GetUploadStatusResponse:
        ident = self.authn.caller(context)
        uploads = self.files.uploads
        upload = await uploads.own(ident.user_id, request.upload_id)
        out = file_pb2.GetUploadStatusResponse(
            committed_offset=await uploads.committed(upload), size=upload.size
        )
        if upload.file_id:
            out.file.CopyFrom(file_info(await self.files.get(ident.user_id, upload.file_id)))
        return out

    @rpc
    async def GetFile(
        self, request: file_pb2.GetFileRequest, context: Ctx
    ) -> file_pb2.GetFileResponse:
        ident = self.authn.caller(context)
        return file_pb2.GetFileResponse(
            file=file_info(await self.files.get(ident.user_id, request.file_id))
        )

    async def Download(
        self, request: file_pb2.DownloadRequest, context: Ctx
    ) -> AsyncIterator[file_pb2.DownloadResponse]:
        try:
            ident = self._stream_caller("Download", context)
            file = await self.files.get(ident.user_id, request.file_id)
            span = self.files.span(file, request.thumbnail, request.offset, request.length)
        except ParleyError as e:
            await context.abort_with_status(e.to_status())
            return
        first: Any = file_info(file)
        offset = span.offset
        if span.length == 0:
            yield file_pb2.DownloadResponse(file=first, offset=offset)
            return
        async for data in self.files.read(span):
            yield file_pb2.DownloadResponse(file=first, offset=offset, data=data)
            first = None
            offset += len(data)

    @rpc
    async def GetDownloadUrl(
        self, request: file_pb2.GetDownloadUrlRequest, context: Ctx
    ) -> file_pb2.GetDownloadUrlResponse:
        ident = self.authn.caller(context)
        file = await self.files.get(ident.user_id, request.file_id)
        self.files.span(file, request.thumbnail, 0, 0)
        if not self.base_url:
            raise precondition(
                R.ERROR_REASON_FILE_URLS_DISABLED,
                "this server serves no signed URLs: set web.enabled (or files.public_url); "
                "Download streams the bytes",
            )
        url, expire_ms = self.files.signer.sign(self.base_url, file.file_id, request.thumbnail)
        return file_pb2.GetDownloadUrlResponse(url=url, expire_time_ms=expire_ms)
