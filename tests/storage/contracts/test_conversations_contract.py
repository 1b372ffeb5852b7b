"""ConversationStore contract: SQLite, PostgreSQL and MySQL (MariaDB)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from parley.storage.batch import WriteBatch
from parley.storage.sql.conversations import SqlConversationStore
from tests.storage.contracts.conftest import uid
from tests.storage.contracts.rows import conversation, member


async def test_state_and_lists(sql_engine: AsyncEngine) -> None:
    s = SqlConversationStore(sql_engine)
    a, b, c1, c2 = uid(), uid(), uid("c"), uid("c")
    base = await s.max_version()
    b1 = WriteBatch()
    b1.conversations[c1] = conversation(c1, 3, version=base + 1)
    b1.user_conversations += [member(a, c1, base + 1), member(b, c1, base + 1)]
    await s.write_state(b1)
    b2 = WriteBatch()
    b2.conversations[c2] = conversation(c2, 1, version=base + 2)
    b2.user_conversations.append(member(a, c2, base + 2))
    # Members' rows are never overwritten by a later insert.
    pinned = member(a, c1, base + 2)
    pinned.pinned = True
    b2.user_conversations.append(pinned)
    await s.write_state(b2)
    conv = await s.get_conversation(c1)
    assert conv is not None and conv.max_seq == 3 and conv.version == base + 1
    assert await s.get_conversation(uid("c")) is None
    uc = await s.get_user_conversation(a, c1)
    assert uc is not None and uc.pinned is False and uc.version == base + 1
    assert await s.max_version() == base + 2
    pairs = await s.list_user_conversations(a, 0)
    assert sorted(p[0].conversation_id for p in pairs) == sorted([c1, c2])
    assert {p[1].conversation_id: p[1].max_seq for p in pairs} == {c1: 3, c2: 1}
    assert [p[0].conversation_id for p in await s.list_user_conversations(a, base + 1)] == [c2]
    got = await s.get_user_conversations(a, [c2, uid("c")])
    assert [p[0].conversation_id for p in got] == [c2]
    assert sorted(await s.conversation_members(c1)) == sorted([a, b])
    assert sorted(st.user_id for st in await s.member_states(c1)) == sorted([a, b])


async def test_marks_only_rise(sql_engine: AsyncEngine) -> None:
    s = SqlConversationStore(sql_engine)
    a, cid = uid(), uid("c")
    b = WriteBatch()
    b.conversations[cid] = conversation(cid, 10, version=5)
    b.user_conversations.append(member(a, cid, 5))
    b.read_marks[(a, cid)] = (6, 7)
    b.delivered_marks[(a, cid)] = 8
    b.min_seq_marks[(a, cid)] = (2, 7)
    await s.write_state(b)
    lower = WriteBatch()
    lower.conversations[cid] = conversation(cid, 4, version=1)
    lower.read_marks[(a, cid)] = (3, 6)
    lower.delivered_marks[(a, cid)] = 1
    lower.min_seq_marks[(a, cid)] = (1, 6)
    await s.write_state(lower)
    uc = await s.get_user_conversation(a, cid)
    assert uc is not None
    assert (uc.has_read_seq, uc.delivered_seq, uc.min_seq, uc.version) == (6, 8, 2, 7)
    conv = await s.get_conversation(cid)
    assert conv is not None and (conv.max_seq, conv.version) == (10, 5)


async def test_update_user_conversation(sql_engine: AsyncEngine) -> None:
    s = SqlConversationStore(sql_engine)
    a, cid = uid(), uid("c")
    b = WriteBatch()
    b.user_conversations.append(member(a, cid))
    await s.write_state(b)
    draft = "d" * 10_000
    await s.update_user_conversation(a, cid, pinned=True, draft=draft, extension="e" * 4096)
    uc = await s.get_user_conversation(a, cid)
    assert uc is not None and uc.pinned is True and uc.draft == draft
    assert len(uc.extension) == 4096
