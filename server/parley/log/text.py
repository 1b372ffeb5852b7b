"""The searchable text stored beside each message (lower-cased; "" for
media without a caption): written by the log, rewritten by edits."""

from __future__ import annotations

from parley.msg.v1 import content_pb2


def search_text(content: content_pb2.Content) -> str:
    kind = content.WhichOneof("kind")
    if kind == "text":
        return content.text.text.lower()
    if kind == "quote":
        return content.quote.text.lower()
    if kind == "file":
        return content.file.name.lower()
    if kind == "location":
        return content.location.description.lower()
    if kind == "custom":
        return content.custom.description.lower()
    if kind == "merged_forward":
        return content.merged_forward.title.lower()
    return ""
