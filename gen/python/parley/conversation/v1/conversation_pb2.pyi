from parley.common.v1 import common_pb2 as _common_pb2
from parley.msg.v1 import message_pb2 as _message_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Conversation(_message.Message):
    __slots__ = ("conversation_id", "session_type", "peer_user_id", "group_id", "max_seq", "min_seq", "has_read_seq", "unread_count", "latest_message", "pinned", "receive_option", "draft", "draft_time_ms", "extension", "version", "update_time_ms", "has_unread_mention")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_TYPE_FIELD_NUMBER: _ClassVar[int]
    PEER_USER_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    MAX_SEQ_FIELD_NUMBER: _ClassVar[int]
    MIN_SEQ_FIELD_NUMBER: _ClassVar[int]
    HAS_READ_SEQ_FIELD_NUMBER: _ClassVar[int]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    LATEST_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    PINNED_FIELD_NUMBER: _ClassVar[int]
    RECEIVE_OPTION_FIELD_NUMBER: _ClassVar[int]
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    DRAFT_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    EXTENSION_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    HAS_UNREAD_MENTION_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    session_type: _common_pb2.SessionType
    peer_user_id: str
    group_id: str
    max_seq: int
    min_seq: int
    has_read_seq: int
    unread_count: int
    latest_message: _message_pb2.Message
    pinned: bool
    receive_option: _common_pb2.ReceiveOption
    draft: str
    draft_time_ms: int
    extension: str
    version: int
    update_time_ms: int
    has_unread_mention: bool
    def __init__(self, conversation_id: _Optional[str] = ..., session_type: _Optional[_Union[_common_pb2.SessionType, str]] = ..., peer_user_id: _Optional[str] = ..., group_id: _Optional[str] = ..., max_seq: _Optional[int] = ..., min_seq: _Optional[int] = ..., has_read_seq: _Optional[int] = ..., unread_count: _Optional[int] = ..., latest_message: _Optional[_Union[_message_pb2.Message, _Mapping]] = ..., pinned: _Optional[bool] = ..., receive_option: _Optional[_Union[_common_pb2.ReceiveOption, str]] = ..., draft: _Optional[str] = ..., draft_time_ms: _Optional[int] = ..., extension: _Optional[str] = ..., version: _Optional[int] = ..., update_time_ms: _Optional[int] = ..., has_unread_mention: _Optional[bool] = ...) -> None: ...

class ListConversationsRequest(_message.Message):
    __slots__ = ("page", "since_version")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    SINCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    since_version: int
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., since_version: _Optional[int] = ...) -> None: ...

class ListConversationsResponse(_message.Message):
    __slots__ = ("conversations", "page", "version")
    CONVERSATIONS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    conversations: _containers.RepeatedCompositeFieldContainer[Conversation]
    page: _common_pb2.PageResponse
    version: int
    def __init__(self, conversations: _Optional[_Iterable[_Union[Conversation, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageResponse, _Mapping]] = ..., version: _Optional[int] = ...) -> None: ...

class GetConversationsRequest(_message.Message):
    __slots__ = ("conversation_ids",)
    CONVERSATION_IDS_FIELD_NUMBER: _ClassVar[int]
    conversation_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, conversation_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class GetConversationsResponse(_message.Message):
    __slots__ = ("conversations",)
    CONVERSATIONS_FIELD_NUMBER: _ClassVar[int]
    conversations: _containers.RepeatedCompositeFieldContainer[Conversation]
    def __init__(self, conversations: _Optional[_Iterable[_Union[Conversation, _Mapping]]] = ...) -> None: ...

class SetConversationRequest(_message.Message):
    __slots__ = ("conversation_id", "pinned", "receive_option", "draft", "extension")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    PINNED_FIELD_NUMBER: _ClassVar[int]
    RECEIVE_OPTION_FIELD_NUMBER: _ClassVar[int]
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    EXTENSION_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    pinned: bool
    receive_option: _common_pb2.ReceiveOption
    draft: str
    extension: str
    def __init__(self, conversation_id: _Optional[str] = ..., pinned: _Optional[bool] = ..., receive_option: _Optional[_Union[_common_pb2.ReceiveOption, str]] = ..., draft: _Optional[str] = ..., extension: _Optional[str] = ...) -> None: ...

class SetConversationResponse(_message.Message):
    __slots__ = ("conversation",)
    CONVERSATION_FIELD_NUMBER: _ClassVar[int]
    conversation: Conversation
    def __init__(self, conversation: _Optional[_Union[Conversation, _Mapping]] = ...) -> None: ...

class GetTotalUnreadRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetTotalUnreadResponse(_message.Message):
    __slots__ = ("total_unread",)
    TOTAL_UNREAD_FIELD_NUMBER: _ClassVar[int]
    total_unread: int
    def __init__(self, total_unread: _Optional[int] = ...) -> None: ...
