"""MessageStore contract: SQLite, PostgreSQL, MySQL (MariaDB) and MongoDB."""

from __future__ import annotations

import copy

from parley.storage.batch import HiddenMark, MessageUpdate, WriteBatch
from tests.storage.contracts.conftest import MessageBackend, uid
from tests.storage.contracts.rows import chat_batch, conversation, member, message, now_ms


async def test_write_then_read_back(message_backend: MessageBackend) -> None:
    s = message_backend.messages
    a, b, cid = uid(), uid(), uid("c")
    await s.write(chat_batch(cid, a, [a, b], ["one", "two", "three"]))
    rows = await s.get_range(cid, 1, 10)
    assert [r.seq for r in rows] == [1, 2, 3]
    assert rows[0].body == f"body-{cid}-1".encode()
    assert rows[1].sender_id == a and rows[1].search_text == "two"
    assert rows[2].counts_unread is True and rows[2].status == 1
    assert [r.seq for r in await s.get_range(cid, 2, 2)] == [2]
    one = await s.get_one(cid, 3)
    assert one is not None and one.server_msg_id == rows[2].server_msg_id
    assert await s.get_one(cid, 4) is None
    # Keys are (sender, client id): b never sent a's client id.
    keys = [
        (a, rows[0].client_msg_id),
        (a, rows[2].client_msg_id),
        (b, rows[0].client_msg_id),
        (b, "nope"),
    ]
    many = await s.find_by_client_ids(keys)
    assert {k: r.seq for k, r in many.items()} == {keys[0]: 1, keys[1]: 3}
    assert await s.find_by_client_ids([]) == {}
    assert await s.max_seq(cid) == 3
    assert await s.max_seq(uid("c")) == 0


async def test_large_body_round_trips(message_backend: MessageBackend) -> None:
    # Past MySQL's 64 KiB BLOB: a full-size message must fit.
    s = message_backend.messages
    a, cid = uid(), uid("c")
    body = bytes(range(256)) * 1100
    b = WriteBatch()
    b.messages.append(message(cid, 1, a, "x" * 70_000, body=body))
    b.conversations[cid] = conversation(cid, 1)
    await s.write(b)
    got = await s.get_one(cid, 1)
    assert got is not None and got.body == body and len(got.search_text) == 70_000


async def test_rewriting_a_batch_changes_nothing(message_backend: MessageBackend) -> None:
    """Cluster workers replay batches after a crash: writes are idempotent."""
    s = message_backend.messages
    a, b, cid = uid(), uid(), uid("c")
    batch = chat_batch(cid, a, [a, b], ["x", "y"])
    batch.read_marks[(b, cid)] = (2, 5)
    await s.write(copy.deepcopy(batch))
    later = chat_batch(cid, a, [a, b], ["z"], first_seq=3)
    await s.write(later)
    await s.write(copy.deepcopy(batch))
    rows = await s.get_range(cid, 1, 10)
    assert [(r.seq, r.search_text) for r in rows] == [(1, "x"), (2, "y"), (3, "z")]
    assert await s.max_seq(cid) == 3
    conv = await message_backend.conversations.get_conversation(cid)
    assert conv is not None and conv.max_seq == 3
    uc = await message_backend.conversations.get_user_conversation(b, cid)
    assert uc is not None and uc.has_read_seq == 2


async def test_same_sender_and_client_id_is_stored_once(message_backend: MessageBackend) -> None:
    s = message_backend.messages
    a, cid = uid(), uid("c")
    first = WriteBatch()
    first.messages.append(message(cid, 1, a, "first", cmid="same"))
    await s.write(first)
    again = WriteBatch()
    again.messages.append(message(cid, 2, a, "again", cmid="same"))
    again.messages.append(message(cid, 3, a, "other", cmid="other"))
    await s.write(again)
    assert [r.seq for r in await s.get_range(cid, 1, 5)] == [1, 3]


async def test_updates_hidden_and_unread(message_backend: MessageBackend) -> None:
    s = message_backend.messages
    a, b, cid = uid(), uid(), uid("c")
    batch = chat_batch(cid, a, [a, b], ["m1", "m2", "m3", "m4"])
    batch.messages.append(message(cid, 5, b, "mine"))
    batch.messages.append(message(cid, 6, a, "event", counts_unread=False))
    batch.conversations[cid].max_seq = 6
    await s.write(batch)
    assert await s.count_unread(cid, b, 0, 6) == 4
    assert await s.count_unread(cid, b, 2, 6) == 2
    assert await s.count_unread(cid, b, 6, 6) == 0
    upd = WriteBatch()
    upd.message_updates.append(MessageUpdate(cid, 2, status=3, body=b"revoked", search_text=""))
    upd.hidden.append(HiddenMark(b, cid, 3))
    await s.write(upd)
    two = await s.get_one(cid, 2)
    assert two is not None and two.status == 3 and two.body == b"revoked"
    assert two.search_text == ""
    assert await s.hidden_seqs(b, cid, 1, 6) == {3}
    assert await s.hidden_seqs(a, cid, 1, 6) == set()
    assert await s.hidden_seqs(b, cid, 4, 6) == set()
    # seq 2 is revoked (status != 1) and 3 hidden: 1 and 4 remain.
    assert await s.count_unread(cid, b, 0, 6) == 2
    # Hiding twice is harmless.
    await s.write(copy.deepcopy(upd))
    assert await s.hidden_seqs(b, cid, 1, 6) == {3}


async def test_search(message_backend: MessageBackend) -> None:
    s = message_backend.messages
    a, b, c = uid(), uid(), uid()
    ab, ac = uid("c"), uid("c")
    t0 = now_ms() - 10_000
    batch = WriteBatch()
    texts = ["Hello World", "a.b literal", "100% sure", "under_score", "hello again"]
    for i, t in enumerate(texts, 1):
        batch.messages.append(message(ab, i, a if i % 2 else b, t, at_ms=t0 + i))
    batch.messages.append(message(ac, 1, a, "hello from ac", at_ms=t0 + 10))
    batch.conversations[ab] = conversation(ab, 5)
    batch.conversations[ac] = conversation(ac, 1)
    batch.user_conversations += [member(a, ab), member(b, ab), member(a, ac), member(c, ac)]
    await s.write(batch)

    async def find(user: str, kw: str, **kw_args: int | str) -> list[tuple[str, int]]:
        args: dict[str, int | str] = {
            "conversation_id": "",
            "sender_id": "",
            "start_ms": 0,
            "end_ms": 0,
            "offset": 0,
            "limit": 50,
        }
        args.update(kw_args)
        rows = await s.search(user, kw, **args)
        return [(r.conversation_id, r.seq) for r in rows]

    # Newest first, case-insensitive, only the user's conversations.
    assert await find(a, "HELLO") == [(ac, 1), (ab, 5), (ab, 1)]
    assert await find(b, "hello") == [(ab, 5), (ab, 1)]
    assert await find(c, "hello") == [(ac, 1)]
    assert await find(uid(), "hello") == []
    # Metacharacters of LIKE and of regexes are literal.
    assert await find(a, "a.b") == [(ab, 2)]
    assert await find(a, "a?b") == []
    assert await find(a, "100%") == [(ab, 3)]
    assert await find(a, "r_s") == [(ab, 4)]
    assert await find(a, "%") == [(ab, 3)]
    assert await find(a, "hello", conversation_id=ab) == [(ab, 5), (ab, 1)]
    assert await find(a, "hello", sender_id=a) == [(ac, 1), (ab, 5), (ab, 1)]
    assert await find(a, "", sender_id=b) == [(ab, 4), (ab, 2)]
    assert await find(a, "hello", start_ms=t0 + 2, end_ms=t0 + 10) == [(ab, 5)]
    assert await find(a, "hello", offset=1, limit=1) == [(ab, 5)]
    # Hidden, revoked and before-min-seq messages are not found.
    later = WriteBatch()
    later.hidden.append(HiddenMark(a, ab, 5))
    later.message_updates.append(MessageUpdate(ac, 1, status=3, body=b"", search_text=""))
    later.min_seq_marks[(b, ab)] = (2, 9)
    await s.write(later)
    assert await find(a, "hello") == [(ab, 1)]
    assert await find(b, "hello") == [(ab, 5)]


async def test_max_seq_counts_the_conversation_row(message_backend: MessageBackend) -> None:
    s = message_backend.messages
    cid = uid("c")
    b = WriteBatch()
    b.conversations[cid] = conversation(cid, 7)
    await s.write(b)
    assert await s.max_seq(cid) == 7


async def test_delete_older_than(message_backend: MessageBackend) -> None:
    s = message_backend.messages
    a, cid = uid(), uid("c")
    # Times from long ago, unique to this test, so no other test's rows count.
    base = 1_000_000 + (int(cid[1:7], 16) % 1000) * 1000
    b = WriteBatch()
    b.messages += [message(cid, i, a, at_ms=base + i) for i in range(1, 5)]
    await s.write(b)
    deleted = await s.delete_older_than(base + 3)
    assert deleted >= 2
    assert [r.seq for r in await s.get_range(cid, 1, 10)] == [3, 4]
