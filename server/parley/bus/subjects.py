"""Subject names. A conversation always maps to the same partition (crc32,
not Python's per-process salted hash), so its messages stay in one ordered
subject set that one worker at a time consumes."""

from __future__ import annotations

import re
import zlib

STREAM = "PARLEY_MSG"
_SAFE = re.compile(r"^[A-Za-z0-9_@-]{1,200}$")
TICK = "~tick"


def partition_of(conversation_id: str, partitions: int) -> int:
    return zlib.crc32(conversation_id.encode()) % partitions


def token(conversation_id: str) -> str:
    """One subject token per conversation: ids may hold '.', which NATS
    reads as a separator, so such ids are hex-encoded."""
    if _SAFE.match(conversation_id):
        return conversation_id
    return "~" + conversation_id.encode().hex()


def message_subject(prefix: str, partition: int, conversation_id: str) -> str:
    return f"{prefix}.msg.{partition}.{token(conversation_id)}"


def partition_filter(prefix: str, partition: int) -> str:
    return f"{prefix}.msg.{partition}.>"


def tick_subject(prefix: str, partition: int) -> str:
    return f"{prefix}.msg.{partition}.{TICK}"


def stream_subjects(prefix: str) -> str:
    return f"{prefix}.msg.>"


def push_subject(prefix: str, node_id: str) -> str:
    return f"{prefix}.push.{node_id}"


def workers_subject(prefix: str) -> str:
    """Workers' heartbeats (parley.bus.worker_beat), heard by the gateways."""
    return f"{prefix}.workers"


def peers_subject(prefix: str) -> str:
    """Changes every gateway applies (parley.domain.peers), broadcast."""
    return f"{prefix}.peers"
