from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Content(_message.Message):
    __slots__ = ("text", "image", "voice", "video", "file", "location", "card", "quote", "merged_forward", "custom")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    VOICE_FIELD_NUMBER: _ClassVar[int]
    VIDEO_FIELD_NUMBER: _ClassVar[int]
    FILE_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    CARD_FIELD_NUMBER: _ClassVar[int]
    QUOTE_FIELD_NUMBER: _ClassVar[int]
    MERGED_FORWARD_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_FIELD_NUMBER: _ClassVar[int]
    text: TextContent
    image: ImageContent
    voice: VoiceContent
    video: VideoContent
    file: FileContent
    location: LocationContent
    card: CardContent
    quote: QuoteContent
    merged_forward: MergedForwardContent
    custom: CustomContent
    def __init__(self, text: _Optional[_Union[TextContent, _Mapping]] = ..., image: _Optional[_Union[ImageContent, _Mapping]] = ..., voice: _Optional[_Union[VoiceContent, _Mapping]] = ..., video: _Optional[_Union[VideoContent, _Mapping]] = ..., file: _Optional[_Union[FileContent, _Mapping]] = ..., location: _Optional[_Union[LocationContent, _Mapping]] = ..., card: _Optional[_Union[CardContent, _Mapping]] = ..., quote: _Optional[_Union[QuoteContent, _Mapping]] = ..., merged_forward: _Optional[_Union[MergedForwardContent, _Mapping]] = ..., custom: _Optional[_Union[CustomContent, _Mapping]] = ...) -> None: ...

class TextContent(_message.Message):
    __slots__ = ("text",)
    TEXT_FIELD_NUMBER: _ClassVar[int]
    text: str
    def __init__(self, text: _Optional[str] = ...) -> None: ...

class ImageRendition(_message.Message):
    __slots__ = ("url", "width", "height", "size", "file_id")
    URL_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    url: str
    width: int
    height: int
    size: int
    file_id: str
    def __init__(self, url: _Optional[str] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., size: _Optional[int] = ..., file_id: _Optional[str] = ...) -> None: ...

class ImageContent(_message.Message):
    __slots__ = ("original", "big", "thumbnail", "mime_type", "placeholder")
    ORIGINAL_FIELD_NUMBER: _ClassVar[int]
    BIG_FIELD_NUMBER: _ClassVar[int]
    THUMBNAIL_FIELD_NUMBER: _ClassVar[int]
    MIME_TYPE_FIELD_NUMBER: _ClassVar[int]
    PLACEHOLDER_FIELD_NUMBER: _ClassVar[int]
    original: ImageRendition
    big: ImageRendition
    thumbnail: ImageRendition
    mime_type: str
    placeholder: str
    def __init__(self, original: _Optional[_Union[ImageRendition, _Mapping]] = ..., big: _Optional[_Union[ImageRendition, _Mapping]] = ..., thumbnail: _Optional[_Union[ImageRendition, _Mapping]] = ..., mime_type: _Optional[str] = ..., placeholder: _Optional[str] = ...) -> None: ...

class VoiceContent(_message.Message):
    __slots__ = ("url", "duration_seconds", "size", "mime_type", "file_id")
    URL_FIELD_NUMBER: _ClassVar[int]
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    MIME_TYPE_FIELD_NUMBER: _ClassVar[int]
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    url: str
    duration_seconds: int
    size: int
    mime_type: str
    file_id: str
    def __init__(self, url: _Optional[str] = ..., duration_seconds: _Optional[int] = ..., size: _Optional[int] = ..., mime_type: _Optional[str] = ..., file_id: _Optional[str] = ...) -> None: ...

class VideoContent(_message.Message):
    __slots__ = ("url", "duration_seconds", "size", "snapshot", "mime_type", "file_id")
    URL_FIELD_NUMBER: _ClassVar[int]
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    MIME_TYPE_FIELD_NUMBER: _ClassVar[int]
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    url: str
    duration_seconds: int
    size: int
    snapshot: ImageRendition
    mime_type: str
    file_id: str
    def __init__(self, url: _Optional[str] = ..., duration_seconds: _Optional[int] = ..., size: _Optional[int] = ..., snapshot: _Optional[_Union[ImageRendition, _Mapping]] = ..., mime_type: _Optional[str] = ..., file_id: _Optional[str] = ...) -> None: ...

class FileContent(_message.Message):
    __slots__ = ("url", "name", "size", "mime_type", "file_id")
    URL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    MIME_TYPE_FIELD_NUMBER: _ClassVar[int]
    FILE_ID_FIELD_NUMBER: _ClassVar[int]
    url: str
    name: str
    size: int
    mime_type: str
    file_id: str
    def __init__(self, url: _Optional[str] = ..., name: _Optional[str] = ..., size: _Optional[int] = ..., mime_type: _Optional[str] = ..., file_id: _Optional[str] = ...) -> None: ...

class LocationContent(_message.Message):
    __slots__ = ("latitude", "longitude", "description")
    LATITUDE_FIELD_NUMBER: _ClassVar[int]
    LONGITUDE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    latitude: float
    longitude: float
    description: str
    def __init__(self, latitude: _Optional[float] = ..., longitude: _Optional[float] = ..., description: _Optional[str] = ...) -> None: ...

class CardContent(_message.Message):
    __slots__ = ("user_id", "nickname", "avatar_url")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    NICKNAME_FIELD_NUMBER: _ClassVar[int]
    AVATAR_URL_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    nickname: str
    avatar_url: str
    def __init__(self, user_id: _Optional[str] = ..., nickname: _Optional[str] = ..., avatar_url: _Optional[str] = ...) -> None: ...

class MessageSummary(_message.Message):
    __slots__ = ("conversation_id", "seq", "server_msg_id", "sender_id", "sender_nickname", "summary", "send_time_ms")
    CONVERSATION_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    SERVER_MSG_ID_FIELD_NUMBER: _ClassVar[int]
    SENDER_ID_FIELD_NUMBER: _ClassVar[int]
    SENDER_NICKNAME_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    SEND_TIME_MS_FIELD_NUMBER: _ClassVar[int]
    conversation_id: str
    seq: int
    server_msg_id: str
    sender_id: str
    sender_nickname: str
    summary: str
    send_time_ms: int
    def __init__(self, conversation_id: _Optional[str] = ..., seq: _Optional[int] = ..., server_msg_id: _Optional[str] = ..., sender_id: _Optional[str] = ..., sender_nickname: _Optional[str] = ..., summary: _Optional[str] = ..., send_time_ms: _Optional[int] = ...) -> None: ...

class QuoteContent(_message.Message):
    __slots__ = ("text", "quoted")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    QUOTED_FIELD_NUMBER: _ClassVar[int]
    text: str
    quoted: MessageSummary
    def __init__(self, text: _Optional[str] = ..., quoted: _Optional[_Union[MessageSummary, _Mapping]] = ...) -> None: ...

class MergedForwardContent(_message.Message):
    __slots__ = ("title", "abstracts", "messages")
    TITLE_FIELD_NUMBER: _ClassVar[int]
    ABSTRACTS_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    title: str
    abstracts: _containers.RepeatedScalarFieldContainer[str]
    messages: _containers.RepeatedCompositeFieldContainer[MessageSummary]
    def __init__(self, title: _Optional[str] = ..., abstracts: _Optional[_Iterable[str]] = ..., messages: _Optional[_Iterable[_Union[MessageSummary, _Mapping]]] = ...) -> None: ...

class CustomContent(_message.Message):
    __slots__ = ("type", "data", "description")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    type: str
    data: bytes
    description: str
    def __init__(self, type: _Optional[str] = ..., data: _Optional[bytes] = ..., description: _Optional[str] = ...) -> None: ...

class Mentions(_message.Message):
    __slots__ = ("user_ids", "all")
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    ALL_FIELD_NUMBER: _ClassVar[int]
    user_ids: _containers.RepeatedScalarFieldContainer[str]
    all: bool
    def __init__(self, user_ids: _Optional[_Iterable[str]] = ..., all: _Optional[bool] = ...) -> None: ...
