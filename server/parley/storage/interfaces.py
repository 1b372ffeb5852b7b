"""One interface per storage domain. Backends implement these; the domain
layer depends only on them and on the records of storage.records, which every
backend takes and returns."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Protocol

from parley.storage.batch import WriteBatch
from parley.storage.records import (
    BlockEntry,
    Conversation,
    Friend,
    FriendRequest,
    Group,
    GroupMember,
    GroupRequest,
    IdempotencyRecord,
    MemberBrief,
    Message,
    StoredFile,
    Upload,
    User,
    UserConversation,
)


class UserStore(Protocol):
    async def create_users(self, users: Sequence[User]) -> None:
        """Inserts all or none; raises KeyError(user_id) when one exists."""

    async def get_users(self, user_ids: Sequence[str]) -> list[User]: ...

    async def update_user(self, user_id: str, **fields: object) -> User | None: ...

    async def search_users(
        self, keyword: str, offset: int, limit: int, blocked_only: bool = False
    ) -> tuple[list[User], int]: ...

    async def count_users(self, created_before_ms: int | None = None) -> int: ...

    async def count_users_created(self, start_ms: int, end_ms: int) -> int: ...

    async def list_users_after(
        self, keyword: str, after_user_id: str, limit: int, blocked_only: bool = False
    ) -> list[User]:
        """Keyset page in user id order (cheap at any depth): ids after
        `after_user_id`, filtered like search_users."""

    async def count_matching(self, keyword: str, blocked_only: bool = False) -> int: ...


class TokenStore(Protocol):
    async def revoke(self, jti: str, expire_ms: int) -> None: ...

    async def revocations(self, now_ms: int) -> dict[str, int]:
        """Revoked token id -> its expiry (ms), for those not expired yet (loaded at start)."""

    async def set_floor(self, user_id: str, platform: int, not_before_ms: int) -> None: ...

    async def floors(self) -> dict[tuple[str, int], int]: ...


class MessageStore(Protocol):
    async def write(self, batch: WriteBatch) -> None:
        """Writes the whole batch, or raises. SQL writes it atomically; a
        backend without transactions (MongoDB) may leave part of a failed
        batch written. Either way writing the same batch again is safe and
        completes it: inserts skip existing keys, marks only rise."""

    async def get_range(self, conversation_id: str, begin: int, end: int) -> list[Message]: ...

    async def get_one(self, conversation_id: str, seq: int) -> Message | None: ...

    async def find_by_client_ids(
        self, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], Message]:
        """Stored messages among the given (sender_id, client_msg_id) keys."""
        ...

    async def hidden_seqs(
        self, user_id: str, conversation_id: str, begin: int, end: int
    ) -> set[int]: ...

    async def count_unread(
        self, conversation_id: str, user_id: str, after_seq: int, upto_seq: int
    ) -> int: ...

    async def search(
        self,
        user_id: str,
        keyword: str,
        conversation_id: str,
        sender_id: str,
        start_ms: int,
        end_ms: int,
        offset: int,
        limit: int,
    ) -> list[Message]: ...

    async def max_seq(self, conversation_id: str) -> int: ...

    async def delete_older_than(self, server_time_ms: int) -> int: ...


class SeqService(Protocol):
    """Per-conversation seqs: in-process (embedded) or Redis (cluster)."""

    async def allocate(self, conversation_id: str) -> int:
        """The next seq, never handed out before (also after a restart)."""

    async def visible_max(self, conversation_id: str) -> int:
        """The highest seq such that every seq up to it is stored or a known hole."""


class PresenceStore(Protocol):
    """Which gateway nodes hold streams of a user, on which platforms (cluster
    routing and online status)."""

    async def heartbeat(self, node_id: str, ttl_seconds: float) -> bool:
        """The node is alive for `ttl_seconds` more; its routes count until
        then. False when the node was not known alive (first beat, or it
        expired, or the store lost its data): its routes must be set again."""

    async def node_gone(self, node_id: str) -> None: ...

    async def set_routes(self, node_id: str, routes: Mapping[str, Sequence[int]]) -> None:
        """user -> platforms of the user's streams on the node (empty: none left)."""

    async def nodes_of(self, user_ids: Sequence[str]) -> dict[str, set[str]]:
        """Live nodes per user; users on no live node are left out."""

    async def routes_of(self, user_ids: Sequence[str]) -> dict[str, dict[str, list[int]]]:
        """user -> live node -> platforms; users on no live node are left out."""


class ConversationStore(Protocol):
    async def write_state(self, batch: WriteBatch) -> None:
        """Writes the conversation-state half of the batch (everything but
        messages, message updates and hidden marks), idempotently."""

    async def get_conversation(self, conversation_id: str) -> Conversation | None: ...

    async def get_user_conversation(
        self, user_id: str, conversation_id: str
    ) -> UserConversation | None: ...

    async def list_user_conversations(
        self, user_id: str, since_version: int
    ) -> list[tuple[UserConversation, Conversation]]: ...

    async def get_user_conversations(
        self, user_id: str, conversation_ids: Sequence[str]
    ) -> list[tuple[UserConversation, Conversation]]: ...

    async def update_user_conversation(
        self, user_id: str, conversation_id: str, **fields: object
    ) -> None: ...

    async def max_version(self) -> int: ...

    async def conversation_members(self, conversation_id: str) -> list[str]: ...

    async def member_states(self, conversation_id: str) -> list[UserConversation]: ...


class RelationStore(Protocol):
    """Friends (two rows per friendship), friend applications and blacklists."""

    async def get_friend(self, owner_user_id: str, friend_user_id: str) -> Friend | None: ...

    async def friend_ids(self, owner_user_id: str) -> list[str]: ...

    async def list_friends(
        self, owner_user_id: str, offset: int, limit: int
    ) -> tuple[list[Friend], int]: ...

    async def accept_application(
        self, from_user_id: str, to_user_id: str, response: str, now_ms: int
    ) -> bool:
        """Marks the pending application accepted and adds both friend rows,
        in one transaction. False (and no change) when nothing was pending."""

    async def delete_friendship(self, a: str, b: str) -> bool: ...

    async def set_remark(self, owner_user_id: str, friend_user_id: str, remark: str) -> bool: ...

    async def put_application(self, request: FriendRequest) -> None:
        """Inserts or replaces the application from request.from_user_id to request.to_user_id."""

    async def refuse_application(
        self, from_user_id: str, to_user_id: str, response: str, now_ms: int
    ) -> bool:
        """False (and no change) when nothing was pending."""

    async def list_applications(
        self, user_id: str, sent: bool, offset: int, limit: int
    ) -> tuple[list[FriendRequest], int, int]:
        """(page newest first, total, pending count) of the user's sent or received applications."""

    async def block(self, owner_user_id: str, blocked_user_id: str, now_ms: int) -> bool:
        """False when already blocked."""

    async def unblock(self, owner_user_id: str, blocked_user_id: str) -> bool: ...

    async def blocked_ids(self, owner_user_id: str) -> list[str]: ...

    async def list_blacklist(
        self, owner_user_id: str, offset: int, limit: int
    ) -> tuple[list[BlockEntry], int]: ...


class GroupStore(Protocol):
    """Groups, members and join requests. Membership changes also write the
    members' user_conversations rows in the same transaction, so a member
    never exists without the min_seq that bounds their history."""

    async def create_group(
        self,
        group: Group,
        members: Sequence[GroupMember],
        conversations: Sequence[UserConversation],
    ) -> None: ...

    async def load_group(self, group_id: str) -> tuple[Group, list[MemberBrief]] | None:
        """The group and every member row (former members included)."""

    async def get_groups(self, group_ids: Sequence[str]) -> list[tuple[Group, int]]:
        """The groups found, each with its current member count."""

    async def update_group(self, group_id: str, **fields: object) -> None: ...

    async def add_members(
        self,
        group_id: str,
        members: Sequence[GroupMember],
        conversations: Sequence[UserConversation],
        rejoin: dict[str, tuple[int, int]],
    ) -> None:
        """Adds (or re-activates) members and inserts their user_conversations
        rows; `rejoin` maps users whose row already exists to (min_seq, version):
        their min_seq is raised to it."""

    async def remove_members(
        self, group_id: str, user_ids: Sequence[str], left_seq: int, version: int
    ) -> None:
        """Turns members into former members who may read up to `left_seq`."""

    async def update_member(self, group_id: str, user_id: str, **fields: object) -> None: ...

    async def transfer_owner(self, group_id: str, old_owner: str, new_owner: str) -> None: ...

    async def get_member(self, group_id: str, user_id: str) -> GroupMember | None: ...

    async def list_members(
        self, group_id: str, role: int, offset: int, limit: int
    ) -> tuple[list[GroupMember], int]:
        """Current members, owner and admins first; role 0 lists every role."""

    async def joined_groups(
        self, user_id: str, offset: int, limit: int
    ) -> tuple[list[tuple[Group, int]], int]: ...

    async def search_groups(
        self, name_prefix: str, after: tuple[str, str] | None, limit: int
    ) -> list[tuple[Group, int]]:
        """Groups whose name starts with `name_prefix` (every group when
        empty), dismissed ones included, ordered by (name, group_id) and
        after the (name, group_id) `after`; each with its member count."""

    async def count_groups(self, name_prefix: str) -> int: ...

    async def put_request(self, request: GroupRequest) -> None: ...

    async def get_request(self, group_id: str, user_id: str) -> GroupRequest | None: ...

    async def handle_request(
        self, group_id: str, user_id: str, state: int, handler_user_id: str, now_ms: int
    ) -> bool:
        """False (and no change) when nothing was pending."""

    async def list_requests(
        self, group_id: str, offset: int, limit: int
    ) -> tuple[list[GroupRequest], int, int]:
        """(page newest first, total, pending count)."""


class StatsStore(Protocol):
    """Operator statistics, each an index range read (no scan of messages):
    per-day counters written by the group commit, the activity tables, and
    users by creation time."""

    async def new_users_by_day(self, start_ms: int, end_ms: int) -> dict[int, int]:
        """Day number (ms // 86_400_000) -> users registered, for [start, end)."""

    async def active_users_by_day(self, first_day: str, last_day: str) -> dict[str, int]:
        """`YYYY-MM-DD` -> users active that day, for the inclusive range."""

    async def active_groups_by_day(self, first_day: str, last_day: str) -> dict[str, int]: ...

    async def counters(self, first_day: str, last_day: str) -> dict[tuple[str, str], int]:
        """(day, metric) -> value, for the inclusive range."""


class PushStore(Protocol):
    async def receive_options(
        self, user_ids: Sequence[str], conversation_id: str | None
    ) -> dict[str, tuple[int, int]]:
        """user -> (global receive option, the conversation's receive option;
        0 when the user has no row for it). `conversation_id` None means each
        user's own notification conversation. Unknown users are left out."""


class IdempotencyStore(Protocol):
    """Idempotency keys of creating calls, shared by every gateway. A record is
    live until its expiry; a pending one (no response yet) only until its lease."""

    async def claim(self, record: IdempotencyRecord, now_ms: int) -> IdempotencyRecord | None:
        """Inserts the pending `record` and returns None, unless a live record
        holds its (caller, method, key): then returns that one, changing
        nothing. A record that is not live is replaced. Of concurrent claims
        of one key, exactly one inserts."""

    async def complete(
        self, caller: str, method: str, key: str, claim_id: str, response: bytes
    ) -> bool:
        """Stores the response of the attempt `claim_id`; False when that
        attempt no longer holds the record (its lease passed and another took it)."""

    async def release(self, caller: str, method: str, key: str, claim_id: str) -> None:
        """Deletes the record if the attempt `claim_id` still holds it, pending."""

    async def get(self, caller: str, method: str, key: str) -> IdempotencyRecord | None: ...

    async def purge(self, now_ms: int) -> int:
        """Deletes the records expired at `now_ms`; returns how many."""


class FileStore(Protocol):
    """Metadata of files: records, pending uploads and the messages that name
    a file (a hint for readers and the collector: the message row decides)."""

    async def put_upload(self, upload: Upload) -> None: ...

    async def get_upload(self, upload_id: str) -> Upload | None: ...

    async def finish_upload(self, upload_id: str, file: StoredFile) -> None:
        """Stores the file and marks the upload complete, in one transaction."""
        ...

    async def expired_uploads(self, now_ms: int, limit: int) -> list[Upload]:
        """Pending uploads past their expiry."""
        ...

    async def delete_upload(self, upload_id: str) -> None: ...

    async def pending_bytes(self, uploader_id: str, now_ms: int) -> int:
        """Declared sizes of the user's unexpired pending uploads."""
        ...

    async def get_file(self, file_id: str) -> StoredFile | None: ...

    async def delete_file(self, file_id: str) -> None:
        """Deletes the record and its references."""
        ...

    async def blob_in_use(self, sha256: str) -> bool:
        """Whether any file record names this blob (as bytes or thumbnail)."""
        ...

    async def add_refs(self, file_ids: Sequence[str], conversation_id: str, seq: int) -> None: ...

    async def refs(self, file_id: str) -> list[tuple[str, int]]:
        """(conversation id, seq) of the messages that named the file."""
        ...

    async def drop_ref(self, file_id: str, conversation_id: str, seq: int) -> None: ...

    async def files_before(
        self, create_before_ms: int, after_id: str, limit: int
    ) -> list[StoredFile]:
        """Files created before the time, by id after `after_id`: the collector's walk."""
        ...

    async def bytes_used(self, uploader_id: str = "") -> int:
        """Bytes of the user's files (all files when empty)."""
        ...

    async def top_users(self, limit: int) -> list[tuple[str, int]]:
        """The users storing the most bytes, most first."""
        ...


class PendingWriter(Protocol):
    """One upload stream's appends, at `offset` (the bytes received so far)."""

    offset: int

    async def write(self, data: bytes, final: bool) -> None:
        """Appends `data`; `final`: these are the upload's last bytes."""
        ...

    async def close(self, keep: bool) -> None:
        """The stream ended: make what it received durable for a resume
        (`keep` false: a newer stream took over, whose bytes count)."""
        ...


class PendingStore(Protocol):
    """The bytes of uploads in progress: on the node's disk (storage.files.
    staging) or in the bucket where any node resumes them (s3_pending)."""

    async def create(self, upload_id: str) -> None: ...

    async def committed(self, upload_id: str) -> int | None:
        """Bytes kept so far; None when the upload has no bytes here."""
        ...

    async def writer(self, upload_id: str) -> PendingWriter | None:
        """A writer at the committed offset; None when the upload is gone."""
        ...

    async def local_copy(self, upload_id: str) -> Path:
        """The complete bytes as a local file (the staging area's path)."""
        ...

    async def discard(self, upload_id: str) -> None: ...


class BlobStore(Protocol):
    """File bytes by their SHA-256 (content-addressed: one copy per content).
    A blob is either absent or complete: `put` publishes it atomically."""

    async def put(self, sha256: str, path: Path) -> None:
        """Publishes the complete, synced local file as the blob (moving or
        copying it); the same bytes put twice stay one blob."""
        ...

    async def size(self, sha256: str) -> int | None:
        """The blob's size; None when absent."""
        ...

    def read(self, sha256: str, offset: int, length: int, chunk: int) -> AsyncIterator[bytes]:
        """`length` bytes from `offset`, in chunks of at most `chunk` bytes."""
        ...

    async def delete(self, sha256: str) -> None: ...

    async def close(self) -> None: ...
