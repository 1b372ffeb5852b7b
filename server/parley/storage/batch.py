"""What one group commit writes, in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from parley.storage.records import Conversation, Message, UserConversation


@dataclass(slots=True)
class MessageUpdate:
    """A rewrite of a stored message (edit, revoke, delete for everyone)."""

    conversation_id: str
    seq: int
    status: int
    body: bytes
    search_text: str


@dataclass(slots=True)
class HiddenMark:
    """Delete-for-me: `user_id` sees a placeholder for this message."""

    user_id: str
    conversation_id: str
    seq: int


@dataclass(slots=True)
class WriteBatch:
    # New messages; one already stored under its key is skipped.
    messages: list[Message] = field(default_factory=list)
    # conversation_id -> upsert (max_seq/version/update time only grow).
    conversations: dict[str, Conversation] = field(default_factory=dict)
    # Memberships; inserted when missing, never overwritten.
    user_conversations: list[UserConversation] = field(default_factory=list)
    # (user_id, conversation_id) -> (has_read_seq, version); only ever raised.
    read_marks: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    # (user_id, conversation_id) -> delivered_seq; only ever raised.
    delivered_marks: dict[tuple[str, str], int] = field(default_factory=dict)
    # (user_id, conversation_id) -> (min_seq, version); only ever raised.
    min_seq_marks: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    # Rewrites of stored messages (edit, revoke, delete for everyone).
    message_updates: list[MessageUpdate] = field(default_factory=list)
    hidden: list[HiddenMark] = field(default_factory=list)
    # (day, user_id) pairs for activity statistics.
    activity: set[tuple[str, str]] = field(default_factory=set)
    # (day, metric) -> increment of the daily statistics counters (summed).
    counters: dict[tuple[str, str], int] = field(default_factory=dict)
    # (day, group_id) pairs: groups with a message that day.
    group_activity: set[tuple[str, str]] = field(default_factory=set)
    # user_id -> last activity, Unix ms; only ever raised.
    last_active: dict[str, int] = field(default_factory=dict)

    def merge(self, other: WriteBatch) -> None:
        self.messages.extend(other.messages)
        for cid, row in other.conversations.items():
            cur = self.conversations.get(cid)
            if cur is None:
                # A copy: later merges raise it in place, `other` keeps its own.
                self.conversations[cid] = Conversation(
                    cid, row.session_type, row.max_seq, row.version, row.update_time_ms
                )
            else:
                cur.max_seq = max(cur.max_seq, row.max_seq)
                cur.version = max(cur.version, row.version)
                cur.update_time_ms = max(cur.update_time_ms, row.update_time_ms)
        self.user_conversations.extend(other.user_conversations)
        for key, (seq, ver) in other.read_marks.items():
            old = self.read_marks.get(key)
            self.read_marks[key] = (max(seq, old[0]), max(ver, old[1])) if old else (seq, ver)
        for key, seq in other.delivered_marks.items():
            self.delivered_marks[key] = max(seq, self.delivered_marks.get(key, 0))
        for key, (seq, ver) in other.min_seq_marks.items():
            old = self.min_seq_marks.get(key)
            self.min_seq_marks[key] = (max(seq, old[0]), max(ver, old[1])) if old else (seq, ver)
        self.message_updates.extend(other.message_updates)
        self.hidden.extend(other.hidden)
        self.activity |= other.activity
        for key, n in other.counters.items():
            self.counters[key] = self.counters.get(key, 0) + n
        self.group_activity |= other.group_activity
        for user, ms in other.last_active.items():
            self.last_active[user] = max(ms, self.last_active.get(user, 0))

    def versions(self) -> list[int]:
        """The conversation-list versions this batch writes."""
        out = [row.version for row in self.conversations.values()]
        out.extend(row.version for row in self.user_conversations)
        out.extend(v for _, v in self.read_marks.values())
        out.extend(v for _, v in self.min_seq_marks.values())
        return out

    def restamp(self, older_than: int, fresh: Callable[[], int]) -> int:
        """Gives every version below `older_than` a fresh one (a write that
        comes late must not land below conversation-list cursors already
        handed out; see HybridVersionClock). Returns how many changed."""
        n = 0
        rows: list[Conversation | UserConversation] = [
            *self.conversations.values(),
            *self.user_conversations,
        ]
        for row in rows:
            if row.version < older_than:
                row.version = fresh()
                n += 1
        for marks in (self.read_marks, self.min_seq_marks):
            for key, (seq, ver) in marks.items():
                if ver < older_than:
                    marks[key] = (seq, fresh())
                    n += 1
        return n

    def is_empty(self) -> bool:
        return not (
            self.messages
            or self.conversations
            or self.user_conversations
            or self.read_marks
            or self.delivered_marks
            or self.min_seq_marks
            or self.message_updates
            or self.hidden
            or self.activity
            or self.counters
            or self.group_activity
            or self.last_active
        )
