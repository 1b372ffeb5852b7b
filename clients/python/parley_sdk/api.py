"""The flat API of `ParleyClient`: each call handed to the feature that
holds it (`conversations`, `messages`, `reads`, `presence`, `users`), so
apps keep writing ``client.send_text(...)`` while each feature lives in its
own module with only the collaborators it needs."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from parley.file.v1 import file_pb2
from parley.msg.v1 import content_pb2, message_pb2
from parley_sdk.conversations import Conversations
from parley_sdk.errors import NotConnectedError
from parley_sdk.files import Files, Progress, content_for
from parley_sdk.ids import single_conversation_id
from parley_sdk.messages import Messages
from parley_sdk.models import ChatMessage, Conversation, MessageReceipt, PresenceEvent, UserProfile
from parley_sdk.presence import Presence
from parley_sdk.reads import ReadState
from parley_sdk.users import Users


class ClientApi:
    """Conversations, messages, read state, typing, presence and profiles."""

    user_id: str
    conversations: Conversations
    messages: Messages
    reads: ReadState
    presence: Presence
    users: Users
    files: Files

    # -- conversations ------------------------------------------------------

    def conversation_with(self, user_id: str) -> str:
        """The single-chat conversation id with another user."""
        if not self.user_id:
            raise NotConnectedError("the user is not known before the first connect")
        return single_conversation_id(self.user_id, user_id)

    async def get_conversations(self, include_notifications: bool = True) -> list[Conversation]:
        """Conversations (local): pinned first, then by latest activity."""
        return await self.conversations.list(include_notifications)

    async def get_conversation(self, conversation_id: str) -> Conversation | None:
        """One conversation (local)."""
        return await self.conversations.get(conversation_id)

    async def get_total_unread(self) -> int:
        """Total unread over conversations that are not NOT_RECEIVE (local)."""
        return await self.conversations.total_unread()

    async def refresh_conversations(self, conversation_ids: Sequence[str]) -> None:
        """Reloads conversations' settings and state from the server."""
        await self.conversations.refresh(conversation_ids)

    async def set_conversation(
        self,
        conversation_id: str,
        *,
        pinned: bool | None = None,
        receive_option: int | None = None,
        draft: str | None = None,
        extension: str | None = None,
    ) -> Conversation:
        """Changes the user's settings of a conversation (synced to other devices)."""
        return await self.conversations.set(
            conversation_id,
            pinned=pinned,
            receive_option=receive_option,
            draft=draft,
            extension=extension,
        )

    async def pin(self, conversation_id: str, pinned: bool = True) -> Conversation:
        """Pins (or unpins) a conversation."""
        return await self.conversations.pin(conversation_id, pinned)

    async def mute(self, conversation_id: str, muted: bool = True) -> Conversation:
        """Do-not-disturb on (NO_NOTIFY) or off (NORMAL)."""
        return await self.conversations.mute(conversation_id, muted)

    async def set_draft(self, conversation_id: str, draft: str) -> Conversation:
        """Saves (or clears, with "") the draft of a conversation."""
        return await self.conversations.set_draft(conversation_id, draft)

    # -- messages -----------------------------------------------------------

    async def get_history(
        self,
        conversation_id: str,
        *,
        before_seq: int | None = None,
        limit: int = 50,
        include_events: bool = True,
    ) -> list[ChatMessage]:
        """The latest messages of a conversation (older than `before_seq` when
        given), oldest first; messages being sent come last (local)."""
        return await self.messages.history(
            conversation_id, before_seq=before_seq, limit=limit, include_events=include_events
        )

    async def get_message(self, conversation_id: str, seq: int) -> ChatMessage | None:
        """The message at a seq (local)."""
        return await self.messages.get(conversation_id, seq)

    async def get_message_by_client_id(
        self, client_msg_id: str, sender_id: str = ""
    ) -> ChatMessage | None:
        """A message by its client id (the user's own by default; local)."""
        return await self.messages.by_client_id(client_msg_id, sender_id)

    async def search_messages(
        self,
        keyword: str,
        *,
        conversation_id: str | None = None,
        sender_id: str | None = None,
        limit: int = 50,
    ) -> list[ChatMessage]:
        """Full-text search over the local messages, newest first (every word must match)."""
        return await self.messages.search(
            keyword, conversation_id=conversation_id, sender_id=sender_id, limit=limit
        )

    async def search_messages_remote(
        self, keyword: str, conversation_id: str = "", limit: int = 50
    ) -> list[message_pb2.Message]:
        """Server-side search over every visible message."""
        return await self.messages.search_remote(keyword, conversation_id, limit)

    async def send_text(self, conversation_id: str, text: str, **kwargs: Any) -> ChatMessage:
        """Sends a text message (see `send_message`)."""
        return await self.messages.send_text(conversation_id, text, **kwargs)

    async def send_message(
        self,
        conversation_id: str,
        content: content_pb2.Content,
        *,
        mention_user_ids: Sequence[str] = (),
        mention_all: bool = False,
        extensions: dict[str, str] | None = None,
        need_read_receipt: bool = False,
        silent: bool = False,
        client_msg_id: str | None = None,
    ) -> ChatMessage:
        """Sends a message local-first (stored and reported as SENDING at once);
        returns it SENT or FAILED (see `Messages.send`)."""
        return await self.messages.send(
            conversation_id,
            content,
            mention_user_ids=mention_user_ids,
            mention_all=mention_all,
            extensions=extensions,
            need_read_receipt=need_read_receipt,
            silent=silent,
            client_msg_id=client_msg_id,
        )

    # -- files ---------------------------------------------------------------

    async def upload_file(
        self, path: str | Path, progress: Progress | None = None
    ) -> file_pb2.FileInfo:
        """Uploads a file, resuming after lost connections; `progress(done, total)`."""
        return await self.files.upload(path, progress)

    async def send_file(
        self, conversation_id: str, path: str | Path, progress: Progress | None = None
    ) -> ChatMessage:
        """Uploads a file and sends it: an image message for pictures, a file message otherwise."""
        info = await self.files.upload(path, progress)
        return await self.messages.send(conversation_id, content_for(info))

    async def download_file(
        self, file_id: str, dest: str | Path, progress: Progress | None = None
    ) -> Path:
        """Saves a file (one the user uploaded or received) at `dest`, through the cache."""
        return await self.files.download(file_id, dest, progress)

    async def resend(self, message: ChatMessage | str) -> ChatMessage:
        """Sends a FAILED message again with the same client id."""
        return await self.messages.resend(message)

    async def delete_local_message(self, message: ChatMessage) -> None:
        """Removes an unsent (FAILED) message from the local store."""
        await self.messages.delete_local(message)

    async def revoke_message(self, conversation_id: str, seq: int) -> ChatMessage | None:
        """Revokes a message; returns it as stored afterwards."""
        return await self.messages.revoke(conversation_id, seq)

    async def edit_message(
        self, conversation_id: str, seq: int, content: content_pb2.Content | str
    ) -> ChatMessage | None:
        """Replaces a message's content (text or any content); returns it as stored."""
        return await self.messages.edit(conversation_id, seq, content)

    async def delete_messages(
        self, conversation_id: str, seqs: Sequence[int], for_everyone: bool = False
    ) -> None:
        """Deletes messages for this user (all their devices) or for everyone."""
        await self.messages.delete(conversation_id, seqs, for_everyone)

    async def clear_conversation(self, conversation_id: str) -> None:
        """Clears a conversation's history for this user (all their devices)."""
        await self.messages.clear(conversation_id)

    # -- read state, receipts, typing, presence ------------------------------

    async def mark_read(self, conversation_id: str, seq: int | None = None) -> Conversation | None:
        """Marks a conversation read up to `seq` (default: everything stored).

        Applied locally at once; sent now when online, else after the next connect.
        """
        if not await self.reads.mark_read(conversation_id, seq):
            return None
        return await self.conversations.get(conversation_id)

    async def get_message_receipts(
        self, conversation_id: str, seqs: Sequence[int]
    ) -> list[MessageReceipt]:
        """Read/delivery receipts of messages (from the server)."""
        return await self.reads.receipts(conversation_id, seqs)

    async def typing(self, conversation_id: str, typing: bool = True) -> None:
        """Tells the other side the user is (or stopped) typing; a no-op offline."""
        await self.presence.typing(conversation_id, typing)

    async def subscribe_presence(
        self, user_ids: Sequence[str], unsubscribe: Sequence[str] = ()
    ) -> list[PresenceEvent]:
        """Watches users' presence (changes come to `on_presence`); returns their current state."""
        return await self.presence.subscribe(user_ids, unsubscribe)

    # -- users --------------------------------------------------------------

    async def get_users(self, user_ids: Sequence[str], refresh: bool = False) -> list[UserProfile]:
        """Profiles (local cache; unknown ones are fetched when online)."""
        return await self.users.get(user_ids, refresh)

    async def get_self(self) -> UserProfile | None:
        """The user's own profile."""
        return await self.users.get_self()

    async def update_profile(
        self,
        *,
        nickname: str | None = None,
        avatar_url: str | None = None,
        extension: str | None = None,
    ) -> UserProfile:
        """Changes the user's own profile (only the given fields)."""
        return await self.users.update_profile(
            nickname=nickname, avatar_url=avatar_url, extension=extension
        )
