"""Log entries as releases before the protobuf log wrote them: BSON
documents of the WriteBatch's column dicts. Read only, so that a rolling
upgrade goes on persisting what older gateways appended; nothing writes this
format any more, and a log holds it at most `max_age_seconds` after the last
old gateway stopped (docs/cluster.md, "Upgrading")."""

from __future__ import annotations

from typing import Any

import bson
from bson.errors import InvalidBSON

from parley.storage.batch import HiddenMark, MessageUpdate, WriteBatch
from parley.storage.records import Conversation, Message, UserConversation

KINDS = {"msg", "hole", "tick"}


def is_bson(data: bytes) -> bool:
    """A BSON document starts with its own size (int32, little-endian) and
    ends with NUL."""
    return len(data) >= 5 and int.from_bytes(data[:4], "little") == len(data) and data[-1:] == b"\0"


def _update(u: dict[str, Any]) -> MessageUpdate:
    # Written with the SQL writer's bind names of the time.
    return MessageUpdate(
        conversation_id=u["b_conv"],
        seq=u["b_seq"],
        status=u["b_status"],
        body=bytes(u["b_body"]),
        search_text=u["b_text"],
    )


def _message(m: dict[str, Any]) -> Message:
    return Message(**{**m, "body": bytes(m["body"])})


def _batch(d: dict[str, Any]) -> WriteBatch:
    return WriteBatch(
        messages=[_message(m) for m in d["messages"]],
        conversations={c["conversation_id"]: Conversation(**c) for c in d["conversations"]},
        user_conversations=[UserConversation(**uc) for uc in d["user_conversations"]],
        read_marks={(u, c): (s, v) for u, c, s, v in d["read_marks"]},
        delivered_marks={(u, c): s for u, c, s in d["delivered_marks"]},
        min_seq_marks={(u, c): (s, v) for u, c, s, v in d["min_seq_marks"]},
        message_updates=[_update(u) for u in d["message_updates"]],
        hidden=[HiddenMark(**h) for h in d["hidden"]],
        activity={(x[0], x[1]) for x in d["activity"]},
        counters={(x, m): n for x, m, n in d.get("counters", [])},
        group_activity={(x[0], x[1]) for x in d.get("group_activity", [])},
        last_active=dict(d.get("last_active", {})),
    )


def envelope_fields(data: bytes) -> dict[str, Any]:
    """The Envelope's fields, by name, of a BSON entry."""
    try:
        doc = bson.decode(data)
    except InvalidBSON as e:
        raise ValueError(f"undecodable log entry: {e}") from e
    if doc.get("k") not in KINDS:
        raise ValueError(f"log entry of unknown kind {doc.get('k')!r}")
    return {
        "kind": doc["k"],
        "conversation_id": doc.get("c", ""),
        "seq": int(doc.get("s", 0)),
        "alloc_ms": int(doc.get("t", 0)),
        "batch": _batch(doc["b"]) if "b" in doc else None,
        "members": list(doc.get("m", [])),
        "frame": bytes(doc.get("f", b"")),
        "exclude": doc.get("x", ""),
    }
