from parley.common.v1 import common_pb2 as _common_pb2
from parley.msg.v1 import content_pb2 as _content_pb2
from parley.msg.v1 import notification_pb2 as _notification_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MessageStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MESSAGE_STATUS_UNSPECIFIED: _ClassVar[MessageStatus]
    MESSAGE_STATUS_NORMAL: _ClassVar[MessageStatus]
    MESSAGE_STATUS_REVOKED: _ClassVar[MessageStatus]
    MESSAGE_STATUS_DELETED: _ClassVar[MessageStatus]
MESSAGE_STATUS_UNSPECIFIED: MessageStatus
MESSAGE_STATUS_NORMAL: MessageStatus
MESSAGE_STATUS_REVOKED: MessageStatus
MESSAGE_STATUS_DELETED: MessageStatus

class Message(_message.Message):
    __slots__ = ("server_msg_id", "client_msg_id", "conversation_id", "seq", "sender_id", "sender_platform", "session_type", "recv_id", "group_id", "content", "notification", "mentions", "send_time_ms", "server_time_ms", "status", "edited", "edit_version", "extensions", "placeholder", "counts_unread", "need_read_receipt", "mentions_me")
    class ExtensionsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    SERVER_MSG_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_MSG_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    SENDER_ID_FIELD_NUMBER: _ClassVar[int]
    SENDER_PLATFORM_FIELD_NUMBER: _ClassVar[int]
    SESSION_TYPE_FIELD_NUMBER: _ClassVar[int]
    RECV_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    MENTIONS_FIELD_NUMBER: _ClassVar[int]
    SEND_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    SERVER_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    EDITED_FIELD_NUMBER: _ClassVar[int]
    EDIT_VERSION_FIELD_NUMBER: _ClassVar[int]
    EXTENSIONS_FIELD_NUMBER: _ClassVar[int]
    PLACEHOLDER_FIELD_NUMBER: _ClassVar[int]
    COUNTS_UNREAD_FIELD_NUMBER: _ClassVar[int]
    NEED_READ_RECEIPT_FIELD_NUMBER: _ClassVar[int]
    MENTIONS_ME_FIELD_NUMBER: _ClassVar[int]
    server_msg_id: str
    client_msg_id: str
    conversation_id: str
    seq: int
    sender_id: str
    sender_platform: _common_pb2.Platform
    session_type: _common_pb2.SessionType
    recv_id: str
    group_id: str
    content: _content_pb2.Content
    notification: _notification_pb2.Notification
    mentions: _content_pb2.Mentions
    send_time_ms: int
    server_time_ms: int
    status: MessageStatus
    edited: bool
    edit_version: int
    extensions: _containers.ScalarMap[str, str]
    placeholder: bool
    counts_unread: bool
    need_read_receipt: bool
    mentions_me: bool
    def __init__(self, server_msg_id: _Optional[str] = ..., client_msg_id: _Optional[str] = ..., conversation_id: _Optional[str] = ..., seq: _Optional[int] = ..., sender_id: _Optional[str] = ..., sender_platform: _Optional[_Union[_common_pb2.Platform, str]] = ..., session_type: _Optional[_Union[_common_pb2.SessionType, str]] = ..., recv_id: _Optional[str] = ..., group_id: _Optional[str] = ..., content: _Optional[_Union[_content_pb2.Content, _Mapping]] = ..., notification: _Optional[_Union[_notification_pb2.Notification, _Mapping]] = ..., mentions: _Optional[_Union[_content_pb2.Mentions, _Mapping]] = ..., send_time_ms: _Optional[int] = ..., server_time_ms: _Optional[int] = ..., status: _Optional[_Union[MessageStatus, str]] = ..., edited: _Optional[bool] = ..., edit_version: _Optional[int] = ..., extensions: _Optional[_Mapping[str, str]] = ..., placeholder: _Optional[bool] = ..., counts_unread: _Optional[bool] = ..., need_read_receipt: _Optional[bool] = ..., mentions_me: _Optional[bool] = ...) -> None: ...

class OutgoingMessage(_message.Message):
    __slots__ = ("client_msg_id", "session_type", "recv_id", "group_id", "content", "mentions", "send_time_ms", "extensions", "need_read_receipt", "silent")
    class ExtensionsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CLIENT_MSG_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_TYPE_FIELD_NUMBER: _ClassVar[int]
    RECV_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    MENTIONS_FIELD_NUMBER: _ClassVar[int]
    SEND_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    EXTENSIONS_FIELD_NUMBER: _ClassVar[int]
    NEED_READ_RECEIPT_FIELD_NUMBER: _ClassVar[int]
    SILENT_FIELD_NUMBER: _ClassVar[int]
    client_msg_id: str
    session_type: _common_pb2.SessionType
    recv_id: str
    group_id: str
    content: _content_pb2.Content
    mentions: _content_pb2.Mentions
    send_time_ms: int
    extensions: _containers.ScalarMap[str, str]
    need_read_receipt: bool
    silent: bool
    def __init__(self, client_msg_id: _Optional[str] = ..., session_type: _Optional[_Union[_common_pb2.SessionType, str]] = ..., recv_id: _Optional[str] = ..., group_id: _Optional[str] = ..., content: _Optional[_Union[_content_pb2.Content, _Mapping]] = ..., mentions: _Optional[_Union[_content_pb2.Mentions, _Mapping]] = ..., send_time_ms: _Optional[int] = ..., extensions: _Optional[_Mapping[str, str]] = ..., need_read_receipt: _Optional[bool] = ..., silent: _Optional[bool] = ...) -> None: ...

class SendAck(_message.Message):
    __slots__ = ("client_msg_id", "server_msg_id", "conversation_id", "seq", "server_time_ms", "duplicate", "replaced_content")
    CLIENT_MSG_ID_FIELD_NUMBER: _ClassVar[int]
    SERVER_MSG_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    SERVER_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    REPLACED_CONTENT_FIELD_NUMBER: _ClassVar[int]
    client_msg_id: str
    server_msg_id: str
    conversation_id: str
    seq: int
    server_time_ms: int
    duplicate: bool
    replaced_content: _content_pb2.Content
    def __init__(self, client_msg_id: _Optional[str] = ..., server_msg_id: _Optional[str] = ..., conversation_id: _Optional[str] = ..., seq: _Optional[int] = ..., server_time_ms: _Optional[int] = ..., duplicate: _Optional[bool] = ..., replaced_content: _Optional[_Union[_content_pb2.Content, _Mapping]] = ...) -> None: ...

class ConversationSeq(_message.Message):
    __slots__ = ("conversation_id", "max_seq", "min_seq", "has_read_seq", "peer_has_read_seq", "peer_delivered_seq", "unread_count")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    MAX_SEQ_FIELD_NUMBER: _ClassVar[int]
    MIN_SEQ_FIELD_NUMBER: _ClassVar[int]
    HAS_READ_SEQ_FIELD_NUMBER: _ClassVar[int]
    PEER_HAS_READ_SEQ_FIELD_NUMBER: _ClassVar[int]
    PEER_DELIVERED_SEQ_FIELD_NUMBER: _ClassVar[int]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    max_seq: int
    min_seq: int
    has_read_seq: int
    peer_has_read_seq: int
    peer_delivered_seq: int
    unread_count: int
    def __init__(self, conversation_id: _Optional[str] = ..., max_seq: _Optional[int] = ..., min_seq: _Optional[int] = ..., has_read_seq: _Optional[int] = ..., peer_has_read_seq: _Optional[int] = ..., peer_delivered_seq: _Optional[int] = ..., unread_count: _Optional[int] = ...) -> None: ...
