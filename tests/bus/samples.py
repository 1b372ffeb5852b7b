"""A log entry that fills every kind of WriteBatch entry, for the codec tests.

`fixtures/bson-entry.bin` is this entry as the BSON codec before protobuf
wrote it (the format of logs written by earlier releases)."""

from __future__ import annotations

from pathlib import Path

from parley.storage.batch import HiddenMark, MessageUpdate, WriteBatch
from parley.storage.records import Conversation, Message, UserConversation

FIXTURES = Path(__file__).parent / "fixtures"
CONV = "si_alice_bob"
SEQ = 42
ALLOC_MS = 1_765_000_000_123
FRAME = b"\x0a\x05frame\x00\xff"
MEMBERS = ["alice", "bob"]
EXCLUDE = "node-1/dev-a"


def sample_batch() -> WriteBatch:
    return WriteBatch(
        messages=[
            Message(
                conversation_id=CONV,
                seq=SEQ,
                server_msg_id="6f1d2c",
                client_msg_id="c-1",
                sender_id="alice",
                session_type=1,
                status=1,
                counts_unread=True,
                server_time_ms=ALLOC_MS + 1,
                search_text="héllo wörld",
                body=b"\x08\x2a\x00\x01binary\xfe",
            )
        ],
        conversations={
            CONV: Conversation(
                conversation_id=CONV,
                session_type=1,
                max_seq=SEQ,
                version=9_000_000_001,
                update_time_ms=ALLOC_MS + 1,
            )
        },
        user_conversations=[
            UserConversation(
                user_id="bob",
                conversation_id=CONV,
                session_type=1,
                peer_user_id="alice",
                group_id="",
                min_seq=3,
                has_read_seq=2,
                delivered_seq=1,
                pinned=True,
                receive_option=2,
                draft="draft ✍",
                draft_time_ms=17,
                extension='{"k": 1}',
                version=9_000_000_002,
                create_time_ms=ALLOC_MS,
            )
        ],
        read_marks={("alice", CONV): (SEQ, 9_000_000_003)},
        delivered_marks={("bob", CONV): SEQ - 1},
        min_seq_marks={("bob", "g_team"): (7, 9_000_000_004)},
        message_updates=[
            MessageUpdate(conversation_id=CONV, seq=40, status=2, body=b"\x10\x02", search_text="")
        ],
        hidden=[HiddenMark(user_id="bob", conversation_id=CONV, seq=39)],
        # One pair per set: a set's order differs between processes, the fixture's bytes may not.
        activity={("2025-12-06", "alice")},
        counters={("2025-12-06", "messages"): 2, ("2025-12-06", "edits"): 1},
        group_activity={("2025-12-06", "g_team")},
        last_active={"alice": ALLOC_MS + 1, "bob": ALLOC_MS - 5},
    )
