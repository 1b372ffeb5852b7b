"""Who may read a file: its uploader, and the readers of a message whose
content names it. The references table only says where to look; the message
row decides, as the reader sees it now, so revoke, delete for everyone, a
clear, a leave and retention take the file away with the message."""

from __future__ import annotations

from collections.abc import Sequence

from parley.domain.access import Access
from parley.domain.files.refs import file_ids
from parley.errors import ParleyError, R, not_found
from parley.msg.v1 import message_pb2
from parley.storage.interfaces import ConversationStore, FileStore, MessageStore
from parley.storage.records import StoredFile

MS = message_pb2.MessageStatus


def _missing() -> ParleyError:
    # The same answer for absent and forbidden: ids cannot be probed.
    return not_found(R.ERROR_REASON_FILE_NOT_FOUND, "no such file")


class FileAccess:
    def __init__(
        self,
        store: FileStore,
        access: Access,
        messages: MessageStore,
        conversations: ConversationStore,
    ) -> None:
        self.store = store
        self.access = access
        self.messages = messages
        self.conversations = conversations

    async def readable(self, user_id: str, file_id: str) -> StoredFile:
        """The file when `user_id` may read it; FILE_NOT_FOUND otherwise."""
        if not file_id or len(file_id) > 64:
            raise _missing()
        file = await self.store.get_file(file_id)
        if file is None:
            raise _missing()
        if file.uploader_id == user_id:
            return file
        for cid, seq in await self.store.refs(file_id):
            if await self._reader_sees(user_id, cid, seq, file_id):
                return file
        raise _missing()

    async def live(self, conversation_id: str, seq: int, file_id: str) -> bool:
        """Whether the message still exists for someone and names the file."""
        row = await self.messages.get_one(conversation_id, seq)
        if row is None or row.status != MS.MESSAGE_STATUS_NORMAL:
            return False
        return file_id in file_ids(message_pb2.Message.FromString(row.body).content)

    async def _reader_sees(self, user_id: str, cid: str, seq: int, file_id: str) -> bool:
        try:
            await self.access.readable(cid, user_id)
        except ParleyError:
            return False
        if await self.access.visible_top(user_id, cid, seq) < seq:
            return False  # a former group member, past their leave
        uc = await self.conversations.get_user_conversation(user_id, cid)
        if uc is not None and uc.min_seq > seq:
            return False  # cleared
        if seq in await self.messages.hidden_seqs(user_id, cid, seq, seq):
            return False  # deleted for them
        return await self.live(cid, seq, file_id)

    async def may_attach(self, user_id: str, ids: Sequence[str]) -> None:
        """A sender may name only files they may read: otherwise a guessed id
        sent to oneself would grant it."""
        for file_id in ids:
            await self.readable(user_id, file_id)

    async def attached(self, ids: Sequence[str], conversation_id: str, seq: int) -> None:
        if ids:
            await self.store.add_refs(ids, conversation_id, seq)
