"""The log's writer of releases before protobuf, kept as it was: old gateways
in a rolling upgrade append this (test_codec checks it reproduces the
fixture the old code wrote, byte for byte)."""

from __future__ import annotations

from typing import Any

import bson

from parley.bus.codec import Envelope
from parley.storage.batch import WriteBatch


def _batch(b: WriteBatch) -> dict[str, Any]:
    return {
        "messages": b.messages,
        "conversations": list(b.conversations.values()),
        "user_conversations": b.user_conversations,
        "read_marks": [[u, c, s, v] for (u, c), (s, v) in b.read_marks.items()],
        "delivered_marks": [[u, c, s] for (u, c), s in b.delivered_marks.items()],
        "min_seq_marks": [[u, c, s, v] for (u, c), (s, v) in b.min_seq_marks.items()],
        "message_updates": b.message_updates,
        "hidden": b.hidden,
        "activity": [list(x) for x in b.activity],
        "counters": [[d, m, n] for (d, m), n in b.counters.items()],
        "group_activity": [list(x) for x in b.group_activity],
        "last_active": b.last_active,
    }


def encode_bson(env: Envelope) -> bytes:
    doc: dict[str, Any] = {"k": env.kind, "c": env.conversation_id, "s": env.seq}
    if env.alloc_ms:
        doc["t"] = env.alloc_ms
    if env.batch is not None:
        doc["b"] = _batch(env.batch)
    if env.members:
        doc["m"] = env.members
    if env.frame:
        doc["f"] = env.frame
    if env.exclude:
        doc["x"] = env.exclude
    return bson.encode(doc)
