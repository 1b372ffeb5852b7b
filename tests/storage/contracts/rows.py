"""Record builders shared by the contract suites."""

from __future__ import annotations

import time
import uuid

from parley.storage.batch import WriteBatch
from parley.storage.records import Conversation, Message, UserConversation


def now_ms() -> int:
    return int(time.time() * 1000)


def message(
    cid: str,
    seq: int,
    sender: str,
    text: str = "",
    *,
    cmid: str | None = None,
    at_ms: int | None = None,
    counts_unread: bool = True,
    status: int = 1,
    body: bytes | None = None,
) -> Message:
    return Message(
        conversation_id=cid,
        seq=seq,
        server_msg_id=uuid.uuid4().hex,
        client_msg_id=cmid or uuid.uuid4().hex,
        sender_id=sender,
        session_type=1,
        status=status,
        counts_unread=counts_unread,
        server_time_ms=at_ms if at_ms is not None else now_ms(),
        search_text=text.lower(),
        body=body if body is not None else f"body-{cid}-{seq}".encode(),
    )


def member(user_id: str, cid: str, version: int = 1, min_seq: int = 0) -> UserConversation:
    return UserConversation(
        user_id=user_id,
        conversation_id=cid,
        session_type=1,
        min_seq=min_seq,
        version=version,
        create_time_ms=now_ms(),
    )


def conversation(cid: str, max_seq: int, version: int = 1) -> Conversation:
    return Conversation(
        conversation_id=cid,
        session_type=1,
        max_seq=max_seq,
        version=version,
        update_time_ms=now_ms(),
    )


def chat_batch(
    cid: str, sender: str, members: list[str], texts: list[str], first_seq: int = 1
) -> WriteBatch:
    """What the send path writes for `texts` sent one after the other."""
    b = WriteBatch()
    for i, t in enumerate(texts):
        b.messages.append(message(cid, first_seq + i, sender, t))
    b.conversations[cid] = conversation(cid, first_seq + len(texts) - 1)
    b.user_conversations.extend(member(u, cid) for u in members)
    return b
