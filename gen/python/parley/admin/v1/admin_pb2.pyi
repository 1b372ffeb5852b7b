from parley.common.v1 import common_pb2 as _common_pb2
from parley.group.v1 import group_pb2 as _group_pb2
from parley.msg.v1 import message_pb2 as _message_pb2
from parley.user.v1 import user_pb2 as _user_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DayStatistics(_message.Message):
    __slots__ = ("date", "total_users", "new_users", "active_users", "single_messages", "group_messages", "groups_created", "active_groups")
    DATE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_USERS_FIELD_NUMBER: _ClassVar[int]
    NEW_USERS_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_USERS_FIELD_NUMBER: _ClassVar[int]
    SINGLE_MESSAGES_FIELD_NUMBER: _ClassVar[int]
    GROUP_MESSAGES_FIELD_NUMBER: _ClassVar[int]
    GROUPS_CREATED_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_GROUPS_FIELD_NUMBER: _ClassVar[int]
    date: str
    total_users: int
    new_users: int
    active_users: int
    single_messages: int
    group_messages: int
    groups_created: int
    active_groups: int
    def __init__(self, date: _Optional[str] = ..., total_users: _Optional[int] = ..., new_users: _Optional[int] = ..., active_users: _Optional[int] = ..., single_messages: _Optional[int] = ..., group_messages: _Optional[int] = ..., groups_created: _Optional[int] = ..., active_groups: _Optional[int] = ...) -> None: ...

class Device(_message.Message):
    __slots__ = ("device_id", "platform", "sdk_version", "connect_time_ms", "node_id")
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    SDK_VERSION_FIELD_NUMBER: _ClassVar[int]
    CONNECT_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    device_id: str
    platform: _common_pb2.Platform
    sdk_version: str
    connect_time_ms: int
    node_id: str
    def __init__(self, device_id: _Optional[str] = ..., platform: _Optional[_Union[_common_pb2.Platform, str]] = ..., sdk_version: _Optional[str] = ..., connect_time_ms: _Optional[int] = ..., node_id: _Optional[str] = ...) -> None: ...

class AdminUser(_message.Message):
    __slots__ = ("user", "blocked", "devices", "last_active_time_ms")
    USER_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_FIELD_NUMBER: _ClassVar[int]
    DEVICES_FIELD_NUMBER: _ClassVar[int]
    LAST_ACTIVE_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    user: _user_pb2.UserInfo
    blocked: bool
    devices: _containers.RepeatedCompositeFieldContainer[Device]
    last_active_time_ms: int
    def __init__(self, user: _Optional[_Union[_user_pb2.UserInfo, _Mapping]] = ..., blocked: _Optional[bool] = ..., devices: _Optional[_Iterable[_Union[Device, _Mapping]]] = ..., last_active_time_ms: _Optional[int] = ...) -> None: ...

class GetStatisticsRequest(_message.Message):
    __slots__ = ("start_date", "end_date")
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    start_date: str
    end_date: str
    def __init__(self, start_date: _Optional[str] = ..., end_date: _Optional[str] = ...) -> None: ...

class GetStatisticsResponse(_message.Message):
    __slots__ = ("days", "online_users", "open_streams", "total_users", "file_bytes", "top_storage_users", "streams_by_platform")
    DAYS_FIELD_NUMBER: _ClassVar[int]
    ONLINE_USERS_FIELD_NUMBER: _ClassVar[int]
    OPEN_STREAMS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_USERS_FIELD_NUMBER: _ClassVar[int]
    FILE_BYTES_FIELD_NUMBER: _ClassVar[int]
    TOP_STORAGE_USERS_FIELD_NUMBER: _ClassVar[int]
    STREAMS_BY_PLATFORM_FIELD_NUMBER: _ClassVar[int]
    days: _containers.RepeatedCompositeFieldContainer[DayStatistics]
    online_users: int
    open_streams: int
    total_users: int
    file_bytes: int
    top_storage_users: _containers.RepeatedCompositeFieldContainer[UserStorage]
    streams_by_platform: _containers.RepeatedCompositeFieldContainer[PlatformStreams]
    def __init__(self, days: _Optional[_Iterable[_Union[DayStatistics, _Mapping]]] = ..., online_users: _Optional[int] = ..., open_streams: _Optional[int] = ..., total_users: _Optional[int] = ..., file_bytes: _Optional[int] = ..., top_storage_users: _Optional[_Iterable[_Union[UserStorage, _Mapping]]] = ..., streams_by_platform: _Optional[_Iterable[_Union[PlatformStreams, _Mapping]]] = ...) -> None: ...

class PlatformStreams(_message.Message):
    __slots__ = ("platform", "streams")
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    STREAMS_FIELD_NUMBER: _ClassVar[int]
    platform: _common_pb2.Platform
    streams: int
    def __init__(self, platform: _Optional[_Union[_common_pb2.Platform, str]] = ..., streams: _Optional[int] = ...) -> None: ...

class UserStorage(_message.Message):
    __slots__ = ("user_id", "bytes")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    BYTES_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    bytes: int
    def __init__(self, user_id: _Optional[str] = ..., bytes: _Optional[int] = ...) -> None: ...

class ListUsersRequest(_message.Message):
    __slots__ = ("keyword", "page", "blocked_only")
    KEYWORD_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    BLOCKED_ONLY_FIELD_NUMBER: _ClassVar[int]
    keyword: str
    page: _common_pb2.PageRequest
    blocked_only: bool
    def __init__(self, keyword: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., blocked_only: _Optional[bool] = ...) -> None: ...

class ListUsersResponse(_message.Message):
    __slots__ = ("users", "page")
    USERS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    users: _containers.RepeatedCompositeFieldContainer[AdminUser]
    page: _common_pb2.PageResponse
    def __init__(self, users: _Optional[_Iterable[_Union[AdminUser, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class GetUserRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class GetUserResponse(_message.Message):
    __slots__ = ("user",)
    USER_FIELD_NUMBER: _ClassVar[int]
    user: AdminUser
    def __init__(self, user: _Optional[_Union[AdminUser, _Mapping]] = ...) -> None: ...

class BlockUserRequest(_message.Message):
    __slots__ = ("user_id", "reason")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    reason: str
    def __init__(self, user_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class BlockUserResponse(_message.Message):
    __slots__ = ("closed_streams",)
    CLOSED_STREAMS_FIELD_NUMBER: _ClassVar[int]
    closed_streams: int
    def __init__(self, closed_streams: _Optional[int] = ...) -> None: ...

class UnblockUserRequest(_message.Message):
    __slots__ = ("user_id",)
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    def __init__(self, user_id: _Optional[str] = ...) -> None: ...

class UnblockUserResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

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

class SendSystemNotificationRequest(_message.Message):
    __slots__ = ("user_ids", "all_users", "title", "text", "url", "extension", "idempotency_key")
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    ALL_USERS_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    EXTENSION_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    user_ids: _containers.RepeatedScalarFieldContainer[str]
    all_users: bool
    title: str
    text: str
    url: str
    extension: str
    idempotency_key: str
    def __init__(self, user_ids: _Optional[_Iterable[str]] = ..., all_users: _Optional[bool] = ..., title: _Optional[str] = ..., text: _Optional[str] = ..., url: _Optional[str] = ..., extension: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class SendSystemNotificationResponse(_message.Message):
    __slots__ = ("delivered_users",)
    DELIVERED_USERS_FIELD_NUMBER: _ClassVar[int]
    delivered_users: int
    def __init__(self, delivered_users: _Optional[int] = ...) -> None: ...

class ListConversationMessagesRequest(_message.Message):
    __slots__ = ("conversation_id", "user_ids", "before_seq", "limit")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    BEFORE_SEQ_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    user_ids: _containers.RepeatedScalarFieldContainer[str]
    before_seq: int
    limit: int
    def __init__(self, conversation_id: _Optional[str] = ..., user_ids: _Optional[_Iterable[str]] = ..., before_seq: _Optional[int] = ..., limit: _Optional[int] = ...) -> None: ...

class ListConversationMessagesResponse(_message.Message):
    __slots__ = ("conversation_id", "messages", "max_seq")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    MAX_SEQ_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    messages: _containers.RepeatedCompositeFieldContainer[_message_pb2.Message]
    max_seq: int
    def __init__(self, conversation_id: _Optional[str] = ..., messages: _Optional[_Iterable[_Union[_message_pb2.Message, _Mapping]]] = ..., max_seq: _Optional[int] = ...) -> None: ...

class GetServerInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetServerInfoResponse(_message.Message):
    __slots__ = ("version", "mode", "node_id", "role", "peer_node_ids", "start_time_ms", "health_status", "worker_node_ids")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    PEER_NODE_IDS_FIELD_NUMBER: _ClassVar[int]
    START_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    HEALTH_STATUS_FIELD_NUMBER: _ClassVar[int]
    WORKER_NODE_IDS_FIELD_NUMBER: _ClassVar[int]
    version: str
    mode: str
    node_id: str
    role: str
    peer_node_ids: _containers.RepeatedScalarFieldContainer[str]
    start_time_ms: int
    health_status: str
    worker_node_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, version: _Optional[str] = ..., mode: _Optional[str] = ..., node_id: _Optional[str] = ..., role: _Optional[str] = ..., peer_node_ids: _Optional[_Iterable[str]] = ..., start_time_ms: _Optional[int] = ..., health_status: _Optional[str] = ..., worker_node_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class SearchGroupsRequest(_message.Message):
    __slots__ = ("keyword", "page")
    KEYWORD_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    keyword: str
    page: _common_pb2.PageRequest
    def __init__(self, keyword: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class SearchGroupsResponse(_message.Message):
    __slots__ = ("groups", "page")
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    groups: _containers.RepeatedCompositeFieldContainer[_group_pb2.GroupInfo]
    page: _common_pb2.PageResponse
    def __init__(self, groups: _Optional[_Iterable[_Union[_group_pb2.GroupInfo, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class ListGroupMembersRequest(_message.Message):
    __slots__ = ("group_id", "page")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    page: _common_pb2.PageRequest
    def __init__(self, group_id: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListGroupMembersResponse(_message.Message):
    __slots__ = ("group", "members", "page")
    GROUP_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    group: _group_pb2.GroupInfo
    members: _containers.RepeatedCompositeFieldContainer[_group_pb2.GroupMember]
    page: _common_pb2.PageResponse
    def __init__(self, group: _Optional[_Union[_group_pb2.GroupInfo, _Mapping]] = ..., members: _Optional[_Iterable[_Union[_group_pb2.GroupMember, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class MuteGroupMemberRequest(_message.Message):
    __slots__ = ("group_id", "user_id", "duration_seconds")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    user_id: str
    duration_seconds: int
    def __init__(self, group_id: _Optional[str] = ..., user_id: _Optional[str] = ..., duration_seconds: _Optional[int] = ...) -> None: ...

class MuteGroupMemberResponse(_message.Message):
    __slots__ = ("mute_end_time_ms",)
    MUTE_END_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    mute_end_time_ms: int
    def __init__(self, mute_end_time_ms: _Optional[int] = ...) -> None: ...

class MuteGroupRequest(_message.Message):
    __slots__ = ("group_id", "muted")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    MUTED_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    muted: bool
    def __init__(self, group_id: _Optional[str] = ..., muted: _Optional[bool] = ...) -> None: ...

class MuteGroupResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DismissGroupRequest(_message.Message):
    __slots__ = ("group_id",)
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    def __init__(self, group_id: _Optional[str] = ...) -> None: ...

class DismissGroupResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class TransferGroupOwnerRequest(_message.Message):
    __slots__ = ("group_id", "new_owner_user_id")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    NEW_OWNER_USER_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    new_owner_user_id: str
    def __init__(self, group_id: _Optional[str] = ..., new_owner_user_id: _Optional[str] = ...) -> None: ...

class TransferGroupOwnerResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
