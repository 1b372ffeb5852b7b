from parley.common.v1 import common_pb2 as _common_pb2
from parley.msg.v1 import message_pb2 as _message_pb2
from parley.user.v1 import user_pb2 as _user_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SubscribeRequest(_message.Message):
    __slots__ = ("auth",)
    AUTH_FIELD_NUMBER: _ClassVar[int]
    auth: AuthFrame
    def __init__(self, auth: _Optional[_Union[AuthFrame, _Mapping]] = ...) -> None: ...

class HeartbeatRequest(_message.Message):
    __slots__ = ("device_id", "client_time_ms")
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    device_id: str
    client_time_ms: int
    def __init__(self, device_id: _Optional[str] = ..., client_time_ms: _Optional[int] = ...) -> None: ...

class HeartbeatResponse(_message.Message):
    __slots__ = ("pong",)
    PONG_FIELD_NUMBER: _ClassVar[int]
    pong: PongFrame
    def __init__(self, pong: _Optional[_Union[PongFrame, _Mapping]] = ...) -> None: ...

class SendTypingRequest(_message.Message):
    __slots__ = ("conversation_id", "typing")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    TYPING_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    typing: bool
    def __init__(self, conversation_id: _Optional[str] = ..., typing: _Optional[bool] = ...) -> None: ...

class SendTypingResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ClientFrame(_message.Message):
    __slots__ = ("request_id", "auth", "send", "mark_read", "typing", "ping", "subscribe_presence", "delivery_ack")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    AUTH_FIELD_NUMBER: _ClassVar[int]
    SEND_FIELD_NUMBER: _ClassVar[int]
    MARK_READ_FIELD_NUMBER: _ClassVar[int]
    TYPING_FIELD_NUMBER: _ClassVar[int]
    PING_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIBE_PRESENCE_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_ACK_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    auth: AuthFrame
    send: SendFrame
    mark_read: MarkReadFrame
    typing: TypingFrame
    ping: PingFrame
    subscribe_presence: SubscribePresenceFrame
    delivery_ack: DeliveryAckFrame
    def __init__(self, request_id: _Optional[str] = ..., auth: _Optional[_Union[AuthFrame, _Mapping]] = ..., send: _Optional[_Union[SendFrame, _Mapping]] = ..., mark_read: _Optional[_Union[MarkReadFrame, _Mapping]] = ..., typing: _Optional[_Union[TypingFrame, _Mapping]] = ..., ping: _Optional[_Union[PingFrame, _Mapping]] = ..., subscribe_presence: _Optional[_Union[SubscribePresenceFrame, _Mapping]] = ..., delivery_ack: _Optional[_Union[DeliveryAckFrame, _Mapping]] = ...) -> None: ...

class AuthFrame(_message.Message):
    __slots__ = ("token", "platform", "device_id", "sdk_version", "listen_only")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    SDK_VERSION_FIELD_NUMBER: _ClassVar[int]
    LISTEN_ONLY_FIELD_NUMBER: _ClassVar[int]
    token: str
    platform: _common_pb2.Platform
    device_id: str
    sdk_version: str
    listen_only: bool
    def __init__(self, token: _Optional[str] = ..., platform: _Optional[_Union[_common_pb2.Platform, str]] = ..., device_id: _Optional[str] = ..., sdk_version: _Optional[str] = ..., listen_only: _Optional[bool] = ...) -> None: ...

class SendFrame(_message.Message):
    __slots__ = ("message",)
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    message: _message_pb2.OutgoingMessage
    def __init__(self, message: _Optional[_Union[_message_pb2.OutgoingMessage, _Mapping]] = ...) -> None: ...

class MarkReadFrame(_message.Message):
    __slots__ = ("conversation_id", "has_read_seq")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    HAS_READ_SEQ_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    has_read_seq: int
    def __init__(self, conversation_id: _Optional[str] = ..., has_read_seq: _Optional[int] = ...) -> None: ...

class TypingFrame(_message.Message):
    __slots__ = ("conversation_id", "typing")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    TYPING_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    typing: bool
    def __init__(self, conversation_id: _Optional[str] = ..., typing: _Optional[bool] = ...) -> None: ...

class PingFrame(_message.Message):
    __slots__ = ("client_time_ms",)
    CLIENT_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    client_time_ms: int
    def __init__(self, client_time_ms: _Optional[int] = ...) -> None: ...

class SubscribePresenceFrame(_message.Message):
    __slots__ = ("subscribe_user_ids", "unsubscribe_user_ids")
    SUBSCRIBE_USER_IDS_FIELD_NUMBER: _ClassVar[int]
    UNSUBSCRIBE_USER_IDS_FIELD_NUMBER: _ClassVar[int]
    subscribe_user_ids: _containers.RepeatedScalarFieldContainer[str]
    unsubscribe_user_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, subscribe_user_ids: _Optional[_Iterable[str]] = ..., unsubscribe_user_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class DeliveryAckFrame(_message.Message):
    __slots__ = ("conversation_id", "delivered_seq")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_SEQ_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    delivered_seq: int
    def __init__(self, conversation_id: _Optional[str] = ..., delivered_seq: _Optional[int] = ...) -> None: ...

class ServerFrame(_message.Message):
    __slots__ = ("request_id", "session", "send_ack", "error", "message", "notification", "kicked", "pong", "mark_read_result", "typing", "presence_snapshot", "presence", "read_state", "delivery_receipt")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    SEND_ACK_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    KICKED_FIELD_NUMBER: _ClassVar[int]
    PONG_FIELD_NUMBER: _ClassVar[int]
    MARK_READ_RESULT_FIELD_NUMBER: _ClassVar[int]
    TYPING_FIELD_NUMBER: _ClassVar[int]
    PRESENCE_SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    PRESENCE_FIELD_NUMBER: _ClassVar[int]
    READ_STATE_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_RECEIPT_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    session: SessionFrame
    send_ack: SendAckFrame
    error: ErrorFrame
    message: PushedMessageFrame
    notification: PushedMessageFrame
    kicked: KickedFrame
    pong: PongFrame
    mark_read_result: MarkReadResultFrame
    typing: TypingEventFrame
    presence_snapshot: PresenceSnapshotFrame
    presence: PresenceFrame
    read_state: ReadStateFrame
    delivery_receipt: DeliveryReceiptFrame
    def __init__(self, request_id: _Optional[str] = ..., session: _Optional[_Union[SessionFrame, _Mapping]] = ..., send_ack: _Optional[_Union[SendAckFrame, _Mapping]] = ..., error: _Optional[_Union[ErrorFrame, _Mapping]] = ..., message: _Optional[_Union[PushedMessageFrame, _Mapping]] = ..., notification: _Optional[_Union[PushedMessageFrame, _Mapping]] = ..., kicked: _Optional[_Union[KickedFrame, _Mapping]] = ..., pong: _Optional[_Union[PongFrame, _Mapping]] = ..., mark_read_result: _Optional[_Union[MarkReadResultFrame, _Mapping]] = ..., typing: _Optional[_Union[TypingEventFrame, _Mapping]] = ..., presence_snapshot: _Optional[_Union[PresenceSnapshotFrame, _Mapping]] = ..., presence: _Optional[_Union[PresenceFrame, _Mapping]] = ..., read_state: _Optional[_Union[ReadStateFrame, _Mapping]] = ..., delivery_receipt: _Optional[_Union[DeliveryReceiptFrame, _Mapping]] = ...) -> None: ...

class SessionFrame(_message.Message):
    __slots__ = ("server_time_ms", "user_id", "platform", "device_id", "conversations_version", "heartbeat_interval_ms", "idle_timeout_ms", "max_frame_bytes", "node_id")
    SERVER_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    DEVICE_ID_FIELD_NUMBER: _ClassVar[int]
    CONVERSATIONS_VERSION_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_INTERVAL_MS_FIELD_NUMBER: _ClassVar[int]
    IDLE_TIMEOUT_MS_FIELD_NUMBER: _ClassVar[int]
    MAX_FRAME_BYTES_FIELD_NUMBER: _ClassVar[int]
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    server_time_ms: int
    user_id: str
    platform: _common_pb2.Platform
    device_id: str
    conversations_version: int
    heartbeat_interval_ms: int
    idle_timeout_ms: int
    max_frame_bytes: int
    node_id: str
    def __init__(self, server_time_ms: _Optional[int] = ..., user_id: _Optional[str] = ..., platform: _Optional[_Union[_common_pb2.Platform, str]] = ..., device_id: _Optional[str] = ..., conversations_version: _Optional[int] = ..., heartbeat_interval_ms: _Optional[int] = ..., idle_timeout_ms: _Optional[int] = ..., max_frame_bytes: _Optional[int] = ..., node_id: _Optional[str] = ...) -> None: ...

class SendAckFrame(_message.Message):
    __slots__ = ("ack",)
    ACK_FIELD_NUMBER: _ClassVar[int]
    ack: _message_pb2.SendAck
    def __init__(self, ack: _Optional[_Union[_message_pb2.SendAck, _Mapping]] = ...) -> None: ...

class ErrorFrame(_message.Message):
    __slots__ = ("code", "reason", "message", "client_msg_id")
    CODE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CLIENT_MSG_ID_FIELD_NUMBER: _ClassVar[int]
    code: int
    reason: _common_pb2.ErrorReason
    message: str
    client_msg_id: str
    def __init__(self, code: _Optional[int] = ..., reason: _Optional[_Union[_common_pb2.ErrorReason, str]] = ..., message: _Optional[str] = ..., client_msg_id: _Optional[str] = ...) -> None: ...

class PushedMessageFrame(_message.Message):
    __slots__ = ("message",)
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    message: _message_pb2.Message
    def __init__(self, message: _Optional[_Union[_message_pb2.Message, _Mapping]] = ...) -> None: ...

class KickedFrame(_message.Message):
    __slots__ = ("reason", "by_platform")
    REASON_FIELD_NUMBER: _ClassVar[int]
    BY_PLATFORM_FIELD_NUMBER: _ClassVar[int]
    reason: _common_pb2.ErrorReason
    by_platform: _common_pb2.Platform
    def __init__(self, reason: _Optional[_Union[_common_pb2.ErrorReason, str]] = ..., by_platform: _Optional[_Union[_common_pb2.Platform, str]] = ...) -> None: ...

class PongFrame(_message.Message):
    __slots__ = ("client_time_ms", "server_time_ms")
    CLIENT_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    SERVER_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    client_time_ms: int
    server_time_ms: int
    def __init__(self, client_time_ms: _Optional[int] = ..., server_time_ms: _Optional[int] = ...) -> None: ...

class MarkReadResultFrame(_message.Message):
    __slots__ = ("conversation_id", "has_read_seq", "unread_count")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    HAS_READ_SEQ_FIELD_NUMBER: _ClassVar[int]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    has_read_seq: int
    unread_count: int
    def __init__(self, conversation_id: _Optional[str] = ..., has_read_seq: _Optional[int] = ..., unread_count: _Optional[int] = ...) -> None: ...

class TypingEventFrame(_message.Message):
    __slots__ = ("conversation_id", "user_id", "typing")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    TYPING_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    user_id: str
    typing: bool
    def __init__(self, conversation_id: _Optional[str] = ..., user_id: _Optional[str] = ..., typing: _Optional[bool] = ...) -> None: ...

class PresenceSnapshotFrame(_message.Message):
    __slots__ = ("statuses",)
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    statuses: _containers.RepeatedCompositeFieldContainer[_user_pb2.OnlineStatus]
    def __init__(self, statuses: _Optional[_Iterable[_Union[_user_pb2.OnlineStatus, _Mapping]]] = ...) -> None: ...

class PresenceFrame(_message.Message):
    __slots__ = ("status",)
    STATUS_FIELD_NUMBER: _ClassVar[int]
    status: _user_pb2.OnlineStatus
    def __init__(self, status: _Optional[_Union[_user_pb2.OnlineStatus, _Mapping]] = ...) -> None: ...

class ReadStateFrame(_message.Message):
    __slots__ = ("conversation_id", "has_read_seq", "unread_count")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    HAS_READ_SEQ_FIELD_NUMBER: _ClassVar[int]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    has_read_seq: int
    unread_count: int
    def __init__(self, conversation_id: _Optional[str] = ..., has_read_seq: _Optional[int] = ..., unread_count: _Optional[int] = ...) -> None: ...

class DeliveryReceiptFrame(_message.Message):
    __slots__ = ("conversation_id", "user_id", "delivered_seq")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_SEQ_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    user_id: str
    delivered_seq: int
    def __init__(self, conversation_id: _Optional[str] = ..., user_id: _Optional[str] = ..., delivered_seq: _Optional[int] = ...) -> None: ...
