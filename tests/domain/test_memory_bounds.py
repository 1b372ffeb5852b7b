"""Every per-user and per-id structure the services keep for the life of the
process is bounded (by a `caches` setting) or reclaimed. A whole server runs
in process here, on SQLite, with tiny caches, so a bound shows after a few
dozen users instead of a few hundred thousand."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from parley.app import App, start_app
from parley.clock import now_ms
from parley.common.v1 import common_pb2
from parley.config import Settings
from parley.config.settings import CacheSettings, GroupSettings
from parley.domain.stats import DAYS_CACHED, MAX_DAYS, StatsRecorder, day_string
from parley.domain.tokens import Identity, TokenService
from parley.errors import ParleyError
from parley.msg.v1 import message_pb2
from parley.user.v1 import user_pb2
from parley.wiring import Core

CAP = 5
ST = common_pb2.SessionType


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    caches = CacheSettings(
        known_users=CAP,
        relation_users=CAP,
        recent_acks=CAP,
        delivery_cursors=CAP,
        active_users=CAP,
    )
    settings = Settings(
        data_dir=tmp_path / "data",
        listen="127.0.0.1:0",
        caches=caches,
        groups=GroupSettings(cached_groups=CAP),
    )
    a = await start_app(settings)
    yield a
    await a.stop()


def _ident(user_id: str, expire_ms: int | None = None) -> Identity:
    now = now_ms()
    expire = now + 3_600_000 if expire_ms is None else expire_ms
    return Identity(user_id, 1, False, uuid.uuid4().hex, now, expire)


async def _users(core: Core, n: int) -> list[str]:
    ids = [f"b{i}-{uuid.uuid4().hex[:6]}" for i in range(n)]
    await core.users.register([user_pb2.UserInfo(user_id=u) for u in ids])
    return ids


async def _text(core: Core, sender: str, to: str) -> message_pb2.SendAck:
    om = message_pb2.OutgoingMessage(
        client_msg_id=uuid.uuid4().hex, session_type=ST.SESSION_TYPE_SINGLE, recv_id=to
    )
    om.content.text.text = "hi"
    return await core.messages.send(_ident(sender), om)


async def test_per_user_caches_stay_within_their_settings(app: App) -> None:
    core = app.core
    sender, *others = await _users(core, 4 * CAP + 1)
    for u in others:
        assert await core.users.exists(u)
        ack = await _text(core, sender, u)
        # The receiver acks delivery: one cursor per (user, conversation).
        await core.read_state.ack_delivery(u, ack.conversation_id, ack.seq)
        await _text(core, u, sender)  # every sender's activity is recorded
    assert isinstance(core.log.observer, StatsRecorder)
    sizes = {
        "known users": len(core.users._exists),
        "recent acks": len(core.messages._recent),
        "delivery cursors": len(core.read_state._delivered),
        "friend sets": len(core.relations._friends._data),
        "blacklist sets": len(core.relations._blocked._data),
        "active users": len(core.log.observer._written),
    }
    assert {name: n for name, n in sizes.items() if n > CAP} == {}


async def test_group_change_stamps_stay_within_the_group_cache(app: App) -> None:
    core = app.core
    owner, member = await _users(core, 2)
    for i in range(4 * CAP):
        await core.groups.create(owner, f"g{i}", "", "", [member], [], 0, 0, "")
    assert len(core.groups.cache._gen) <= CAP
    assert len(core.groups.cache._cache) <= CAP


async def test_revocations_of_expired_tokens_are_dropped(app: App) -> None:
    tokens = app.core.tokens
    past = now_ms() - 1_000
    live = [_ident("live") for _ in range(10)]
    for ident in live:
        await tokens.revoke(ident)
    for _ in range(3000):  # as told by a peer node (no store write each)
        tokens._peer_revoked({"jti": uuid.uuid4().hex, "expire_ms": past})
    assert len(tokens._revoked) < 1024 + len(live)
    assert all(i.jti in tokens._revoked for i in live)
    tokens._revoked.sweep()
    assert set(tokens._revoked) == {i.jti for i in live}
    # A revoked live token stays refused: issue a real one and revoke it.
    token, _ = tokens.issue("live", 1, 3600, admin=False)
    await tokens.revoke(tokens.verify(token))
    tokens._revoked.sweep()
    with pytest.raises(ParleyError):
        tokens.verify(token)
    # What a restart loads: the live revocations with their expiry, no dead ones.
    restarted = TokenService(app.core.stores.tokens, "key")
    await restarted.load()
    assert len(restarted._revoked) == len(live) + 1


async def test_cached_statistics_days_are_bounded(app: App) -> None:
    stats = app.core.statistics
    assert stats is not None
    today = now_ms() // 86_400_000
    first = today - 6 * MAX_DAYS
    for start in range(first, today - MAX_DAYS, MAX_DAYS):
        await stats.get(day_string(start), day_string(start + MAX_DAYS - 1))
    assert len(stats._past) <= DAYS_CACHED
    assert len(stats._before) <= DAYS_CACHED
