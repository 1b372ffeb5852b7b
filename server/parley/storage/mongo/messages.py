"""MessageStore on MongoDB: messages and delete-for-me marks in two collections.

The conversation-state half of a WriteBatch (conversations, members' rows,
read marks, statistics) stays relational: it goes to the ConversationStore
given at construction. MongoDB (and FerretDB) offer no multi-document
transaction here, so `write` is idempotent instead of atomic: every insert
skips documents whose unique key exists and every update sets final values,
so a failed write is completed by writing the same batch again (which the
cluster worker does until it succeeds)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any

from pymongo import ASCENDING, DESCENDING, AsyncMongoClient, IndexModel, InsertOne, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError

from parley.storage.batch import WriteBatch
from parley.storage.interfaces import ConversationStore
from parley.storage.records import Message, message_values

DUPLICATE_KEY = 11000
# Regex metacharacters of both PCRE (MongoDB) and RE2 (FerretDB). Python's
# re.escape also escapes spaces, which RE2 rejects.
_META = set("\\^$.|?*+()[]{}")
_FIELDS = tuple(f.name for f in fields(Message))

Doc = dict[str, Any]


def literal_regex(text: str) -> str:
    return "".join("\\" + ch if ch in _META else ch for ch in text)


def _row(doc: Doc) -> Message:
    return Message(**{k: doc[k] for k in _FIELDS if k in doc})


class MongoMessageStore:
    def __init__(self, db: AsyncDatabase[Doc], state: ConversationStore) -> None:
        self._db = db
        self._state = state
        self.messages: AsyncCollection[Doc] = db["messages"]
        self.hidden: AsyncCollection[Doc] = db["hidden_messages"]

    async def ensure_indexes(self) -> None:
        # One index per command: FerretDB 1.24 drops the connection when one
        # createIndexes names several indexes and some of them exist already.
        for index in [
            # The pull path and the worker's idempotent insert.
            IndexModel(
                [("conversation_id", ASCENDING), ("seq", ASCENDING)],
                unique=True,
                name="conversation_seq",
            ),
            # Idempotency: one message per (sender, client_msg_id).
            IndexModel(
                [("sender_id", ASCENDING), ("client_msg_id", ASCENDING)],
                unique=True,
                name="sender_client_msg",
            ),
            # Retention deletes by time; search sorts by it.
            IndexModel([("server_time_ms", ASCENDING)], name="server_time"),
            IndexModel(
                [("sender_id", ASCENDING), ("server_time_ms", ASCENDING)], name="sender_time"
            ),
        ]:
            await self.messages.create_indexes([index])
        await self.hidden.create_indexes(
            [
                IndexModel(
                    [("user_id", ASCENDING), ("conversation_id", ASCENDING), ("seq", ASCENDING)],
                    unique=True,
                    name="user_conversation_seq",
                )
            ]
        )

    @staticmethod
    async def _insert_ignoring_duplicates(col: AsyncCollection[Doc], docs: list[Doc]) -> None:
        try:
            # Unordered: one existing document does not stop the others.
            await col.bulk_write([InsertOne(d) for d in docs], ordered=False)
        except BulkWriteError as e:
            errors = e.details.get("writeErrors", [])
            if any(err.get("code") != DUPLICATE_KEY for err in errors) or not errors:
                raise

    async def write(self, batch: WriteBatch) -> None:
        if batch.messages:
            await self._insert_ignoring_duplicates(
                self.messages, [message_values(m) for m in batch.messages]
            )
        if batch.hidden:
            await self._insert_ignoring_duplicates(
                self.hidden,
                [
                    {"user_id": h.user_id, "conversation_id": h.conversation_id, "seq": h.seq}
                    for h in batch.hidden
                ],
            )
        if batch.message_updates:
            # Ordered: two edits of one message in a batch apply in order.
            await self.messages.bulk_write(
                [
                    UpdateOne(
                        {"conversation_id": u.conversation_id, "seq": u.seq},
                        {
                            "$set": {
                                "status": u.status,
                                "body": u.body,
                                "search_text": u.search_text,
                            }
                        },
                    )
                    for u in batch.message_updates
                ],
                ordered=True,
            )
        await self._state.write_state(batch)

    async def get_range(self, conversation_id: str, begin: int, end: int) -> list[Message]:
        cur = self.messages.find(
            {"conversation_id": conversation_id, "seq": {"$gte": begin, "$lte": end}}
        ).sort("seq", ASCENDING)
        return [_row(d) async for d in cur]

    async def get_one(self, conversation_id: str, seq: int) -> Message | None:
        doc = await self.messages.find_one({"conversation_id": conversation_id, "seq": seq})
        return _row(doc) if doc else None

    async def find_by_client_ids(
        self, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], Message]:
        if not keys:
            return {}
        cur = self.messages.find(
            {"$or": [{"sender_id": s, "client_msg_id": c} for s, c in dict.fromkeys(keys)]}
        )
        rows = [_row(d) async for d in cur]
        return {(r.sender_id, r.client_msg_id): r for r in rows}

    async def hidden_seqs(
        self, user_id: str, conversation_id: str, begin: int, end: int
    ) -> set[int]:
        cur = self.hidden.find(
            {
                "user_id": user_id,
                "conversation_id": conversation_id,
                "seq": {"$gte": begin, "$lte": end},
            },
            {"seq": 1},
        )
        return {int(d["seq"]) async for d in cur}

    async def count_unread(
        self, conversation_id: str, user_id: str, after_seq: int, upto_seq: int
    ) -> int:
        if upto_seq <= after_seq:
            return 0
        hidden = await self.hidden_seqs(user_id, conversation_id, after_seq + 1, upto_seq)
        seq: Doc = {"$gt": after_seq, "$lte": upto_seq}
        if hidden:
            seq["$nin"] = sorted(hidden)
        return await self.messages.count_documents(
            {
                "conversation_id": conversation_id,
                "seq": seq,
                "counts_unread": True,
                "status": 1,
                "sender_id": {"$ne": user_id},
            }
        )

    async def _floors(self, user_id: str, conversation_id: str) -> dict[str, int]:
        """The user's conversations, each with the first seq they may see."""
        if conversation_id:
            uc = await self._state.get_user_conversation(user_id, conversation_id)
            return {uc.conversation_id: uc.min_seq} if uc else {}
        pairs = await self._state.list_user_conversations(user_id, 0)
        return {uc.conversation_id: uc.min_seq for uc, _ in pairs}

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
    ) -> list[Message]:
        floors = await self._floors(user_id, conversation_id)
        if not floors or limit <= 0:
            return []
        whole = [c for c, m in floors.items() if m <= 1]
        scope: list[Doc] = [
            {"conversation_id": c, "seq": {"$gte": m}} for c, m in floors.items() if m > 1
        ]
        if whole:
            scope.append({"conversation_id": {"$in": whole}})
        query: Doc = {"status": 1, "$or": scope}
        if keyword:
            query["search_text"] = {"$regex": literal_regex(keyword.lower())}
        if sender_id:
            query["sender_id"] = sender_id
        if start_ms or end_ms:
            window: Doc = {}
            if start_ms:
                window["$gte"] = start_ms
            if end_ms:
                window["$lt"] = end_ms
            query["server_time_ms"] = window
        hidden = {
            (d["conversation_id"], int(d["seq"]))
            async for d in self.hidden.find(
                {"user_id": user_id, "conversation_id": {"$in": list(floors)}},
                {"conversation_id": 1, "seq": 1},
            )
        }
        cur = self.messages.find(query).sort([("server_time_ms", DESCENDING), ("seq", DESCENDING)])
        out: list[Message] = []
        skipped = 0
        # Hidden messages are few: filtered here, so offset counts visible ones only.
        async for doc in cur:
            if (doc["conversation_id"], int(doc["seq"])) in hidden:
                continue
            if skipped < offset:
                skipped += 1
                continue
            out.append(_row(doc))
            if len(out) >= limit:
                break
        await cur.close()
        return out

    async def max_seq(self, conversation_id: str) -> int:
        doc = await self.messages.find_one(
            {"conversation_id": conversation_id}, {"seq": 1}, sort=[("seq", DESCENDING)]
        )
        conv = await self._state.get_conversation(conversation_id)
        return max(int(doc["seq"]) if doc else 0, conv.max_seq if conv else 0)

    async def delete_older_than(self, server_time_ms: int) -> int:
        res = await self.messages.delete_many({"server_time_ms": {"$lt": server_time_ms}})
        return int(res.deleted_count)


async def open_mongo_messages(
    url: str, state: ConversationStore
) -> tuple[AsyncMongoClient[Doc], MongoMessageStore]:
    """Connects to the database named in the URL (default `parley`)."""
    client: AsyncMongoClient[Doc] = AsyncMongoClient(url, tz_aware=False)
    db = client.get_default_database(default="parley")
    store = MongoMessageStore(db, state)
    await store.ensure_indexes()
    return client, store
