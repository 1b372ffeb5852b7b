from parley.common.v1 import common_pb2 as _common_pb2
from parley.user.v1 import user_pb2 as _user_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ApplicationState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    APPLICATION_STATE_UNSPECIFIED: _ClassVar[ApplicationState]
    APPLICATION_STATE_PENDING: _ClassVar[ApplicationState]
    APPLICATION_STATE_ACCEPTED: _ClassVar[ApplicationState]
    APPLICATION_STATE_REFUSED: _ClassVar[ApplicationState]

class ApplicationDirection(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    APPLICATION_DIRECTION_UNSPECIFIED: _ClassVar[ApplicationDirection]
    APPLICATION_DIRECTION_RECEIVED: _ClassVar[ApplicationDirection]
    APPLICATION_DIRECTION_SENT: _ClassVar[ApplicationDirection]
APPLICATION_STATE_UNSPECIFIED: ApplicationState
APPLICATION_STATE_PENDING: ApplicationState
APPLICATION_STATE_ACCEPTED: ApplicationState
APPLICATION_STATE_REFUSED: ApplicationState
APPLICATION_DIRECTION_UNSPECIFIED: ApplicationDirection
APPLICATION_DIRECTION_RECEIVED: ApplicationDirection
APPLICATION_DIRECTION_SENT: ApplicationDirection

class FriendApplication(_message.Message):
    __slots__ = ("from_user_id", "to_user_id", "message", "state", "response_message", "create_time_ms", "handle_time_ms", "other")
    FROM_USER_ID_FIELD_NUMBER: _ClassVar[int]
    TO_USER_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    HANDLE_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    OTHER_FIELD_NUMBER: _ClassVar[int]
    from_user_id: str
    to_user_id: str
    message: str
    state: ApplicationState
    response_message: str
    create_time_ms: int
    handle_time_ms: int
    other: _user_pb2.UserInfo
    def __init__(self, from_user_id: _Optional[str] = ..., to_user_id: _Optional[str] = ..., message: _Optional[str] = ..., state: _Optional[_Union[ApplicationState, str]] = ..., response_message: _Optional[str] = ..., create_time_ms: _Optional[int] = ..., handle_time_ms: _Optional[int] = ..., other: _Optional[_Union[_user_pb2.UserInfo, _Mapping]] = ...) -> None: ...

class Friend(_message.Message):
    __slots__ = ("user", "remark", "create_time_ms")
    USER_FIELD_NUMBER: _ClassVar[int]
    REMARK_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    user: _user_pb2.UserInfo
    remark: str
    create_time_ms: int
    def __init__(self, user: _Optional[_Union[_user_pb2.UserInfo, _Mapping]] = ..., remark: _Optional[str] = ..., create_time_ms: _Optional[int] = ...) -> None: ...

class BlockedUser(_message.Message):
    __slots__ = ("user", "create_time_ms")
    USER_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    user: _user_pb2.UserInfo
    create_time_ms: int
    def __init__(self, user: _Optional[_Union[_user_pb2.UserInfo, _Mapping]] = ..., create_time_ms: _Optional[int] = ...) -> None: ...

class ApplyFriendRequest(_message.Message):
    __slots__ = ("to_user_id", "message", "idempotency_key")
    TO_USER_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    to_user_id: str
    message: str
    idempotency_key: str
    def __init__(self, to_user_id: _Optional[str] = ..., message: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ApplyFriendResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListFriendApplicationsRequest(_message.Message):
    __slots__ = ("direction", "page")
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    direction: ApplicationDirection
    page: _common_pb2.PageRequest
    def __init__(self, direction: _Optional[_Union[ApplicationDirection, str]] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListFriendApplicationsResponse(_message.Message):
    __slots__ = ("applications", "page", "unhandled_count")
    APPLICATIONS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    UNHANDLED_COUNT_FIELD_NUMBER: _ClassVar[int]
    applications: _containers.RepeatedCompositeFieldContainer[FriendApplication]
    page: _common_pb2.PageResponse
    unhandled_count: int
    def __init__(self, applications: _Optional[_Iterable[_Union[FriendApplication, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageResponse, _Mapping]] = ..., unhandled_count: _Optional[int] = ...) -> None: ...

class RespondFriendApplicationRequest(_message.Message):
    __slots__ = ("from_user_id", "accept", "message")
    FROM_USER_ID_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    from_user_id: str
    accept: bool
    message: str
    def __init__(self, from_user_id: _Optional[str] = ..., accept: _Optional[bool] = ..., message: _Optional[str] = ...) -> None: ...

class RespondFriendApplicationResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListFriendsRequest(_message.Message):
    __slots__ = ("page",)
    PAGE_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListFriendsResponse(_message.Message):
    __slots__ = ("friends", "page")
    FRIENDS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    friends: _containers.RepeatedCompositeFieldContainer[Friend]
    page: _common_pb2.PageResponse
    def __init__(self, friends: _Optional[_Iterable[_Union[Friend, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class DeleteFriendRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class DeleteFriendResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SetFriendRemarkRequest(_message.Message):
    __slots__ = ("user_id", "remark")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    REMARK_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    remark: str
    def __init__(self, user_id: _Optional[str] = ..., remark: _Optional[str] = ...) -> None: ...

class SetFriendRemarkResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class IsFriendRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class IsFriendResponse(_message.Message):
    __slots__ = ("is_friend", "blocked_by_me")
    IS_FRIEND_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_BY_ME_FIELD_NUMBER: _ClassVar[int]
    is_friend: bool
    blocked_by_me: bool
    def __init__(self, is_friend: _Optional[bool] = ..., blocked_by_me: _Optional[bool] = ...) -> None: ...

class AddBlacklistRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class AddBlacklistResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RemoveBlacklistRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class RemoveBlacklistResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListBlacklistRequest(_message.Message):
    __slots__ = ("page",)
    PAGE_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListBlacklistResponse(_message.Message):
    __slots__ = ("users", "page")
    USERS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    users: _containers.RepeatedCompositeFieldContainer[BlockedUser]
    page: _common_pb2.PageResponse
    def __init__(self, users: _Optional[_Iterable[_Union[BlockedUser, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageResponse, _Mapping]] = ...) -> None: ...
