"""New message ids keep uuid4's hex form (clients and stores saw uuid4 hex before)."""

from __future__ import annotations

import uuid

from parley.ids import new_msg_id


def test_new_msg_ids_are_uuid4_hex_and_distinct() -> None:
    ids = [new_msg_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    for s in ids:
        u = uuid.UUID(hex=s)
        assert u.hex == s and len(s) == 32
        assert u.version == 4 and u.variant == uuid.RFC_4122
