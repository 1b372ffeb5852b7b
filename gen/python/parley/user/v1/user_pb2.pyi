from parley.common.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class UserInfo(_message.Message):
    __slots__ = ("user_id", "nickname", "avatar_url", "extension", "create_time_ms", "global_receive_option")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    NICKNAME_FIELD_NUMBER: _ClassVar[int]
    AVATAR_URL_FIELD_NUMBER: _ClassVar[int]
    EXTENSION_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_RECEIVE_OPTION_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    nickname: str
    avatar_url: str
    extension: str
    create_time_ms: int
    global_receive_option: _common_pb2.ReceiveOption
    def __init__(self, user_id: _Optional[str] = ..., nickname: _Optional[str] = ..., avatar_url: _Optional[str] = ..., extension: _Optional[str] = ..., create_time_ms: _Optional[int] = ..., global_receive_option: _Optional[_Union[_common_pb2.ReceiveOption, str]] = ...) -> None: ...

class OnlineStatus(_message.Message):
    __slots__ = ("user_id", "online", "platforms")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ONLINE_FIELD_NUMBER: _ClassVar[int]
    PLATFORMS_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    online: bool
    platforms: _containers.RepeatedScalarFieldContainer[_common_pb2.Platform]
    def __init__(self, user_id: _Optional[str] = ..., online: _Optional[bool] = ..., platforms: _Optional[_Iterable[_Union[_common_pb2.Platform, str]]] = ...) -> None: ...

class RegisterUsersRequest(_message.Message):
    __slots__ = ("users", "skip_existing", "idempotency_key")
    USERS_FIELD_NUMBER: _ClassVar[int]
    SKIP_EXISTING_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    users: _containers.RepeatedCompositeFieldContainer[UserInfo]
    skip_existing: bool
    idempotency_key: str
    def __init__(self, users: _Optional[_Iterable[_Union[UserInfo, _Mapping]]] = ..., skip_existing: _Optional[bool] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class RegisterUsersResponse(_message.Message):
    __slots__ = ("created_user_ids", "skipped_user_ids")
    CREATED_USER_IDS_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_USER_IDS_FIELD_NUMBER: _ClassVar[int]
    created_user_ids: _containers.RepeatedScalarFieldContainer[str]
    skipped_user_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, created_user_ids: _Optional[_Iterable[str]] = ..., skipped_user_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class GetUsersRequest(_message.Message):
    __slots__ = ("user_ids",)
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    user_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, user_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class GetUsersResponse(_message.Message):
    __slots__ = ("users",)
    USERS_FIELD_NUMBER: _ClassVar[int]
    users: _containers.RepeatedCompositeFieldContainer[UserInfo]
    def __init__(self, users: _Optional[_Iterable[_Union[UserInfo, _Mapping]]] = ...) -> None: ...

class UpdateProfileRequest(_message.Message):
    __slots__ = ("nickname", "avatar_url", "extension")
    NICKNAME_FIELD_NUMBER: _ClassVar[int]
    AVATAR_URL_FIELD_NUMBER: _ClassVar[int]
    EXTENSION_FIELD_NUMBER: _ClassVar[int]
    nickname: str
    avatar_url: str
    extension: str
    def __init__(self, nickname: _Optional[str] = ..., avatar_url: _Optional[str] = ..., extension: _Optional[str] = ...) -> None: ...

class UpdateProfileResponse(_message.Message):
    __slots__ = ("user",)
    USER_FIELD_NUMBER: _ClassVar[int]
    user: UserInfo
    def __init__(self, user: _Optional[_Union[UserInfo, _Mapping]] = ...) -> None: ...

class SearchUsersRequest(_message.Message):
    __slots__ = ("keyword", "page")
    KEYWORD_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    keyword: str
    page: _common_pb2.PageRequest
    def __init__(self, keyword: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class SearchUsersResponse(_message.Message):
    __slots__ = ("users", "page")
    USERS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    users: _containers.RepeatedCompositeFieldContainer[UserInfo]
    page: _common_pb2.PageResponse
    def __init__(self, users: _Optional[_Iterable[_Union[UserInfo, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class GetOnlineStatusRequest(_message.Message):
    __slots__ = ("user_ids",)
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    user_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, user_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class GetOnlineStatusResponse(_message.Message):
    __slots__ = ("statuses",)
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    statuses: _containers.RepeatedCompositeFieldContainer[OnlineStatus]
    def __init__(self, statuses: _Optional[_Iterable[_Union[OnlineStatus, _Mapping]]] = ...) -> None: ...

class SubscribeOnlineStatusRequest(_message.Message):
    __slots__ = ("subscribe_user_ids", "unsubscribe_user_ids", "device_id")
    SUBSCRIBE_USER_IDS_FIELD_NUMBER: _ClassVar[int]
    UNSUBSCRIBE_USER_IDS_FIELD_NUMBER: _ClassVar[int]
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    subscribe_user_ids: _containers.RepeatedScalarFieldContainer[str]
    unsubscribe_user_ids: _containers.RepeatedScalarFieldContainer[str]
    device_id: str
    def __init__(self, subscribe_user_ids: _Optional[_Iterable[str]] = ..., unsubscribe_user_ids: _Optional[_Iterable[str]] = ..., device_id: _Optional[str] = ...) -> None: ...

class SubscribeOnlineStatusResponse(_message.Message):
    __slots__ = ("statuses",)
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    statuses: _containers.RepeatedCompositeFieldContainer[OnlineStatus]
    def __init__(self, statuses: _Optional[_Iterable[_Union[OnlineStatus, _Mapping]]] = ...) -> None: ...

class SetGlobalReceiveOptionRequest(_message.Message):
    __slots__ = ("option",)
    OPTION_FIELD_NUMBER: _ClassVar[int]
    option: _common_pb2.ReceiveOption
    def __init__(self, option: _Optional[_Union[_common_pb2.ReceiveOption, str]] = ...) -> None: ...

class SetGlobalReceiveOptionResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
