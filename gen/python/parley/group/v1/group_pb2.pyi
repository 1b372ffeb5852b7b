from parley.common.v1 import common_pb2 as _common_pb2
from parley.user.v1 import user_pb2 as _user_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class JoinPolicy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    JOIN_POLICY_UNSPECIFIED: _ClassVar[JoinPolicy]
    JOIN_POLICY_FREE: _ClassVar[JoinPolicy]
    JOIN_POLICY_APPROVAL: _ClassVar[JoinPolicy]
    JOIN_POLICY_INVITE_ONLY: _ClassVar[JoinPolicy]

class InvitePolicy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INVITE_POLICY_UNSPECIFIED: _ClassVar[InvitePolicy]
    INVITE_POLICY_ADMINS: _ClassVar[InvitePolicy]
    INVITE_POLICY_MEMBERS: _ClassVar[InvitePolicy]

class GroupRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GROUP_ROLE_UNSPECIFIED: _ClassVar[GroupRole]
    GROUP_ROLE_MEMBER: _ClassVar[GroupRole]
    GROUP_ROLE_ADMIN: _ClassVar[GroupRole]
    GROUP_ROLE_OWNER: _ClassVar[GroupRole]

class GroupStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GROUP_STATUS_UNSPECIFIED: _ClassVar[GroupStatus]
    GROUP_STATUS_ACTIVE: _ClassVar[GroupStatus]
    GROUP_STATUS_MUTED: _ClassVar[GroupStatus]
    GROUP_STATUS_DISMISSED: _ClassVar[GroupStatus]

class JoinRequestState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    JOIN_REQUEST_STATE_UNSPECIFIED: _ClassVar[JoinRequestState]
    JOIN_REQUEST_STATE_PENDING: _ClassVar[JoinRequestState]
    JOIN_REQUEST_STATE_ACCEPTED: _ClassVar[JoinRequestState]
    JOIN_REQUEST_STATE_REFUSED: _ClassVar[JoinRequestState]
JOIN_POLICY_UNSPECIFIED: JoinPolicy
JOIN_POLICY_FREE: JoinPolicy
JOIN_POLICY_APPROVAL: JoinPolicy
JOIN_POLICY_INVITE_ONLY: JoinPolicy
INVITE_POLICY_UNSPECIFIED: InvitePolicy
INVITE_POLICY_ADMINS: InvitePolicy
INVITE_POLICY_MEMBERS: InvitePolicy
GROUP_ROLE_UNSPECIFIED: GroupRole
GROUP_ROLE_MEMBER: GroupRole
GROUP_ROLE_ADMIN: GroupRole
GROUP_ROLE_OWNER: GroupRole
GROUP_STATUS_UNSPECIFIED: GroupStatus
GROUP_STATUS_ACTIVE: GroupStatus
GROUP_STATUS_MUTED: GroupStatus
GROUP_STATUS_DISMISSED: GroupStatus
JOIN_REQUEST_STATE_UNSPECIFIED: JoinRequestState
JOIN_REQUEST_STATE_PENDING: JoinRequestState
JOIN_REQUEST_STATE_ACCEPTED: JoinRequestState
JOIN_REQUEST_STATE_REFUSED: JoinRequestState

class GroupInfo(_message.Message):
    __slots__ = ("group_id", "name", "avatar_url", "intro", "announcement", "owner_user_id", "join_policy", "invite_policy", "status", "member_count", "extension", "creator_user_id", "create_time_ms", "conversation_id")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    AVATAR_URL_FIELD_NUMBER: _ClassVar[int]
    INTRO_FIELD_NUMBER: _ClassVar[int]
    ANNOUNCEMENT_FIELD_NUMBER: _ClassVar[int]
    OWNER_USER_ID_FIELD_NUMBER: _ClassVar[int]
    JOIN_POLICY_FIELD_NUMBER: _ClassVar[int]
    INVITE_POLICY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    MEMBER_COUNT_FIELD_NUMBER: _ClassVar[int]
    EXTENSION_FIELD_NUMBER: _ClassVar[int]
    CREATOR_USER_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    name: str
    avatar_url: str
    intro: str
    announcement: str
    owner_user_id: str
    join_policy: JoinPolicy
    invite_policy: InvitePolicy
    status: GroupStatus
    member_count: int
    extension: str
    creator_user_id: str
    create_time_ms: int
    conversation_id: str
    def __init__(self, group_id: _Optional[str] = ..., name: _Optional[str] = ..., avatar_url: _Optional[str] = ..., intro: _Optional[str] = ..., announcement: _Optional[str] = ..., owner_user_id: _Optional[str] = ..., join_policy: _Optional[_Union[JoinPolicy, str]] = ..., invite_policy: _Optional[_Union[InvitePolicy, str]] = ..., status: _Optional[_Union[GroupStatus, str]] = ..., member_count: _Optional[int] = ..., extension: _Optional[str] = ..., creator_user_id: _Optional[str] = ..., create_time_ms: _Optional[int] = ..., conversation_id: _Optional[str] = ...) -> None: ...

class GroupMember(_message.Message):
    __slots__ = ("group_id", "user", "role", "group_nickname", "join_time_ms", "mute_end_time_ms", "inviter_user_id")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    GROUP_NICKNAME_FIELD_NUMBER: _ClassVar[int]
    JOIN_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    MUTE_END_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    INVITER_USER_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    user: _user_pb2.UserInfo
    role: GroupRole
    group_nickname: str
    join_time_ms: int
    mute_end_time_ms: int
    inviter_user_id: str
    def __init__(self, group_id: _Optional[str] = ..., user: _Optional[_Union[_user_pb2.UserInfo, _Mapping]] = ..., role: _Optional[_Union[GroupRole, str]] = ..., group_nickname: _Optional[str] = ..., join_time_ms: _Optional[int] = ..., mute_end_time_ms: _Optional[int] = ..., inviter_user_id: _Optional[str] = ...) -> None: ...

class JoinRequest(_message.Message):
    __slots__ = ("group_id", "user", "message", "state", "create_time_ms", "handler_user_id")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    HANDLER_USER_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    user: _user_pb2.UserInfo
    message: str
    state: JoinRequestState
    create_time_ms: int
    handler_user_id: str
    def __init__(self, group_id: _Optional[str] = ..., user: _Optional[_Union[_user_pb2.UserInfo, _Mapping]] = ..., message: _Optional[str] = ..., state: _Optional[_Union[JoinRequestState, str]] = ..., create_time_ms: _Optional[int] = ..., handler_user_id: _Optional[str] = ...) -> None: ...

class CreateGroupRequest(_message.Message):
    __slots__ = ("name", "avatar_url", "intro", "member_user_ids", "admin_user_ids", "join_policy", "invite_policy", "extension", "idempotency_key")
    NAME_FIELD_NUMBER: _ClassVar[int]
    AVATAR_URL_FIELD_NUMBER: _ClassVar[int]
    INTRO_FIELD_NUMBER: _ClassVar[int]
    MEMBER_USER_IDS_FIELD_NUMBER: _ClassVar[int]
    ADMIN_USER_IDS_FIELD_NUMBER: _ClassVar[int]
    JOIN_POLICY_FIELD_NUMBER: _ClassVar[int]
    INVITE_POLICY_FIELD_NUMBER: _ClassVar[int]
    EXTENSION_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    name: str
    avatar_url: str
    intro: str
    member_user_ids: _containers.RepeatedScalarFieldContainer[str]
    admin_user_ids: _containers.RepeatedScalarFieldContainer[str]
    join_policy: JoinPolicy
    invite_policy: InvitePolicy
    extension: str
    idempotency_key: str
    def __init__(self, name: _Optional[str] = ..., avatar_url: _Optional[str] = ..., intro: _Optional[str] = ..., member_user_ids: _Optional[_Iterable[str]] = ..., admin_user_ids: _Optional[_Iterable[str]] = ..., join_policy: _Optional[_Union[JoinPolicy, str]] = ..., invite_policy: _Optional[_Union[InvitePolicy, str]] = ..., extension: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class CreateGroupResponse(_message.Message):
    __slots__ = ("group",)
    GROUP_FIELD_NUMBER: _ClassVar[int]
    group: GroupInfo
    def __init__(self, group: _Optional[_Union[GroupInfo, _Mapping]] = ...) -> None: ...

class GetGroupsRequest(_message.Message):
    __slots__ = ("group_ids",)
    GROUP_IDS_FIELD_NUMBER: _ClassVar[int]
    group_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, group_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class GetGroupsResponse(_message.Message):
    __slots__ = ("groups",)
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    groups: _containers.RepeatedCompositeFieldContainer[GroupInfo]
    def __init__(self, groups: _Optional[_Iterable[_Union[GroupInfo, _Mapping]]] = ...) -> None: ...

class SetGroupInfoRequest(_message.Message):
    __slots__ = ("group_id", "name", "avatar_url", "intro", "announcement", "join_policy", "invite_policy", "extension")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    AVATAR_URL_FIELD_NUMBER: _ClassVar[int]
    INTRO_FIELD_NUMBER: _ClassVar[int]
    ANNOUNCEMENT_FIELD_NUMBER: _ClassVar[int]
    JOIN_POLICY_FIELD_NUMBER: _ClassVar[int]
    INVITE_POLICY_FIELD_NUMBER: _ClassVar[int]
    EXTENSION_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    name: str
    avatar_url: str
    intro: str
    announcement: str
    join_policy: JoinPolicy
    invite_policy: InvitePolicy
    extension: str
    def __init__(self, group_id: _Optional[str] = ..., name: _Optional[str] = ..., avatar_url: _Optional[str] = ..., intro: _Optional[str] = ..., announcement: _Optional[str] = ..., join_policy: _Optional[_Union[JoinPolicy, str]] = ..., invite_policy: _Optional[_Union[InvitePolicy, str]] = ..., extension: _Optional[str] = ...) -> None: ...

class SetGroupInfoResponse(_message.Message):
    __slots__ = ("group",)
    GROUP_FIELD_NUMBER: _ClassVar[int]
    group: GroupInfo
    def __init__(self, group: _Optional[_Union[GroupInfo, _Mapping]] = ...) -> None: ...

class DismissGroupRequest(_message.Message):
    __slots__ = ("group_id",)
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    def __init__(self, group_id: _Optional[str] = ...) -> None: ...

class DismissGroupResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class TransferOwnerRequest(_message.Message):
    __slots__ = ("group_id", "new_owner_user_id")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    NEW_OWNER_USER_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    new_owner_user_id: str
    def __init__(self, group_id: _Optional[str] = ..., new_owner_user_id: _Optional[str] = ...) -> None: ...

class TransferOwnerResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RequestJoinGroupRequest(_message.Message):
    __slots__ = ("group_id", "message", "idempotency_key")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    message: str
    idempotency_key: str
    def __init__(self, group_id: _Optional[str] = ..., message: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class RequestJoinGroupResponse(_message.Message):
    __slots__ = ("joined",)
    JOINED_FIELD_NUMBER: _ClassVar[int]
    joined: bool
    def __init__(self, joined: _Optional[bool] = ...) -> None: ...

class ListJoinRequestsRequest(_message.Message):
    __slots__ = ("group_id", "page")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    page: _common_pb2.PageRequest
    def __init__(self, group_id: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListJoinRequestsResponse(_message.Message):
    __slots__ = ("requests", "page", "unhandled_count")
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    UNHANDLED_COUNT_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[JoinRequest]
    page: _common_pb2.PageResponse
    unhandled_count: int
    def __init__(self, requests: _Optional[_Iterable[_Union[JoinRequest, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageResponse, _Mapping]] = ..., unhandled_count: _Optional[int] = ...) -> None: ...

class RespondJoinRequestRequest(_message.Message):
    __slots__ = ("group_id", "user_id", "accept")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    user_id: str
    accept: bool
    def __init__(self, group_id: _Optional[str] = ..., user_id: _Optional[str] = ..., accept: _Optional[bool] = ...) -> None: ...

class RespondJoinRequestResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class InviteMembersRequest(_message.Message):
    __slots__ = ("group_id", "user_ids")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    user_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, group_id: _Optional[str] = ..., user_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class InviteMembersResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class KickMembersRequest(_message.Message):
    __slots__ = ("group_id", "user_ids", "reason")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    user_ids: _containers.RepeatedScalarFieldContainer[str]
    reason: str
    def __init__(self, group_id: _Optional[str] = ..., user_ids: _Optional[_Iterable[str]] = ..., reason: _Optional[str] = ...) -> None: ...

class KickMembersResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class QuitGroupRequest(_message.Message):
    __slots__ = ("group_id",)
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    def __init__(self, group_id: _Optional[str] = ...) -> None: ...

class QuitGroupResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListGroupMembersRequest(_message.Message):
    __slots__ = ("group_id", "page", "role")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    page: _common_pb2.PageRequest
    role: GroupRole
    def __init__(self, group_id: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., role: _Optional[_Union[GroupRole, str]] = ...) -> None: ...

class ListGroupMembersResponse(_message.Message):
    __slots__ = ("members", "page")
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    members: _containers.RepeatedCompositeFieldContainer[GroupMember]
    page: _common_pb2.PageResponse
    def __init__(self, members: _Optional[_Iterable[_Union[GroupMember, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class SetMemberRoleRequest(_message.Message):
    __slots__ = ("group_id", "user_id", "role")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    user_id: str
    role: GroupRole
    def __init__(self, group_id: _Optional[str] = ..., user_id: _Optional[str] = ..., role: _Optional[_Union[GroupRole, str]] = ...) -> None: ...

class SetMemberRoleResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SetMemberNicknameRequest(_message.Message):
    __slots__ = ("group_id", "user_id", "nickname")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    NICKNAME_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    user_id: str
    nickname: str
    def __init__(self, group_id: _Optional[str] = ..., user_id: _Optional[str] = ..., nickname: _Optional[str] = ...) -> None: ...

class SetMemberNicknameResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class MuteMemberRequest(_message.Message):
    __slots__ = ("group_id", "user_id", "duration_seconds")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    user_id: str
    duration_seconds: int
    def __init__(self, group_id: _Optional[str] = ..., user_id: _Optional[str] = ..., duration_seconds: _Optional[int] = ...) -> None: ...

class MuteMemberResponse(_message.Message):
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

class ListJoinedGroupsRequest(_message.Message):
    __slots__ = ("page",)
    PAGE_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListJoinedGroupsResponse(_message.Message):
    __slots__ = ("groups", "page")
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    groups: _containers.RepeatedCompositeFieldContainer[GroupInfo]
    page: _common_pb2.PageResponse
    def __init__(self, groups: _Optional[_Iterable[_Union[GroupInfo, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageResponse, _Mapping]] = ...) -> None: ...
