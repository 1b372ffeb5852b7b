"""Validation of message content, per kind, and its text renderings."""

from __future__ import annotations

from parley.errors import R, exhausted, invalid
from parley.msg.v1 import content_pb2, message_pb2


def _need(cond: bool, what: str) -> None:
    if not cond:
        raise invalid(what, R.ERROR_REASON_CONTENT_INVALID)


def validate_content(content: content_pb2.Content, max_bytes: int) -> None:
    kind = content.WhichOneof("kind")
    if kind is None:
        raise invalid("content has no known kind", R.ERROR_REASON_CONTENT_INVALID)
    if content.ByteSize() > max_bytes:
        raise exhausted(R.ERROR_REASON_CONTENT_TOO_LARGE, f"content exceeds {max_bytes} bytes")
    if kind == "text":
        _need(bool(content.text.text.strip()), "text content is empty")
    elif kind == "image":
        orig = content.image.original
        _need(bool(orig.url or orig.file_id), "image needs original.url or original.file_id")
    elif kind == "voice":
        _need(bool(content.voice.url or content.voice.file_id), "voice needs url or file_id")
        _need(content.voice.duration_seconds >= 0, "voice duration is negative")
    elif kind == "video":
        _need(bool(content.video.url or content.video.file_id), "video needs url or file_id")
        _need(content.video.duration_seconds >= 0, "video duration is negative")
    elif kind == "file":
        f = content.file
        _need(bool(f.url or f.file_id) and bool(f.name), "file needs a name and url or file_id")
        _need(content.file.size >= 0, "file size is negative")
    elif kind == "location":
        loc = content.location
        _need(-90.0 <= loc.latitude <= 90.0, "latitude out of range")
        _need(-180.0 <= loc.longitude <= 180.0, "longitude out of range")
    elif kind == "card":
        _need(bool(content.card.user_id), "card needs user_id")
    elif kind == "quote":
        _need(bool(content.quote.text.strip()), "quote needs text")
        _need(content.quote.quoted.seq > 0, "quote needs the quoted message")
    elif kind == "merged_forward":
        _need(len(content.merged_forward.messages) > 0, "merged forward needs messages")
    elif kind == "custom":
        _need(bool(content.custom.type), "custom content needs a type tag")


def summary(message: message_pb2.Message) -> str:
    """A one-line rendering for lists and push payloads."""
    c = message.content
    kind = c.WhichOneof("kind")
    if kind == "text":
        return c.text.text[:200]
    if kind == "quote":
        return c.quote.text[:200]
    labels = {
        "image": "[Image]",
        "voice": "[Voice]",
        "video": "[Video]",
        "file": "[File]",
        "location": "[Location]",
        "card": "[Card]",
        "merged_forward": "[Chat history]",
        "custom": "[Custom]",
    }
    if kind is not None:
        return labels.get(kind, "")
    return "[Notification]" if message.HasField("notification") else ""
