"""Events for users rather than conversations: each user's notification conversation."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from parley.ids import notification_conversation_id, parse_conversation_id
from parley.log.conversation_log import ConversationLog
from parley.msg.v1 import message_pb2, notification_pb2


async def notify_users(
    log: ConversationLog, user_ids: Iterable[str], note: notification_pb2.Notification
) -> None:
    """Stores the event in each user's notification conversation and pushes it.
    All appends are enqueued before any is awaited, so a fan-out to many users
    shares a few group commits instead of paying one fsync per user."""
    futures = []
    for u in dict.fromkeys(user_ids):
        ref = parse_conversation_id(notification_conversation_id(u))
        msg = message_pb2.Message(counts_unread=False, sender_id=note.op_user_id)
        msg.notification.CopyFrom(note)
        fut = await log.append(ref, msg, [u])
        if fut is not None:
            futures.append(fut)
    if futures:
        await asyncio.gather(*futures)
