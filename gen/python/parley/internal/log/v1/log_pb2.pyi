from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EntryKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ENTRY_KIND_UNSPECIFIED: _ClassVar[EntryKind]
    ENTRY_KIND_MESSAGE: _ClassVar[EntryKind]
    ENTRY_KIND_HOLE: _ClassVar[EntryKind]
    ENTRY_KIND_TICK: _ClassVar[EntryKind]
ENTRY_KIND_UNSPECIFIED: EntryKind
ENTRY_KIND_MESSAGE: EntryKind
ENTRY_KIND_HOLE: EntryKind
ENTRY_KIND_TICK: EntryKind

class Entry(_message.Message):
    __slots__ = ("kind", "conversation_id", "seq", "alloc_ms", "batch", "members", "frame", "exclude")
    KIND_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    ALLOC_MS_FIELD_NUMBER: _ClassVar[int]
    BATCH_FIELD_NUMBER: _ClassVar[int]
    MEMBERS_FIELD_NUMBER: _ClassVar[int]
    FRAME_FIELD_NUMBER: _ClassVar[int]
    EXCLUDE_FIELD_NUMBER: _ClassVar[int]
    kind: EntryKind
    conversation_id: str
    seq: int
    alloc_ms: int
    batch: WriteBatch
    members: _containers.RepeatedScalarFieldContainer[str]
    frame: bytes
    exclude: str
    def __init__(self, kind: _Optional[_Union[EntryKind, str]] = ..., conversation_id: _Optional[str] = ..., seq: _Optional[int] = ..., alloc_ms: _Optional[int] = ..., batch: _Optional[_Union[WriteBatch, _Mapping]] = ..., members: _Optional[_Iterable[str]] = ..., frame: _Optional[bytes] = ..., exclude: _Optional[str] = ...) -> None: ...

class WriteBatch(_message.Message):
    __slots__ = ("messages", "conversations", "user_conversations", "read_marks", "delivered_marks", "min_seq_marks", "message_updates", "hidden", "activity", "counters", "group_activity", "last_active")
    class LastActiveEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    CONVERSATIONS_FIELD_NUMBER: _ClassVar[int]
    USER_CONVERSATIONS_FIELD_NUMBER: _ClassVar[int]
    READ_MARKS_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_MARKS_FIELD_NUMBER: _ClassVar[int]
    MIN_SEQ_MARKS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_UPDATES_FIELD_NUMBER: _ClassVar[int]
    HIDDEN_FIELD_NUMBER: _ClassVar[int]
    ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    COUNTERS_FIELD_NUMBER: _ClassVar[int]
    GROUP_ACTIVITY_FIELD_NUMBER: _ClassVar[int]
    LAST_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    messages: _containers.RepeatedCompositeFieldContainer[MessageInsert]
    conversations: _containers.RepeatedCompositeFieldContainer[ConversationUpsert]
    user_conversations: _containers.RepeatedCompositeFieldContainer[UserConversationInsert]
    read_marks: _containers.RepeatedCompositeFieldContainer[ReadMark]
    delivered_marks: _containers.RepeatedCompositeFieldContainer[DeliveredMark]
    min_seq_marks: _containers.RepeatedCompositeFieldContainer[MinSeqMark]
    message_updates: _containers.RepeatedCompositeFieldContainer[MessageUpdate]
    hidden: _containers.RepeatedCompositeFieldContainer[HiddenMessage]
    activity: _containers.RepeatedCompositeFieldContainer[UserActivity]
    counters: _containers.RepeatedCompositeFieldContainer[CounterIncrement]
    group_activity: _containers.RepeatedCompositeFieldContainer[GroupActivity]
    last_active: _containers.ScalarMap[str, int]
    def __init__(self, messages: _Optional[_Iterable[_Union[MessageInsert, _Mapping]]] = ..., conversations: _Optional[_Iterable[_Union[ConversationUpsert, _Mapping]]] = ..., user_conversations: _Optional[_Iterable[_Union[UserConversationInsert, _Mapping]]] = ..., read_marks: _Optional[_Iterable[_Union[ReadMark, _Mapping]]] = ..., delivered_marks: _Optional[_Iterable[_Union[DeliveredMark, _Mapping]]] = ..., min_seq_marks: _Optional[_Iterable[_Union[MinSeqMark, _Mapping]]] = ..., message_updates: _Optional[_Iterable[_Union[MessageUpdate, _Mapping]]] = ..., hidden: _Optional[_Iterable[_Union[HiddenMessage, _Mapping]]] = ..., activity: _Optional[_Iterable[_Union[UserActivity, _Mapping]]] = ..., counters: _Optional[_Iterable[_Union[CounterIncrement, _Mapping]]] = ..., group_activity: _Optional[_Iterable[_Union[GroupActivity, _Mapping]]] = ..., last_active: _Optional[_Mapping[str, int]] = ...) -> None: ...

class MessageInsert(_message.Message):
    __slots__ = ("conversation_id", "seq", "server_msg_id", "client_msg_id", "sender_id", "session_type", "status", "counts_unread", "server_time_ms", "search_text", "body")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    SERVER_MSG_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_MSG_ID_FIELD_NUMBER: _ClassVar[int]
    SENDER_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    COUNTS_UNREAD_FIELD_NUMBER: _ClassVar[int]
    SERVER_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    SEARCH_TEXT_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    seq: int
    server_msg_id: str
    client_msg_id: str
    sender_id: str
    session_type: int
    status: int
    counts_unread: bool
    server_time_ms: int
    search_text: str
    body: bytes
    def __init__(self, conversation_id: _Optional[str] = ..., seq: _Optional[int] = ..., server_msg_id: _Optional[str] = ..., client_msg_id: _Optional[str] = ..., sender_id: _Optional[str] = ..., session_type: _Optional[int] = ..., status: _Optional[int] = ..., counts_unread: _Optional[bool] = ..., server_time_ms: _Optional[int] = ..., search_text: _Optional[str] = ..., body: _Optional[bytes] = ...) -> None: ...

class ConversationUpsert(_message.Message):
    __slots__ = ("conversation_id", "session_type", "max_seq", "version", "update_time_ms")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_TYPE_FIELD_NUMBER: _ClassVar[int]
    MAX_SEQ_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    session_type: int
    max_seq: int
    version: int
    update_time_ms: int
    def __init__(self, conversation_id: _Optional[str] = ..., session_type: _Optional[int] = ..., max_seq: _Optional[int] = ..., version: _Optional[int] = ..., update_time_ms: _Optional[int] = ...) -> None: ...

class UserConversationInsert(_message.Message):
    __slots__ = ("user_id", "conversation_id", "session_type", "peer_user_id", "group_id", "min_seq", "has_read_seq", "delivered_seq", "pinned", "receive_option", "draft", "draft_time_ms", "extension", "version", "create_time_ms")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_TYPE_FIELD_NUMBER: _ClassVar[int]
    PEER_USER_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    MIN_SEQ_FIELD_NUMBER: _ClassVar[int]
    HAS_READ_SEQ_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_SEQ_FIELD_NUMBER: _ClassVar[int]
    PINNED_FIELD_NUMBER: _ClassVar[int]
    RECEIVE_OPTION_FIELD_NUMBER: _ClassVar[int]
    DRAFT_FIELD_NUMBER: _ClassVar[int]
    DRAFT_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    EXTENSION_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    conversation_id: str
    session_type: int
    peer_user_id: str
    group_id: str
    min_seq: int
    has_read_seq: int
    delivered_seq: int
    pinned: bool
    receive_option: int
    draft: str
    draft_time_ms: int
    extension: str
    version: int
    create_time_ms: int
    def __init__(self, user_id: _Optional[str] = ..., conversation_id: _Optional[str] = ..., session_type: _Optional[int] = ..., peer_user_id: _Optional[str] = ..., group_id: _Optional[str] = ..., min_seq: _Optional[int] = ..., has_read_seq: _Optional[int] = ..., delivered_seq: _Optional[int] = ..., pinned: _Optional[bool] = ..., receive_option: _Optional[int] = ..., draft: _Optional[str] = ..., draft_time_ms: _Optional[int] = ..., extension: _Optional[str] = ..., version: _Optional[int] = ..., create_time_ms: _Optional[int] = ...) -> None: ...

class ReadMark(_message.Message):
    __slots__ = ("user_id", "conversation_id", "has_read_seq", "version")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    HAS_READ_SEQ_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    conversation_id: str
    has_read_seq: int
    version: int
    def __init__(self, user_id: _Optional[str] = ..., conversation_id: _Optional[str] = ..., has_read_seq: _Optional[int] = ..., version: _Optional[int] = ...) -> None: ...

class DeliveredMark(_message.Message):
    __slots__ = ("user_id", "conversation_id", "delivered_seq")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_SEQ_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    conversation_id: str
    delivered_seq: int
    def __init__(self, user_id: _Optional[str] = ..., conversation_id: _Optional[str] = ..., delivered_seq: _Optional[int] = ...) -> None: ...

class MinSeqMark(_message.Message):
    __slots__ = ("user_id", "conversation_id", "min_seq", "version")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    MIN_SEQ_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    conversation_id: str
    min_seq: int
    version: int
    def __init__(self, user_id: _Optional[str] = ..., conversation_id: _Optional[str] = ..., min_seq: _Optional[int] = ..., version: _Optional[int] = ...) -> None: ...

class MessageUpdate(_message.Message):
    __slots__ = ("conversation_id", "seq", "status", "body", "search_text")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    SEARCH_TEXT_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    seq: int
    status: int
    body: bytes
    search_text: str
    def __init__(self, conversation_id: _Optional[str] = ..., seq: _Optional[int] = ..., status: _Optional[int] = ..., body: _Optional[bytes] = ..., search_text: _Optional[str] = ...) -> None: ...

class HiddenMessage(_message.Message):
    __slots__ = ("user_id", "conversation_id", "seq")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    conversation_id: str
    seq: int
    def __init__(self, user_id: _Optional[str] = ..., conversation_id: _Optional[str] = ..., seq: _Optional[int] = ...) -> None: ...

class UserActivity(_message.Message):
    __slots__ = ("day", "user_id")
    DAY_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    day: str
    user_id: str
    def __init__(self, day: _Optional[str] = ..., user_id: _Optional[str] = ...) -> None: ...

class CounterIncrement(_message.Message):
    __slots__ = ("day", "metric", "increment")
    DAY_FIELD_NUMBER: _ClassVar[int]
    METRIC_FIELD_NUMBER: _ClassVar[int]
    INCREMENT_FIELD_NUMBER: _ClassVar[int]
    day: str
    metric: str
    increment: int
    def __init__(self, day: _Optional[str] = ..., metric: _Optional[str] = ..., increment: _Optional[int] = ...) -> None: ...

class GroupActivity(_message.Message):
    __slots__ = ("day", "group_id")
    DAY_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    day: str
    group_id: str
    def __init__(self, day: _Optional[str] = ..., group_id: _Optional[str] = ...) -> None: ...
