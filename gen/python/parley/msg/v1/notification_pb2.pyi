from parley.common.v1 import common_pb2 as _common_pb2
from parley.group.v1 import group_pb2 as _group_pb2
from parley.msg.v1 import content_pb2 as _content_pb2
from parley.user.v1 import user_pb2 as _user_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MessageActor(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MESSAGE_ACTOR_UNSPECIFIED: _ClassVar[MessageActor]
    MESSAGE_ACTOR_SENDER: _ClassVar[MessageActor]
    MESSAGE_ACTOR_GROUP_OWNER: _ClassVar[MessageActor]
    MESSAGE_ACTOR_GROUP_ADMIN: _ClassVar[MessageActor]
    MESSAGE_ACTOR_ADMIN: _ClassVar[MessageActor]
MESSAGE_ACTOR_UNSPECIFIED: MessageActor
MESSAGE_ACTOR_SENDER: MessageActor
MESSAGE_ACTOR_GROUP_OWNER: MessageActor
MESSAGE_ACTOR_GROUP_ADMIN: MessageActor
MESSAGE_ACTOR_ADMIN: MessageActor

class Notification(_message.Message):
    __slots__ = ("op_user_id", "op_as", "friend_applied", "friend_added", "friend_application_refused", "friend_deleted", "friend_remark_set", "blacklist_added", "blacklist_removed", "profile_changed", "group_created", "group_info_changed", "members_joined", "member_quit", "members_kicked", "members_invited", "member_muted", "group_muted", "member_role_changed", "owner_transferred", "group_dismissed", "group_join_requested", "group_join_refused", "member_nickname_changed", "message_revoked", "message_edited", "messages_deleted", "read_receipt", "delivery_receipt", "conversation_changed", "conversation_cleared", "system_notice")
    OP_USER_ID_FIELD_NUMBER: _ClassVar[int]
    OP_AS_FIELD_NUMBER: _ClassVar[int]
    FRIEND_APPLIED_FIELD_NUMBER: _ClassVar[int]
    FRIEND_ADDED_FIELD_NUMBER: _ClassVar[int]
    FRIEND_APPLICATION_REFUSED_FIELD_NUMBER: _ClassVar[int]
    FRIEND_DELETED_FIELD_NUMBER: _ClassVar[int]
    FRIEND_REMARK_SET_FIELD_NUMBER: _ClassVar[int]
    BLACKLIST_ADDED_FIELD_NUMBER: _ClassVar[int]
    BLACKLIST_REMOVED_FIELD_NUMBER: _ClassVar[int]
    PROFILE_CHANGED_FIELD_NUMBER: _ClassVar[int]
    GROUP_CREATED_FIELD_NUMBER: _ClassVar[int]
    GROUP_INFO_CHANGED_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_JOINED_FIELD_NUMBER: _ClassVar[int]
    MEMBER_QUIT_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_KICKED_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_INVITED_FIELD_NUMBER: _ClassVar[int]
    MEMBER_MUTED_FIELD_NUMBER: _ClassVar[int]
    GROUP_MUTED_FIELD_NUMBER: _ClassVar[int]
    MEMBER_ROLE_CHANGED_FIELD_NUMBER: _ClassVar[int]
    OWNER_TRANSFERRED_FIELD_NUMBER: _ClassVar[int]
    GROUP_DISMISSED_FIELD_NUMBER: _ClassVar[int]
    GROUP_JOIN_REQUESTED_FIELD_NUMBER: _ClassVar[int]
    GROUP_JOIN_REFUSED_FIELD_NUMBER: _ClassVar[int]
    MEMBER_NICKNAME_CHANGED_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_REVOKED_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_EDITED_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_DELETED_FIELD_NUMBER: _ClassVar[int]
    READ_RECEIPT_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_RECEIPT_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_CHANGED_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_CLEARED_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_NOTICE_FIELD_NUMBER: _ClassVar[int]
    op_user_id: str
    op_as: MessageActor
    friend_applied: FriendApplied
    friend_added: FriendAdded
    friend_application_refused: FriendApplicationRefused
    friend_deleted: FriendDeleted
    friend_remark_set: FriendRemarkSet
    blacklist_added: BlacklistAdded
    blacklist_removed: BlacklistRemoved
    profile_changed: ProfileChanged
    group_created: GroupCreated
    group_info_changed: GroupInfoChanged
    members_joined: MembersJoined
    member_quit: MemberQuit
    members_kicked: MembersKicked
    members_invited: MembersInvited
    member_muted: MemberMuted
    group_muted: GroupMuted
    member_role_changed: MemberRoleChanged
    owner_transferred: OwnerTransferred
    group_dismissed: GroupDismissed
    group_join_requested: GroupJoinRequested
    group_join_refused: GroupJoinRefused
    member_nickname_changed: MemberNicknameChanged
    message_revoked: MessageRevoked
    message_edited: MessageEdited
    messages_deleted: MessagesDeleted
    read_receipt: ReadReceipt
    delivery_receipt: DeliveryReceipt
    conversation_changed: ConversationChanged
    conversation_cleared: ConversationCleared
    system_notice: SystemNotice
    def __init__(self, op_user_id: _Optional[str] = ..., op_as: _Optional[_Union[MessageActor, str]] = ..., friend_applied: _Optional[_Union[FriendApplied, _Mapping]] = ..., friend_added: _Optional[_Union[FriendAdded, _Mapping]] = ..., friend_application_refused: _Optional[_Union[FriendApplicationRefused, _Mapping]] = ..., friend_deleted: _Optional[_Union[FriendDeleted, _Mapping]] = ..., friend_remark_set: _Optional[_Union[FriendRemarkSet, _Mapping]] = ..., blacklist_added: _Optional[_Union[BlacklistAdded, _Mapping]] = ..., blacklist_removed: _Optional[_Union[BlacklistRemoved, _Mapping]] = ..., profile_changed: _Optional[_Union[ProfileChanged, _Mapping]] = ..., group_created: _Optional[_Union[GroupCreated, _Mapping]] = ..., group_info_changed: _Optional[_Union[GroupInfoChanged, _Mapping]] = ..., members_joined: _Optional[_Union[MembersJoined, _Mapping]] = ..., member_quit: _Optional[_Union[MemberQuit, _Mapping]] = ..., members_kicked: _Optional[_Union[MembersKicked, _Mapping]] = ..., members_invited: _Optional[_Union[MembersInvited, _Mapping]] = ..., member_muted: _Optional[_Union[MemberMuted, _Mapping]] = ..., group_muted: _Optional[_Union[GroupMuted, _Mapping]] = ..., member_role_changed: _Optional[_Union[MemberRoleChanged, _Mapping]] = ..., owner_transferred: _Optional[_Union[OwnerTransferred, _Mapping]] = ..., group_dismissed: _Optional[_Union[GroupDismissed, _Mapping]] = ..., group_join_requested: _Optional[_Union[GroupJoinRequested, _Mapping]] = ..., group_join_refused: _Optional[_Union[GroupJoinRefused, _Mapping]] = ..., member_nickname_changed: _Optional[_Union[MemberNicknameChanged, _Mapping]] = ..., message_revoked: _Optional[_Union[MessageRevoked, _Mapping]] = ..., message_edited: _Optional[_Union[MessageEdited, _Mapping]] = ..., messages_deleted: _Optional[_Union[MessagesDeleted, _Mapping]] = ..., read_receipt: _Optional[_Union[ReadReceipt, _Mapping]] = ..., delivery_receipt: _Optional[_Union[DeliveryReceipt, _Mapping]] = ..., conversation_changed: _Optional[_Union[ConversationChanged, _Mapping]] = ..., conversation_cleared: _Optional[_Union[ConversationCleared, _Mapping]] = ..., system_notice: _Optional[_Union[SystemNotice, _Mapping]] = ...) -> None: ...

class FriendApplied(_message.Message):
    __slots__ = ("from_user", "to_user_id", "message")
    FROM_USER_FIELD_NUMBER: _ClassVar[int]
    TO_USER_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    from_user: _user_pb2.UserInfo
    to_user_id: str
    message: str
    def __init__(self, from_user: _Optional[_Union[_user_pb2.UserInfo, _Mapping]] = ..., to_user_id: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class FriendAdded(_message.Message):
    __slots__ = ("from_user", "to_user")
    FROM_USER_FIELD_NUMBER: _ClassVar[int]
    TO_USER_FIELD_NUMBER: _ClassVar[int]
    from_user: _user_pb2.UserInfo
    to_user: _user_pb2.UserInfo
    def __init__(self, from_user: _Optional[_Union[_user_pb2.UserInfo, _Mapping]] = ..., to_user: _Optional[_Union[_user_pb2.UserInfo, _Mapping]] = ...) -> None: ...

class FriendApplicationRefused(_message.Message):
    __slots__ = ("from_user_id", "to_user_id", "message")
    FROM_USER_ID_FIELD_NUMBER: _ClassVar[int]
    TO_USER_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    from_user_id: str
    to_user_id: str
    message: str
    def __init__(self, from_user_id: _Optional[str] = ..., to_user_id: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class FriendDeleted(_message.Message):
    __slots__ = ("user_id", "friend_user_id")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    FRIEND_USER_ID_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    friend_user_id: str
    def __init__(self, user_id: _Optional[str] = ..., friend_user_id: _Optional[str] = ...) -> None: ...

class FriendRemarkSet(_message.Message):
    __slots__ = ("friend_user_id", "remark")
    FRIEND_USER_ID_FIELD_NUMBER: _ClassVar[int]
    REMARK_FIELD_NUMBER: _ClassVar[int]
    friend_user_id: str
    remark: str
    def __init__(self, friend_user_id: _Optional[str] = ..., remark: _Optional[str] = ...) -> None: ...

class BlacklistAdded(_message.Message):
    __slots__ = ("blocked_user_id",)
    BLOCKED_USER_ID_FIELD_NUMBER: _ClassVar[int]
    blocked_user_id: str
    def __init__(self, blocked_user_id: _Optional[str] = ...) -> None: ...

class BlacklistRemoved(_message.Message):
    __slots__ = ("blocked_user_id",)
    BLOCKED_USER_ID_FIELD_NUMBER: _ClassVar[int]
    blocked_user_id: str
    def __init__(self, blocked_user_id: _Optional[str] = ...) -> None: ...

class ProfileChanged(_message.Message):
    __slots__ = ("user",)
    USER_FIELD_NUMBER: _ClassVar[int]
    user: _user_pb2.UserInfo
    def __init__(self, user: _Optional[_Union[_user_pb2.UserInfo, _Mapping]] = ...) -> None: ...

class GroupCreated(_message.Message):
    __slots__ = ("group", "member_user_ids")
    GROUP_FIELD_NUMBER: _ClassVar[int]
    MEMBER_USER_IDS_FIELD_NUMBER: _ClassVar[int]
    group: _group_pb2.GroupInfo
    member_user_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, group: _Optional[_Union[_group_pb2.GroupInfo, _Mapping]] = ..., member_user_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class GroupInfoChanged(_message.Message):
    __slots__ = ("group",)
    GROUP_FIELD_NUMBER: _ClassVar[int]
    group: _group_pb2.GroupInfo
    def __init__(self, group: _Optional[_Union[_group_pb2.GroupInfo, _Mapping]] = ...) -> None: ...

class MembersJoined(_message.Message):
    __slots__ = ("group_id", "users")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    USERS_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    users: _containers.RepeatedCompositeFieldContainer[_user_pb2.UserInfo]
    def __init__(self, group_id: _Optional[str] = ..., users: _Optional[_Iterable[_Union[_user_pb2.UserInfo, _Mapping]]] = ...) -> None: ...

class MemberQuit(_message.Message):
    __slots__ = ("group_id", "user_id")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    user_id: str
    def __init__(self, group_id: _Optional[str] = ..., user_id: _Optional[str] = ...) -> None: ...

class MembersKicked(_message.Message):
    __slots__ = ("group_id", "user_ids", "reason")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    user_ids: _containers.RepeatedScalarFieldContainer[str]
    reason: str
    def __init__(self, group_id: _Optional[str] = ..., user_ids: _Optional[_Iterable[str]] = ..., reason: _Optional[str] = ...) -> None: ...

class MembersInvited(_message.Message):
    __slots__ = ("group_id", "users")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    USERS_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    users: _containers.RepeatedCompositeFieldContainer[_user_pb2.UserInfo]
    def __init__(self, group_id: _Optional[str] = ..., users: _Optional[_Iterable[_Union[_user_pb2.UserInfo, _Mapping]]] = ...) -> None: ...

class MemberMuted(_message.Message):
    __slots__ = ("group_id", "user_id", "mute_end_time_ms")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    MUTE_END_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    user_id: str
    mute_end_time_ms: int
    def __init__(self, group_id: _Optional[str] = ..., user_id: _Optional[str] = ..., mute_end_time_ms: _Optional[int] = ...) -> None: ...

class GroupMuted(_message.Message):
    __slots__ = ("group_id", "muted")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    MUTED_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    muted: bool
    def __init__(self, group_id: _Optional[str] = ..., muted: _Optional[bool] = ...) -> None: ...

class MemberRoleChanged(_message.Message):
    __slots__ = ("group_id", "user_id", "role")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    user_id: str
    role: _group_pb2.GroupRole
    def __init__(self, group_id: _Optional[str] = ..., user_id: _Optional[str] = ..., role: _Optional[_Union[_group_pb2.GroupRole, str]] = ...) -> None: ...

class OwnerTransferred(_message.Message):
    __slots__ = ("group_id", "old_owner_user_id", "new_owner_user_id")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    OLD_OWNER_USER_ID_FIELD_NUMBER: _ClassVar[int]
    NEW_OWNER_USER_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    old_owner_user_id: str
    new_owner_user_id: str
    def __init__(self, group_id: _Optional[str] = ..., old_owner_user_id: _Optional[str] = ..., new_owner_user_id: _Optional[str] = ...) -> None: ...

class GroupDismissed(_message.Message):
    __slots__ = ("group_id",)
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    def __init__(self, group_id: _Optional[str] = ...) -> None: ...

class GroupJoinRequested(_message.Message):
    __slots__ = ("group_id", "user", "message")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    user: _user_pb2.UserInfo
    message: str
    def __init__(self, group_id: _Optional[str] = ..., user: _Optional[_Union[_user_pb2.UserInfo, _Mapping]] = ..., message: _Optional[str] = ...) -> None: ...

class GroupJoinRefused(_message.Message):
    __slots__ = ("group_id", "user_id")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    user_id: str
    def __init__(self, group_id: _Optional[str] = ..., user_id: _Optional[str] = ...) -> None: ...

class MemberNicknameChanged(_message.Message):
    __slots__ = ("group_id", "user_id", "nickname")
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    NICKNAME_FIELD_NUMBER: _ClassVar[int]
    group_id: str
    user_id: str
    nickname: str
    def __init__(self, group_id: _Optional[str] = ..., user_id: _Optional[str] = ..., nickname: _Optional[str] = ...) -> None: ...

class MessageRevoked(_message.Message):
    __slots__ = ("conversation_id", "seq", "revoker_user_id", "send_time_ms", "revoked_as")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    REVOKER_USER_ID_FIELD_NUMBER: _ClassVar[int]
    SEND_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    REVOKED_AS_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    seq: int
    revoker_user_id: str
    send_time_ms: int
    revoked_as: MessageActor
    def __init__(self, conversation_id: _Optional[str] = ..., seq: _Optional[int] = ..., revoker_user_id: _Optional[str] = ..., send_time_ms: _Optional[int] = ..., revoked_as: _Optional[_Union[MessageActor, str]] = ...) -> None: ...

class MessageEdited(_message.Message):
    __slots__ = ("conversation_id", "seq", "content", "edit_version")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    EDIT_VERSION_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    seq: int
    content: _content_pb2.Content
    edit_version: int
    def __init__(self, conversation_id: _Optional[str] = ..., seq: _Optional[int] = ..., content: _Optional[_Union[_content_pb2.Content, _Mapping]] = ..., edit_version: _Optional[int] = ...) -> None: ...

class MessagesDeleted(_message.Message):
    __slots__ = ("conversation_id", "seqs", "deleter_user_id", "deleted_as")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    SEQS_FIELD_NUMBER: _ClassVar[int]
    DELETER_USER_ID_FIELD_NUMBER: _ClassVar[int]
    DELETED_AS_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    seqs: _containers.RepeatedScalarFieldContainer[int]
    deleter_user_id: str
    deleted_as: MessageActor
    def __init__(self, conversation_id: _Optional[str] = ..., seqs: _Optional[_Iterable[int]] = ..., deleter_user_id: _Optional[str] = ..., deleted_as: _Optional[_Union[MessageActor, str]] = ...) -> None: ...

class ReadReceipt(_message.Message):
    __slots__ = ("conversation_id", "reader_user_id", "has_read_seq")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    READER_USER_ID_FIELD_NUMBER: _ClassVar[int]
    HAS_READ_SEQ_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    reader_user_id: str
    has_read_seq: int
    def __init__(self, conversation_id: _Optional[str] = ..., reader_user_id: _Optional[str] = ..., has_read_seq: _Optional[int] = ...) -> None: ...

class DeliveryReceipt(_message.Message):
    __slots__ = ("conversation_id", "receiver_user_id", "delivered_seq")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    RECEIVER_USER_ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_SEQ_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    receiver_user_id: str
    delivered_seq: int
    def __init__(self, conversation_id: _Optional[str] = ..., receiver_user_id: _Optional[str] = ..., delivered_seq: _Optional[int] = ...) -> None: ...

class ConversationChanged(_message.Message):
    __slots__ = ("conversation_id",)
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    def __init__(self, conversation_id: _Optional[str] = ...) -> None: ...

class ConversationCleared(_message.Message):
    __slots__ = ("conversation_id", "min_seq")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    MIN_SEQ_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    min_seq: int
    def __init__(self, conversation_id: _Optional[str] = ..., min_seq: _Optional[int] = ...) -> None: ...

class SystemNotice(_message.Message):
    __slots__ = ("title", "text", "url", "extension", "receive_option")
    TITLE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    EXTENSION_FIELD_NUMBER: _ClassVar[int]
    RECEIVE_OPTION_FIELD_NUMBER: _ClassVar[int]
    title: str
    text: str
    url: str
    extension: str
    receive_option: _common_pb2.ReceiveOption
    def __init__(self, title: _Optional[str] = ..., text: _Optional[str] = ..., url: _Optional[str] = ..., extension: _Optional[str] = ..., receive_option: _Optional[_Union[_common_pb2.ReceiveOption, str]] = ...) -> None: ...
