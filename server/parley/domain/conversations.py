"""The conversation list: state, unread counts, per-user settings."""

from __future__ import annotations

from collections.abc import Sequence

from parley.clock import now_ms
from parley.common.v1 import common_pb2
from parley.conversation.v1 import conversation_pb2
from parley.domain.access import Access
from parley.domain.rules import Action
from parley.domain.sync import Sync, visible_message
from parley.errors import R, invalid, not_found
from parley.ids import notification_conversation_id, parse_conversation_id
from parley.log.conversation_log import ConversationLog
from parley.msg.v1 import message_pb2, notification_pb2
from parley.storage.records import Conversation, UserConversation

RO = common_pb2.ReceiveOption
LATEST_LOOKBACK = 20


def _is_receipt(msg: message_pb2.Message) -> bool:
    if not msg.HasField("notification"):
        return False
    return msg.notification.WhichOneof("event") in ("read_receipt", "delivery_receipt")


class Conversations:
    def __init__(self, log: ConversationLog, access: Access, sync: Sync) -> None:
        self.log = log
        self.access = access
        self.sync = sync

    async def _latest(
        self, user_id: str, uc: UserConversation, top: int
    ) -> message_pb2.Message | None:
        lo = max(uc.min_seq, top - LATEST_LOOKBACK + 1, 1)
        if top < lo:
            return None
        rows = await self.sync.messages.get_range(uc.conversation_id, lo, top)
        hidden = await self.sync.messages.hidden_seqs(user_id, uc.conversation_id, lo, top)
        for row in reversed(rows):
            msg = visible_message(row.body, row.status, row.seq in hidden, user_id)
            if msg is not None and not _is_receipt(msg):
                return msg
        return None

    async def to_proto(
        self, user_id: str, uc: UserConversation, conv: Conversation
    ) -> conversation_pb2.Conversation:
        state = await self.sync.seq_state(user_id, uc)
        out = conversation_pb2.Conversation(
            conversation_id=uc.conversation_id,
            session_type=uc.session_type,  # type: ignore[arg-type]
            peer_user_id=uc.peer_user_id,
            group_id=uc.group_id,
            max_seq=state.max_seq,
            min_seq=uc.min_seq,
            has_read_seq=uc.has_read_seq,
            unread_count=state.unread_count,
            pinned=uc.pinned,
            receive_option=uc.receive_option,  # type: ignore[arg-type]
            draft=uc.draft,
            draft_time_ms=uc.draft_time_ms,
            extension=uc.extension,
            version=max(uc.version, conv.version),
            update_time_ms=max(conv.update_time_ms, uc.draft_time_ms, uc.create_time_ms),
        )
        latest = await self._latest(user_id, uc, state.max_seq)
        if latest is not None:
            out.latest_message.CopyFrom(latest)
        return out

    async def list_page(
        self, user_id: str, since_version: int, offset: int, limit: int
    ) -> tuple[list[conversation_pb2.Conversation], int, int]:
        """Returns (page, total, current version)."""
        version = self.log.versions.safe()  # before the query: see VersionClock
        pairs = await self.log.conversations.list_user_conversations(user_id, since_version)
        pairs.sort(
            key=lambda p: (
                not p[0].pinned,
                -max(p[1].update_time_ms, p[0].draft_time_ms, p[0].create_time_ms),
                p[0].conversation_id,
            )
        )
        page = pairs[offset : offset + limit]
        return [await self.to_proto(user_id, uc, c) for uc, c in page], len(pairs), version

    async def get(
        self, user_id: str, conversation_ids: Sequence[str]
    ) -> list[conversation_pb2.Conversation]:
        if len(conversation_ids) > 500:
            raise invalid("at most 500 conversation ids")
        for cid in conversation_ids:
            parse_conversation_id(cid)
        pairs = await self.log.conversations.get_user_conversations(user_id, conversation_ids)
        return [await self.to_proto(user_id, uc, c) for uc, c in pairs]

    async def set(
        self,
        user_id: str,
        conversation_id: str,
        pinned: bool | None,
        receive_option: int | None,
        draft: str | None,
        extension: str | None,
    ) -> conversation_pb2.Conversation:
        await self.access.admit(Action.SET_CONVERSATION, conversation_id, user_id)
        fields: dict[str, object] = {}
        if pinned is not None:
            fields["pinned"] = pinned
        if receive_option is not None:
            if receive_option not in RO.values():
                raise invalid("unknown receive option")
            fields["receive_option"] = receive_option
        if draft is not None:
            if len(draft) > 10_000:
                raise invalid("draft longer than 10000 chars")
            fields["draft"] = draft
            fields["draft_time_ms"] = now_ms() if draft else 0
        if extension is not None:
            if len(extension) > 4096:
                raise invalid("extension longer than 4096 chars")
            fields["extension"] = extension
        uc = await self.log.conversations.get_user_conversation(user_id, conversation_id)
        if uc is None:
            raise not_found(R.ERROR_REASON_CONVERSATION_NOT_FOUND, "conversation not found")
        if fields:
            version = self.log.versions.next()
            fields["version"] = version
            try:
                await self.log.conversations.update_user_conversation(
                    user_id, conversation_id, **fields
                )
            finally:
                self.log.versions.done((version,))
            note = notification_pb2.Notification(op_user_id=user_id)
            note.conversation_changed.conversation_id = conversation_id
            ref = parse_conversation_id(notification_conversation_id(user_id))
            await self.log.append_event(ref, note, members=[user_id])
        got = await self.get(user_id, [conversation_id])
        return got[0]

    async def total_unread(self, user_id: str) -> int:
        pairs = await self.log.conversations.list_user_conversations(user_id, 0)
        total = 0
        for uc, _ in pairs:
            if uc.receive_option == RO.RECEIVE_OPTION_NOT_RECEIVE:
                continue
            total += (await self.sync.seq_state(user_id, uc)).unread_count
        return total
