from parley.common.v1 import common_pb2 as _common_pb2
from parley.msg.v1 import content_pb2 as _content_pb2
from parley.msg.v1 import message_pb2 as _message_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PullOrder(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PULL_ORDER_UNSPECIFIED: _ClassVar[PullOrder]
    PULL_ORDER_ASC: _ClassVar[PullOrder]
    PULL_ORDER_DESC: _ClassVar[PullOrder]

class DeleteScope(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DELETE_SCOPE_UNSPECIFIED: _ClassVar[DeleteScope]
    DELETE_SCOPE_FOR_ME: _ClassVar[DeleteScope]
    DELETE_SCOPE_FOR_EVERYONE: _ClassVar[DeleteScope]
PULL_ORDER_UNSPECIFIED: PullOrder
PULL_ORDER_ASC: PullOrder
PULL_ORDER_DESC: PullOrder
DELETE_SCOPE_UNSPECIFIED: DeleteScope
DELETE_SCOPE_FOR_ME: DeleteScope
DELETE_SCOPE_FOR_EVERYONE: DeleteScope

class SeqRange(_message.Message):
    __slots__ = ("conversation_id", "begin", "end")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    BEGIN_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    begin: int
    end: int
    def __init__(self, conversation_id: _Optional[str] = ..., begin: _Optional[int] = ..., end: _Optional[int] = ...) -> None: ...

class PulledMessages(_message.Message):
    __slots__ = ("conversation_id", "messages", "is_end")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    IS_END_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    messages: _containers.RepeatedCompositeFieldContainer[_message_pb2.Message]
    is_end: bool
    def __init__(self, conversation_id: _Optional[str] = ..., messages: _Optional[_Iterable[_Union[_message_pb2.Message, _Mapping]]] = ..., is_end: _Optional[bool] = ...) -> None: ...

class MessageReceipt(_message.Message):
    __slots__ = ("seq", "read_count", "delivered_count", "unread_count", "reader_user_ids")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    READ_COUNT_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_COUNT_FIELD_NUMBER: _ClassVar[int]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    READER_USER_IDS_FIELD_NUMBER: _ClassVar[int]
    seq: int
    read_count: int
    delivered_count: int
    unread_count: int
    reader_user_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, seq: _Optional[int] = ..., read_count: _Optional[int] = ..., delivered_count: _Optional[int] = ..., unread_count: _Optional[int] = ..., reader_user_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class SendMessageRequest(_message.Message):
    __slots__ = ("message",)
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    message: _message_pb2.OutgoingMessage
    def __init__(self, message: _Optional[_Union[_message_pb2.OutgoingMessage, _Mapping]] = ...) -> None: ...

class SendMessageResponse(_message.Message):
    __slots__ = ("ack",)
    ACK_FIELD_NUMBER: _ClassVar[int]
    ack: _message_pb2.SendAck
    def __init__(self, ack: _Optional[_Union[_message_pb2.SendAck, _Mapping]] = ...) -> None: ...

class PullMessagesRequest(_message.Message):
    __slots__ = ("ranges", "order")
    RANGES_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    ranges: _containers.RepeatedCompositeFieldContainer[SeqRange]
    order: PullOrder
    def __init__(self, ranges: _Optional[_Iterable[_Union[SeqRange, _Mapping]]] = ..., order: _Optional[_Union[PullOrder, str]] = ...) -> None: ...

class PullMessagesResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[PulledMessages]
    def __init__(self, results: _Optional[_Iterable[_Union[PulledMessages, _Mapping]]] = ...) -> None: ...

class GetSeqsRequest(_message.Message):
    __slots__ = ("conversation_ids",)
    CONVERSATION_IDS_FIELD_NUMBER: _ClassVar[int]
    conversation_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, conversation_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class GetSeqsResponse(_message.Message):
    __slots__ = ("seqs",)
    SEQS_FIELD_NUMBER: _ClassVar[int]
    seqs: _containers.RepeatedCompositeFieldContainer[_message_pb2.ConversationSeq]
    def __init__(self, seqs: _Optional[_Iterable[_Union[_message_pb2.ConversationSeq, _Mapping]]] = ...) -> None: ...

class MarkReadRequest(_message.Message):
    __slots__ = ("conversation_id", "has_read_seq")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    HAS_READ_SEQ_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    has_read_seq: int
    def __init__(self, conversation_id: _Optional[str] = ..., has_read_seq: _Optional[int] = ...) -> None: ...

class MarkReadResponse(_message.Message):
    __slots__ = ("has_read_seq", "unread_count")
    HAS_READ_SEQ_FIELD_NUMBER: _ClassVar[int]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    has_read_seq: int
    unread_count: int
    def __init__(self, has_read_seq: _Optional[int] = ..., unread_count: _Optional[int] = ...) -> None: ...

class AckDeliveryRequest(_message.Message):
    __slots__ = ("conversation_id", "delivered_seq")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_SEQ_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    delivered_seq: int
    def __init__(self, conversation_id: _Optional[str] = ..., delivered_seq: _Optional[int] = ...) -> None: ...

class AckDeliveryResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RevokeMessageRequest(_message.Message):
    __slots__ = ("conversation_id", "seq")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    seq: int
    def __init__(self, conversation_id: _Optional[str] = ..., seq: _Optional[int] = ...) -> None: ...

class RevokeMessageResponse(_message.Message):
    __slots__ = ("event_seq",)
    EVENT_SEQ_FIELD_NUMBER: _ClassVar[int]
    event_seq: int
    def __init__(self, event_seq: _Optional[int] = ...) -> None: ...

class EditMessageRequest(_message.Message):
    __slots__ = ("conversation_id", "seq", "content")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    seq: int
    content: _content_pb2.Content
    def __init__(self, conversation_id: _Optional[str] = ..., seq: _Optional[int] = ..., content: _Optional[_Union[_content_pb2.Content, _Mapping]] = ...) -> None: ...

class EditMessageResponse(_message.Message):
    __slots__ = ("event_seq", "edit_version")
    EVENT_SEQ_FIELD_NUMBER: _ClassVar[int]
    EDIT_VERSION_FIELD_NUMBER: _ClassVar[int]
    event_seq: int
    edit_version: int
    def __init__(self, event_seq: _Optional[int] = ..., edit_version: _Optional[int] = ...) -> None: ...

class DeleteMessagesRequest(_message.Message):
    __slots__ = ("conversation_id", "seqs", "scope")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    SEQS_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    seqs: _containers.RepeatedScalarFieldContainer[int]
    scope: DeleteScope
    def __init__(self, conversation_id: _Optional[str] = ..., seqs: _Optional[_Iterable[int]] = ..., scope: _Optional[_Union[DeleteScope, str]] = ...) -> None: ...

class DeleteMessagesResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ClearConversationRequest(_message.Message):
    __slots__ = ("conversation_id",)
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    def __init__(self, conversation_id: _Optional[str] = ...) -> None: ...

class ClearConversationResponse(_message.Message):
    __slots__ = ("min_seq",)
    MIN_SEQ_FIELD_NUMBER: _ClassVar[int]
    min_seq: int
    def __init__(self, min_seq: _Optional[int] = ...) -> None: ...

class SearchMessagesRequest(_message.Message):
    __slots__ = ("keyword", "conversation_id", "sender_id", "start_time_ms", "end_time_ms", "page")
    KEYWORD_FIELD_NUMBER: _ClassVar[int]
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    SENDER_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    END_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    keyword: str
    conversation_id: str
    sender_id: str
    start_time_ms: int
    end_time_ms: int
    page: _common_pb2.PageRequest
    def __init__(self, keyword: _Optional[str] = ..., conversation_id: _Optional[str] = ..., sender_id: _Optional[str] = ..., start_time_ms: _Optional[int] = ..., end_time_ms: _Optional[int] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class SearchMessagesResponse(_message.Message):
    __slots__ = ("messages", "page")
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    messages: _containers.RepeatedCompositeFieldContainer[_message_pb2.Message]
    page: _common_pb2.PageResponse
    def __init__(self, messages: _Optional[_Iterable[_Union[_message_pb2.Message, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class GetMessageReceiptsRequest(_message.Message):
    __slots__ = ("conversation_id", "seqs")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    SEQS_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    seqs: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, conversation_id: _Optional[str] = ..., seqs: _Optional[_Iterable[int]] = ...) -> None: ...

class GetMessageReceiptsResponse(_message.Message):
    __slots__ = ("receipts",)
    RECEIPTS_FIELD_NUMBER: _ClassVar[int]
    receipts: _containers.RepeatedCompositeFieldContainer[MessageReceipt]
    def __init__(self, receipts: _Optional[_Iterable[_Union[MessageReceipt, _Mapping]]] = ...) -> None: ...
