"""The log's writer of releases before protobuf, kept as it was: old gateways
in a rolling upgrade append this (test_codec checks it reproduces the
fixture the old code wrote, byte for byte). Its batches were column dicts,
with the SQL writer's bind names for message updates: the records are turned
back into those dicts first."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import bson

from parley.bus.codec import Envelope
from parley.storage.batch import WriteBatch


def _batch(b: WriteBatch) -> dict[str, Any]:
    return {
        "messages": [asdict(m) for m in b.messages],
        "conversations": [asdict(c) for c in b.conversations.values()],
        "user_conversations": [asdict(uc) for uc in b.user_conversations],
        "read_marks": [[u, c, s, v] for (u, c), (s, v) in b.read_marks.items()],
        "delivered_marks": [[u, c, s] for (u, c), s in b.delivered_marks.items()],
        "min_seq_marks": [[u, c, s, v] for (u, c), (s, v) in b.min_seq_marks.items()],
        "message_updates": [
            {
                "b_conv": u.conversation_id,
                "b_seq": u.seq,
                "b_status": u.status,
                "b_body": u.body,
                "b_text": u.search_text,
            }
            for u in b.message_updates
        ],
        "hidden": [asdict(h) for h in b.hidden],
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
