"""IdempotencyStore on MongoDB (and FerretDB): one document per key, whose
`_id` is the (caller, method, key) triple, so the unique `_id` makes the
insert the claim across gateways."""

from __future__ import annotations

import json
from dataclasses import fields
from typing import Any

from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from parley.storage.records import IdempotencyRecord

_FIELDS = tuple(f.name for f in fields(IdempotencyRecord))

Doc = dict[str, Any]


def _id(caller: str, method: str, key: str) -> str:
    # JSON keeps the three parts apart whatever characters they hold.
    return json.dumps([caller, method, key], separators=(",", ":"))


def _record(doc: Doc) -> IdempotencyRecord:
    values = {k: doc[k] for k in _FIELDS if k in doc}
    if values.get("response") is not None:
        values["response"] = bytes(values["response"])
    return IdempotencyRecord(**values)


class MongoIdempotencyStore:
    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self.keys = db["idempotency_keys"]

    async def ensure_indexes(self) -> None:
        await self.keys.create_indexes(
            [IndexModel([("expire_time_ms", ASCENDING)], name="expire_time")]
        )

    async def claim(self, record: IdempotencyRecord, now_ms: int) -> IdempotencyRecord | None:
        doc_id = _id(record.caller, record.method, record.key)
        doc = {"_id": doc_id, **{name: getattr(record, name) for name in _FIELDS}}
        for _ in range(3):
            await self.keys.delete_one(
                {
                    "_id": doc_id,
                    "$or": [
                        {"expire_time_ms": {"$lte": now_ms}},
                        {"response": None, "lease_until_ms": {"$lte": now_ms}},
                    ],
                }
            )
            try:
                await self.keys.insert_one(doc)
                return None
            except DuplicateKeyError:
                found = await self.keys.find_one({"_id": doc_id})
            if found is not None:
                return _record(found)
        raise RuntimeError(f"idempotency key {record.key!r} claimed and released in a loop")

    async def complete(
        self, caller: str, method: str, key: str, claim_id: str, response: bytes
    ) -> bool:
        done = await self.keys.update_one(
            {"_id": _id(caller, method, key), "claim_id": claim_id},
            {"$set": {"response": response}},
        )
        return done.matched_count == 1

    async def release(self, caller: str, method: str, key: str, claim_id: str) -> None:
        await self.keys.delete_one(
            {"_id": _id(caller, method, key), "claim_id": claim_id, "response": None}
        )

    async def get(self, caller: str, method: str, key: str) -> IdempotencyRecord | None:
        found = await self.keys.find_one({"_id": _id(caller, method, key)})
        return None if found is None else _record(found)

    async def purge(self, now_ms: int) -> int:
        gone = await self.keys.delete_many({"expire_time_ms": {"$lte": now_ms}})
        return int(gone.deleted_count)
