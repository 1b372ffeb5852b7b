"""The file ids a message's content names: what grants its readers a file."""

from __future__ import annotations

from parley.msg.v1 import content_pb2


def file_ids(content: content_pb2.Content) -> list[str]:
    kind = content.WhichOneof("kind")
    ids: list[str] = []
    if kind == "image":
        img = content.image
        ids = [img.original.file_id, img.big.file_id, img.thumbnail.file_id]
    elif kind == "voice":
        ids = [content.voice.file_id]
    elif kind == "video":
        ids = [content.video.file_id, content.video.snapshot.file_id]
    elif kind == "file":
        ids = [content.file.file_id]
    return list(dict.fromkeys(i for i in ids if i))
