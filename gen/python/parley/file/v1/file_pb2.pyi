from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class FileInfo(_message.Message):
    __slots__ = ("file_id", "name", "size", "mime_type", "sha256", "uploader_id", "create_time_ms", "width", "height", "placeholder", "thumbnail_size")
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    MIME_TYPE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    UPLOADER_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    PLACEHOLDER_FIELD_NUMBER: _ClassVar[int]
    THUMBNAIL_SIZE_FIELD_NUMBER: _ClassVar[int]
    file_id: str
    name: str
    size: int
    mime_type: str
    sha256: str
    uploader_id: str
    create_time_ms: int
    width: int
    height: int
    placeholder: str
    thumbnail_size: int
    def __init__(self, file_id: _Optional[str] = ..., name: _Optional[str] = ..., size: _Optional[int] = ..., mime_type: _Optional[str] = ..., sha256: _Optional[str] = ..., uploader_id: _Optional[str] = ..., create_time_ms: _Optional[int] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., placeholder: _Optional[str] = ..., thumbnail_size: _Optional[int] = ...) -> None: ...

class StartUploadRequest(_message.Message):
    __slots__ = ("name", "size", "sha256")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    name: str
    size: int
    sha256: str
    def __init__(self, name: _Optional[str] = ..., size: _Optional[int] = ..., sha256: _Optional[str] = ...) -> None: ...

class StartUploadResponse(_message.Message):
    __slots__ = ("upload_id", "committed_offset", "max_chunk_bytes")
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    COMMITTED_OFFSET_FIELD_NUMBER: _ClassVar[int]
    MAX_CHUNK_BYTES_FIELD_NUMBER: _ClassVar[int]
    upload_id: str
    committed_offset: int
    max_chunk_bytes: int
    def __init__(self, upload_id: _Optional[str] = ..., committed_offset: _Optional[int] = ..., max_chunk_bytes: _Optional[int] = ...) -> None: ...

class UploadChunksRequest(_message.Message):
    __slots__ = ("upload_id", "offset", "data")
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    upload_id: str
    offset: int
    data: bytes
    def __init__(self, upload_id: _Optional[str] = ..., offset: _Optional[int] = ..., data: _Optional[bytes] = ...) -> None: ...

class UploadChunksResponse(_message.Message):
    __slots__ = ("committed_offset", "file")
    COMMITTED_OFFSET_FIELD_NUMBER: _ClassVar[int]
    FILE_FIELD_NUMBER: _ClassVar[int]
    committed_offset: int
    file: FileInfo
    def __init__(self, committed_offset: _Optional[int] = ..., file: _Optional[_Union[FileInfo, _Mapping]] = ...) -> None: ...

class GetUploadStatusRequest(_message.Message):
    __slots__ = ("upload_id",)
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    upload_id: str
    def __init__(self, upload_id: _Optional[str] = ...) -> None: ...

class GetUploadStatusResponse(_message.Message):
    __slots__ = ("committed_offset", "size", "file")
    COMMITTED_OFFSET_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    FILE_FIELD_NUMBER: _ClassVar[int]
    committed_offset: int
    size: int
    file: FileInfo
    def __init__(self, committed_offset: _Optional[int] = ..., size: _Optional[int] = ..., file: _Optional[_Union[FileInfo, _Mapping]] = ...) -> None: ...

class GetFileRequest(_message.Message):
    __slots__ = ("file_id",)
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    file_id: str
    def __init__(self, file_id: _Optional[str] = ...) -> None: ...

class GetFileResponse(_message.Message):
    __slots__ = ("file",)
    FILE_FIELD_NUMBER: _ClassVar[int]
    file: FileInfo
    def __init__(self, file: _Optional[_Union[FileInfo, _Mapping]] = ...) -> None: ...

class DownloadRequest(_message.Message):
    __slots__ = ("file_id", "offset", "length", "thumbnail")
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    LENGTH_FIELD_NUMBER: _ClassVar[int]
    THUMBNAIL_FIELD_NUMBER: _ClassVar[int]
    file_id: str
    offset: int
    length: int
    thumbnail: bool
    def __init__(self, file_id: _Optional[str] = ..., offset: _Optional[int] = ..., length: _Optional[int] = ..., thumbnail: _Optional[bool] = ...) -> None: ...

class DownloadResponse(_message.Message):
    __slots__ = ("file", "offset", "data")
    FILE_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    file: FileInfo
    offset: int
    data: bytes
    def __init__(self, file: _Optional[_Union[FileInfo, _Mapping]] = ..., offset: _Optional[int] = ..., data: _Optional[bytes] = ...) -> None: ...

class GetDownloadUrlRequest(_message.Message):
    __slots__ = ("file_id", "thumbnail")
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    THUMBNAIL_FIELD_NUMBER: _ClassVar[int]
    file_id: str
    thumbnail: bool
    def __init__(self, file_id: _Optional[str] = ..., thumbnail: _Optional[bool] = ...) -> None: ...

class GetDownloadUrlResponse(_message.Message):
    __slots__ = ("url", "expire_time_ms")
    URL_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    url: str
    expire_time_ms: int
    def __init__(self, url: _Optional[str] = ..., expire_time_ms: _Optional[int] = ...) -> None: ...
