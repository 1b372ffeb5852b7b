"""What travels on the bus, as BSON (compact, and bytes need no escaping).

An Envelope is one append to a conversation: the seq, the WriteBatch that
stores it, and what to push once it is stored. Holes and ticks are envelopes
without a batch."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import bson

from parley.storage.batch import HiddenMark, MessageUpdate, WriteBatch
from parley.storage.records import Conversation, Message, UserConversation, message_values

MSG, HOLE, TICK = "msg", "hole", "tick"


def encode_batch(b: WriteBatch) -> dict[str, Any]:
    return {
        "messages": [message_values(m) for m in b.messages],
        "conversations": [asdict(c) for c in b.conversations.values()],
        "user_conversations": [asdict(uc) for uc in b.user_conversations],
        "read_marks": [[u, c, s, v] for (u, c), (s, v) in b.read_marks.items()],
        "delivered_marks": [[u, c, s] for (u, c), s in b.delivered_marks.items()],
        "min_seq_marks": [[u, c, s, v] for (u, c), (s, v) in b.min_seq_marks.items()],
        "message_updates": [asdict(u) for u in b.message_updates],
        "hidden": [asdict(h) for h in b.hidden],
        "activity": [list(x) for x in b.activity],
        "counters": [[d, m, n] for (d, m), n in b.counters.items()],
        "group_activity": [list(x) for x in b.group_activity],
        "last_active": b.last_active,
    }


def decode_batch(d: dict[str, Any]) -> WriteBatch:
    return WriteBatch(
        messages=[Message(**m) for m in d["messages"]],
        conversations={c["conversation_id"]: Conversation(**c) for c in d["conversations"]},
        user_conversations=[UserConversation(**uc) for uc in d["user_conversations"]],
        read_marks={(u, c): (s, v) for u, c, s, v in d["read_marks"]},
        delivered_marks={(u, c): s for u, c, s in d["delivered_marks"]},
        min_seq_marks={(u, c): (s, v) for u, c, s, v in d["min_seq_marks"]},
        message_updates=[MessageUpdate(**u) for u in d["message_updates"]],
        hidden=[HiddenMark(**h) for h in d["hidden"]],
        activity={(x[0], x[1]) for x in d["activity"]},
        counters={(x, m): n for x, m, n in d.get("counters", [])},
        group_activity={(x[0], x[1]) for x in d.get("group_activity", [])},
        last_active=dict(d.get("last_active", {})),
    )


@dataclass(slots=True)
class Envelope:
    kind: str
    conversation_id: str = ""
    seq: int = 0
    # When the seq was handed out (Unix ms): the workers' late rule.
    alloc_ms: int = 0
    batch: WriteBatch | None = None
    members: list[str] = field(default_factory=list)
    # The serialized ServerFrame to push once stored.
    frame: bytes = b""
    # "<node_id>/<device_id>": the sending stream, which gets no push of its own message.
    exclude: str = ""

    def encode(self) -> bytes:
        doc: dict[str, Any] = {"k": self.kind, "c": self.conversation_id, "s": self.seq}
        if self.alloc_ms:
            doc["t"] = self.alloc_ms
        if self.batch is not None:
            doc["b"] = encode_batch(self.batch)
        if self.members:
            doc["m"] = self.members
        if self.frame:
            doc["f"] = self.frame
        if self.exclude:
            doc["x"] = self.exclude
        return bson.encode(doc)

    @classmethod
    def decode(cls, data: bytes) -> Envelope:
        doc = bson.decode(data)
        return cls(
            kind=doc["k"],
            conversation_id=doc.get("c", ""),
            seq=int(doc.get("s", 0)),
            alloc_ms=int(doc.get("t", 0)),
            batch=decode_batch(doc["b"]) if "b" in doc else None,
            members=list(doc.get("m", [])),
            frame=bytes(doc.get("f", b"")),
            exclude=doc.get("x", ""),
        )


@dataclass(slots=True)
class PushEvent:
    """A frame for some users' streams on one node."""

    user_ids: list[str]
    frame: bytes
    exclude: str = ""

    def encode(self) -> bytes:
        return bson.encode({"u": self.user_ids, "f": self.frame, "x": self.exclude})

    @classmethod
    def decode(cls, data: bytes) -> PushEvent:
        doc = bson.decode(data)
        return cls(list(doc["u"]), bytes(doc["f"]), doc.get("x", ""))
