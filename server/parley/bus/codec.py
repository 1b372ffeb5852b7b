"""What travels on the bus.

An Envelope is one append to a conversation: the seq, the WriteBatch that
stores it, and what to push once it is stored. Holes and ticks are envelopes
without a batch. In the log (JetStream) an envelope is `PROTOBUF_LOG` then a
`parley.internal.log.v1.Entry`; entries of earlier releases, BSON documents,
are still read (bus/bson_entries.py). Push events go over core NATS and are
never stored, so they stay BSON."""

from __future__ import annotations

from dataclasses import dataclass, field

import bson
from google.protobuf.message import DecodeError

from parley.bus import bson_entries
from parley.bus.log_entries import batch_of, fill_batch
from parley.internal.log.v1 import log_pb2 as pb
from parley.storage.batch import WriteBatch

MSG, HOLE, TICK = "msg", "hole", "tick"

# The first four bytes of a protobuf entry. A BSON entry starts with its own
# size, little-endian; these read as ~829 million, more than NATS accepts in a
# message (64 MiB at most), so no BSON entry can start with them.
PROTOBUF_LOG = b"PLv1"

_KIND_PB = {
    MSG: pb.ENTRY_KIND_MESSAGE,
    HOLE: pb.ENTRY_KIND_HOLE,
    TICK: pb.ENTRY_KIND_TICK,
}
_KIND_OF = {v: k for k, v in _KIND_PB.items()}


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
        entry = pb.Entry(
            kind=_KIND_PB[self.kind],
            conversation_id=self.conversation_id,
            seq=self.seq,
            alloc_ms=self.alloc_ms,
            members=self.members,
            frame=self.frame,
            exclude=self.exclude,
        )
        if self.batch is not None:
            fill_batch(entry.batch, self.batch)
        return PROTOBUF_LOG + entry.SerializeToString()

    @classmethod
    def decode(cls, data: bytes) -> Envelope:
        if data[:4] == PROTOBUF_LOG:
            try:
                entry = pb.Entry.FromString(data[4:])
            except DecodeError as e:
                raise ValueError(f"undecodable log entry: {e}") from e
            return cls._of(entry)
        if bson_entries.is_bson(data):
            return cls(**bson_entries.envelope_fields(data))
        raise ValueError(f"not a log entry (starts with {data[:8]!r})")

    @classmethod
    def _of(cls, entry: pb.Entry) -> Envelope:
        kind = _KIND_OF.get(entry.kind)
        if kind is None:
            raise ValueError(f"log entry of unknown kind {entry.kind}")
        return cls(
            kind=kind,
            conversation_id=entry.conversation_id,
            seq=entry.seq,
            alloc_ms=entry.alloc_ms,
            batch=batch_of(entry.batch) if entry.HasField("batch") else None,
            members=list(entry.members),
            frame=entry.frame,
            exclude=entry.exclude,
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
