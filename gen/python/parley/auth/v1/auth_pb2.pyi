from parley.common.v1 import common_pb2 as _common_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetAdminTokenRequest(_message.Message):
    __slots__ = ("secret", "admin_id")
    SECRET_FIELD_NUMBER: _ClassVar[int]
    ADMIN_ID_FIELD_NUMBER: _ClassVar[int]
    secret: str
    admin_id: str
    def __init__(self, secret: _Optional[str] = ..., admin_id: _Optional[str] = ...) -> None: ...

class GetAdminTokenResponse(_message.Message):
    __slots__ = ("token", "expire_time_ms")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    token: str
    expire_time_ms: int
    def __init__(self, token: _Optional[str] = ..., expire_time_ms: _Optional[int] = ...) -> None: ...

class IssueUserTokenRequest(_message.Message):
    __slots__ = ("user_id", "platform", "ttl_seconds")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    TTL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    platform: _common_pb2.Platform
    ttl_seconds: int
    def __init__(self, user_id: _Optional[str] = ..., platform: _Optional[_Union[_common_pb2.Platform, str]] = ..., ttl_seconds: _Optional[int] = ...) -> None: ...

class IssueUserTokenResponse(_message.Message):
    __slots__ = ("token", "expire_time_ms")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    token: str
    expire_time_ms: int
    def __init__(self, token: _Optional[str] = ..., expire_time_ms: _Optional[int] = ...) -> None: ...

class ParseTokenRequest(_message.Message):
    __slots__ = ("token",)
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: str
    def __init__(self, token: _Optional[str] = ...) -> None: ...

class ParseTokenResponse(_message.Message):
    __slots__ = ("user_id", "platform", "expire_time_ms", "is_admin")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    IS_ADMIN_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    platform: _common_pb2.Platform
    expire_time_ms: int
    is_admin: bool
    def __init__(self, user_id: _Optional[str] = ..., platform: _Optional[_Union[_common_pb2.Platform, str]] = ..., expire_time_ms: _Optional[int] = ..., is_admin: _Optional[bool] = ...) -> None: ...

class ForceLogoutRequest(_message.Message):
    __slots__ = ("user_id", "platform")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    platform: _common_pb2.Platform
    def __init__(self, user_id: _Optional[str] = ..., platform: _Optional[_Union[_common_pb2.Platform, str]] = ...) -> None: ...

class ForceLogoutResponse(_message.Message):
    __slots__ = ("closed_streams",)
    CLOSED_STREAMS_FIELD_NUMBER: _ClassVar[int]
    closed_streams: int
    def __init__(self, closed_streams: _Optional[int] = ...) -> None: ...

class InvalidateTokenRequest(_message.Message):
    __slots__ = ("token",)
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: str
    def __init__(self, token: _Optional[str] = ...) -> None: ...

class InvalidateTokenResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
