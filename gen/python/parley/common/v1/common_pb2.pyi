from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class Platform(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PLATFORM_UNSPECIFIED: _ClassVar[Platform]
    PLATFORM_IOS: _ClassVar[Platform]
    PLATFORM_ANDROID: _ClassVar[Platform]
    PLATFORM_WINDOWS: _ClassVar[Platform]
    PLATFORM_MACOS: _ClassVar[Platform]
    PLATFORM_LINUX: _ClassVar[Platform]
    PLATFORM_WEB: _ClassVar[Platform]
    PLATFORM_MINI_PROGRAM: _ClassVar[Platform]
    PLATFORM_IPAD: _ClassVar[Platform]
    PLATFORM_ANDROID_PAD: _ClassVar[Platform]
    PLATFORM_ADMIN: _ClassVar[Platform]

class SessionType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SESSION_TYPE_UNSPECIFIED: _ClassVar[SessionType]
    SESSION_TYPE_SINGLE: _ClassVar[SessionType]
    SESSION_TYPE_GROUP: _ClassVar[SessionType]
    SESSION_TYPE_NOTIFICATION: _ClassVar[SessionType]

class ReceiveOption(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RECEIVE_OPTION_UNSPECIFIED: _ClassVar[ReceiveOption]
    RECEIVE_OPTION_NORMAL: _ClassVar[ReceiveOption]
    RECEIVE_OPTION_NO_NOTIFY: _ClassVar[ReceiveOption]
    RECEIVE_OPTION_NOT_RECEIVE: _ClassVar[ReceiveOption]

class ErrorReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ERROR_REASON_UNSPECIFIED: _ClassVar[ErrorReason]
    ERROR_REASON_INTERNAL: _ClassVar[ErrorReason]
    ERROR_REASON_INVALID_ARGUMENT: _ClassVar[ErrorReason]
    ERROR_REASON_TOKEN_MISSING: _ClassVar[ErrorReason]
    ERROR_REASON_TOKEN_INVALID: _ClassVar[ErrorReason]
    ERROR_REASON_TOKEN_EXPIRED: _ClassVar[ErrorReason]
    ERROR_REASON_TOKEN_REVOKED: _ClassVar[ErrorReason]
    ERROR_REASON_ADMIN_REQUIRED: _ClassVar[ErrorReason]
    ERROR_REASON_SECRET_INVALID: _ClassVar[ErrorReason]
    ERROR_REASON_USER_NOT_FOUND: _ClassVar[ErrorReason]
    ERROR_REASON_USER_EXISTS: _ClassVar[ErrorReason]
    ERROR_REASON_USER_BLOCKED: _ClassVar[ErrorReason]
    ERROR_REASON_CONVERSATION_NOT_FOUND: _ClassVar[ErrorReason]
    ERROR_REASON_MESSAGE_NOT_FOUND: _ClassVar[ErrorReason]
    ERROR_REASON_BLOCKED_BY_USER: _ClassVar[ErrorReason]
    ERROR_REASON_NOT_FRIENDS: _ClassVar[ErrorReason]
    ERROR_REASON_ALREADY_FRIENDS: _ClassVar[ErrorReason]
    ERROR_REASON_APPLICATION_NOT_FOUND: _ClassVar[ErrorReason]
    ERROR_REASON_GROUP_NOT_FOUND: _ClassVar[ErrorReason]
    ERROR_REASON_GROUP_DISMISSED: _ClassVar[ErrorReason]
    ERROR_REASON_NOT_GROUP_MEMBER: _ClassVar[ErrorReason]
    ERROR_REASON_ALREADY_GROUP_MEMBER: _ClassVar[ErrorReason]
    ERROR_REASON_GROUP_PERMISSION_DENIED: _ClassVar[ErrorReason]
    ERROR_REASON_MUTED: _ClassVar[ErrorReason]
    ERROR_REASON_JOIN_REQUEST_NOT_FOUND: _ClassVar[ErrorReason]
    ERROR_REASON_NOT_MESSAGE_SENDER: _ClassVar[ErrorReason]
    ERROR_REASON_REVOKE_WINDOW_PASSED: _ClassVar[ErrorReason]
    ERROR_REASON_MESSAGE_REVOKED: _ClassVar[ErrorReason]
    ERROR_REASON_CONTENT_INVALID: _ClassVar[ErrorReason]
    ERROR_REASON_CONTENT_TOO_LARGE: _ClassVar[ErrorReason]
    ERROR_REASON_FRAME_TOO_LARGE: _ClassVar[ErrorReason]
    ERROR_REASON_RATE_LIMITED: _ClassVar[ErrorReason]
    ERROR_REASON_SLOW_CONSUMER: _ClassVar[ErrorReason]
    ERROR_REASON_IDLE_TIMEOUT: _ClassVar[ErrorReason]
    ERROR_REASON_AUTH_REQUIRED: _ClassVar[ErrorReason]
    ERROR_REASON_SEQ_OUT_OF_RANGE: _ClassVar[ErrorReason]
    ERROR_REASON_SHUTTING_DOWN: _ClassVar[ErrorReason]
    ERROR_REASON_KICKED: _ClassVar[ErrorReason]
    ERROR_REASON_DENIED_BY_HOOK: _ClassVar[ErrorReason]
    ERROR_REASON_PERMISSION_DENIED: _ClassVar[ErrorReason]
    ERROR_REASON_UNIMPLEMENTED: _ClassVar[ErrorReason]
    ERROR_REASON_FAILED_PRECONDITION: _ClassVar[ErrorReason]
    ERROR_REASON_SELF_TARGET: _ClassVar[ErrorReason]
    ERROR_REASON_SESSION_NOT_FOUND: _ClassVar[ErrorReason]
    ERROR_REASON_IDEMPOTENCY_KEY_REUSED: _ClassVar[ErrorReason]
    ERROR_REASON_IDEMPOTENCY_KEY_IN_FLIGHT: _ClassVar[ErrorReason]
    ERROR_REASON_FILE_NOT_FOUND: _ClassVar[ErrorReason]
    ERROR_REASON_FILE_TOO_LARGE: _ClassVar[ErrorReason]
    ERROR_REASON_FILE_TYPE_NOT_ALLOWED: _ClassVar[ErrorReason]
    ERROR_REASON_FILE_HASH_MISMATCH: _ClassVar[ErrorReason]
    ERROR_REASON_UPLOAD_OFFSET_MISMATCH: _ClassVar[ErrorReason]
    ERROR_REASON_QUOTA_EXCEEDED: _ClassVar[ErrorReason]
    ERROR_REASON_UPLOAD_NOT_FOUND: _ClassVar[ErrorReason]
    ERROR_REASON_FILE_URL_INVALID: _ClassVar[ErrorReason]
    ERROR_REASON_GROUP_MODERATOR_NOT_MUTABLE: _ClassVar[ErrorReason]
    ERROR_REASON_FILE_URLS_DISABLED: _ClassVar[ErrorReason]
PLATFORM_UNSPECIFIED: Platform
PLATFORM_IOS: Platform
PLATFORM_ANDROID: Platform
PLATFORM_WINDOWS: Platform
PLATFORM_MACOS: Platform
PLATFORM_LINUX: Platform
PLATFORM_WEB: Platform
PLATFORM_MINI_PROGRAM: Platform
PLATFORM_IPAD: Platform
PLATFORM_ANDROID_PAD: Platform
PLATFORM_ADMIN: Platform
SESSION_TYPE_UNSPECIFIED: SessionType
SESSION_TYPE_SINGLE: SessionType
SESSION_TYPE_GROUP: SessionType
SESSION_TYPE_NOTIFICATION: SessionType
RECEIVE_OPTION_UNSPECIFIED: ReceiveOption
RECEIVE_OPTION_NORMAL: ReceiveOption
RECEIVE_OPTION_NO_NOTIFY: ReceiveOption
RECEIVE_OPTION_NOT_RECEIVE: ReceiveOption
ERROR_REASON_UNSPECIFIED: ErrorReason
ERROR_REASON_INTERNAL: ErrorReason
ERROR_REASON_INVALID_ARGUMENT: ErrorReason
ERROR_REASON_TOKEN_MISSING: ErrorReason
ERROR_REASON_TOKEN_INVALID: ErrorReason
ERROR_REASON_TOKEN_EXPIRED: ErrorReason
ERROR_REASON_TOKEN_REVOKED: ErrorReason
ERROR_REASON_ADMIN_REQUIRED: ErrorReason
ERROR_REASON_SECRET_INVALID: ErrorReason
ERROR_REASON_USER_NOT_FOUND: ErrorReason
ERROR_REASON_USER_EXISTS: ErrorReason
ERROR_REASON_USER_BLOCKED: ErrorReason
ERROR_REASON_CONVERSATION_NOT_FOUND: ErrorReason
ERROR_REASON_MESSAGE_NOT_FOUND: ErrorReason
ERROR_REASON_BLOCKED_BY_USER: ErrorReason
ERROR_REASON_NOT_FRIENDS: ErrorReason
ERROR_REASON_ALREADY_FRIENDS: ErrorReason
ERROR_REASON_APPLICATION_NOT_FOUND: ErrorReason
ERROR_REASON_GROUP_NOT_FOUND: ErrorReason
ERROR_REASON_GROUP_DISMISSED: ErrorReason
ERROR_REASON_NOT_GROUP_MEMBER: ErrorReason
ERROR_REASON_ALREADY_GROUP_MEMBER: ErrorReason
ERROR_REASON_GROUP_PERMISSION_DENIED: ErrorReason
ERROR_REASON_MUTED: ErrorReason
ERROR_REASON_JOIN_REQUEST_NOT_FOUND: ErrorReason
ERROR_REASON_NOT_MESSAGE_SENDER: ErrorReason
ERROR_REASON_REVOKE_WINDOW_PASSED: ErrorReason
ERROR_REASON_MESSAGE_REVOKED: ErrorReason
ERROR_REASON_CONTENT_INVALID: ErrorReason
ERROR_REASON_CONTENT_TOO_LARGE: ErrorReason
ERROR_REASON_FRAME_TOO_LARGE: ErrorReason
ERROR_REASON_RATE_LIMITED: ErrorReason
ERROR_REASON_SLOW_CONSUMER: ErrorReason
ERROR_REASON_IDLE_TIMEOUT: ErrorReason
ERROR_REASON_AUTH_REQUIRED: ErrorReason
ERROR_REASON_SEQ_OUT_OF_RANGE: ErrorReason
ERROR_REASON_SHUTTING_DOWN: ErrorReason
ERROR_REASON_KICKED: ErrorReason
ERROR_REASON_DENIED_BY_HOOK: ErrorReason
ERROR_REASON_PERMISSION_DENIED: ErrorReason
ERROR_REASON_UNIMPLEMENTED: ErrorReason
ERROR_REASON_FAILED_PRECONDITION: ErrorReason
ERROR_REASON_SELF_TARGET: ErrorReason
ERROR_REASON_SESSION_NOT_FOUND: ErrorReason
ERROR_REASON_IDEMPOTENCY_KEY_REUSED: ErrorReason
ERROR_REASON_IDEMPOTENCY_KEY_IN_FLIGHT: ErrorReason
ERROR_REASON_FILE_NOT_FOUND: ErrorReason
ERROR_REASON_FILE_TOO_LARGE: ErrorReason
ERROR_REASON_FILE_TYPE_NOT_ALLOWED: ErrorReason
ERROR_REASON_FILE_HASH_MISMATCH: ErrorReason
ERROR_REASON_UPLOAD_OFFSET_MISMATCH: ErrorReason
ERROR_REASON_QUOTA_EXCEEDED: ErrorReason
ERROR_REASON_UPLOAD_NOT_FOUND: ErrorReason
ERROR_REASON_FILE_URL_INVALID: ErrorReason
ERROR_REASON_GROUP_MODERATOR_NOT_MUTABLE: ErrorReason
ERROR_REASON_FILE_URLS_DISABLED: ErrorReason

class PageRequest(_message.Message):
    __slots__ = ("page_token", "page_size")
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    page_token: str
    page_size: int
    def __init__(self, page_token: _Optional[str] = ..., page_size: _Optional[int] = ...) -> None: ...

class PageResponse(_message.Message):
    __slots__ = ("next_page_token", "total")
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    next_page_token: str
    total: int
    def __init__(self, next_page_token: _Optional[str] = ..., total: _Optional[int] = ...) -> None: ...
