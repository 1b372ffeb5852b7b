"""Read state: unread counts and the mark-reads the server has not confirmed
yet (columns of the conversations and messages tables)."""

from __future__ import annotations

from parley_sdk.store.base import Queries


class ReadStateQueries(Queries):
    def count_unread(self, conversation_id: str, after_seq: int, me: str) -> tuple[int, bool]:
        """(unread messages above `after_seq` not sent by `me`, any mentions me)."""
        row = self._one(
            "SELECT COUNT(*) AS n, MAX(mentions_me) AS mention FROM messages "
            "WHERE conversation_id = ? AND seq > ? AND counts_unread = 1 AND status = 1 "
            "AND sender_id != ?",
            (conversation_id, after_seq, me),
        )
        if row is None:
            return 0, False
        return int(row["n"]), bool(row["mention"])

    def set_pending_read(self, conversation_id: str, seq: int) -> None:
        """Remembers a mark-read the server has not confirmed yet (0 clears it)."""
        if seq == 0:
            self.conn.execute(
                "UPDATE conversations SET pending_read_seq = 0 WHERE conversation_id = ?",
                (conversation_id,),
            )
            return
        self.conn.execute(
            "UPDATE conversations SET pending_read_seq = MAX(pending_read_seq, ?) "
            "WHERE conversation_id = ?",
            (seq, conversation_id),
        )

    def clear_pending_read(self, conversation_id: str, upto: int) -> None:
        """Forgets a pending mark-read once the server confirmed up to `upto`."""
        self.conn.execute(
            "UPDATE conversations SET pending_read_seq = 0 "
            "WHERE conversation_id = ? AND pending_read_seq <= ?",
            (conversation_id, upto),
        )

    def pending_reads(self) -> list[tuple[str, int]]:
        """Conversations marked read locally but not yet on the server."""
        rows = self._all(
            "SELECT conversation_id, pending_read_seq FROM conversations WHERE pending_read_seq > 0"
        )
        return [(str(r["conversation_id"]), int(r["pending_read_seq"])) for r in rows]
