"""The Auth domain service and the one Admission check, without a server:
real tokens and accounts on a SQLite file, and the stream control port
recorded (what the gateway would be told)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from parley.clock import now_ms
from parley.common.v1 import common_pb2
from parley.config import Settings
from parley.config.settings import AuthSettings
from parley.domain.auth import Admission, Auth
from parley.domain.policy import Caller
from parley.domain.ports import OpenStream
from parley.domain.tokens import TokenService
from parley.domain.users import Users
from parley.errors import ParleyError
from parley.storage.sql import SqlStores, open_sql
from parley.user.v1 import user_pb2

P = common_pb2.Platform
R = common_pb2.ErrorReason
SECRET = "the-admin-secret"


@dataclass
class Streams:
    """StreamControl that records what it is told."""

    closed: list[tuple[str, int, int]] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)

    def sessions_of(self, user_id: str) -> Sequence[OpenStream]:
        return ()

    async def close_user(self, user_id: str, platform: int, reason: int) -> int:
        self.closed.append((user_id, platform, reason))
        return 1

    def close_token(self, jti: str) -> None:
        self.tokens.append(jti)


@dataclass
class Parts:
    auth: Auth
    admission: Admission
    streams: Streams
    users: Users
    settings: Settings


@pytest.fixture
async def parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Parts]:
    monkeypatch.delenv("PARLEY_ADMIN_SECRET", raising=False)
    settings = Settings(
        data_dir=tmp_path, auth=AuthSettings(admin_secret=SECRET, token_secret="k" * 32)
    )
    stores: SqlStores = await open_sql(f"sqlite+aiosqlite:///{tmp_path / 'p.db'}", "NORMAL")
    tokens = TokenService(stores.tokens, settings.auth.token_secret)
    users = Users(stores.users)
    await users.register([user_pb2.UserInfo(user_id=u) for u in ("ann", "bob", "eve")])
    await users.set_blocked("eve", True)
    streams = Streams()
    yield Parts(
        Auth(settings, tokens, users, streams), Admission(tokens, users), streams, users, settings
    )
    await stores.close()


def reason(e: pytest.ExceptionInfo[ParleyError]) -> str:
    return e.value.reason_name


async def test_admission_is_one_check_of_kind_and_blocked_account(parts: Parts) -> None:
    auth, admission = parts.auth, parts.admission
    ann, _ = await auth.user_token("ann", P.PLATFORM_IOS, 0)
    admin, _ = auth.admin_token(SECRET, "")
    assert admission.admit(ann, Caller.USER).user_id == "ann"
    assert admission.admit(admin, Caller.EITHER).is_admin
    with pytest.raises(ParleyError) as e:
        admission.admit(admin, Caller.USER)
    assert reason(e) == "ERROR_REASON_PERMISSION_DENIED"
    with pytest.raises(ParleyError) as e:
        admission.admit(ann, Caller.ADMIN)
    assert reason(e) == "ERROR_REASON_ADMIN_REQUIRED"
    # Blocked after the token was issued: refused for every kind of call.
    await parts.users.set_blocked("ann", True)
    for caller in (Caller.USER, Caller.EITHER):
        with pytest.raises(ParleyError) as e:
            admission.admit(ann, caller)
        assert reason(e) == "ERROR_REASON_USER_BLOCKED"


async def test_token_issue_policy(parts: Parts) -> None:
    auth = parts.auth
    for secret in ("", "wrong", "ünïcode"):
        with pytest.raises(ParleyError) as e:
            auth.admin_token(secret, "ops")
        assert reason(e) == "ERROR_REASON_SECRET_INVALID"
    token, _ = auth.admin_token(SECRET, "ops")
    assert auth.parse(token).user_id == "ops"
    cases = [
        ("ann", P.PLATFORM_ADMIN, 0, "ERROR_REASON_INVALID_ARGUMENT"),
        ("ann", P.PLATFORM_UNSPECIFIED, 0, "ERROR_REASON_INVALID_ARGUMENT"),
        ("ann", P.PLATFORM_IOS, -1, "ERROR_REASON_INVALID_ARGUMENT"),
        ("nobody", P.PLATFORM_IOS, 0, "ERROR_REASON_USER_NOT_FOUND"),
        ("eve", P.PLATFORM_IOS, 0, "ERROR_REASON_USER_BLOCKED"),
    ]
    too_long = parts.settings.auth.max_user_token_ttl_seconds + 1
    cases.append(("ann", P.PLATFORM_IOS, too_long, "ERROR_REASON_INVALID_ARGUMENT"))
    for user, platform, ttl, expected in cases:
        with pytest.raises(ParleyError) as e:
            await auth.user_token(user, platform, ttl)
        assert reason(e) == expected, (user, platform, ttl)
    before = now_ms()
    _, expire = await auth.user_token("ann", P.PLATFORM_IOS, 0)
    default_ms = parts.settings.auth.user_token_ttl_seconds * 1000
    assert before + default_ms - 1000 <= expire <= now_ms() + default_ms
    _, expire = await auth.user_token("ann", P.PLATFORM_IOS, 60)
    assert expire <= now_ms() + 60_000


async def test_logout_and_revocation_reach_the_streams(parts: Parts) -> None:
    auth, streams = parts.auth, parts.streams
    ann_ios, _ = await auth.user_token("ann", P.PLATFORM_IOS, 0)
    ann_web, _ = await auth.user_token("ann", P.PLATFORM_WEB, 0)
    bob, _ = await auth.user_token("bob", P.PLATFORM_IOS, 0)
    assert await auth.logout("ann", P.PLATFORM_IOS) == 1
    assert streams.closed == [("ann", P.PLATFORM_IOS, R.ERROR_REASON_TOKEN_REVOKED)]
    with pytest.raises(ParleyError) as e:
        auth.parse(ann_ios)
    assert reason(e) == "ERROR_REASON_TOKEN_REVOKED"
    assert auth.parse(ann_web).user_id == "ann"
    # A user revokes their own tokens only; an admin any.
    with pytest.raises(ParleyError) as e:
        await auth.invalidate(auth.parse(bob), ann_web)
    assert reason(e) == "ERROR_REASON_PERMISSION_DENIED"
    assert streams.tokens == []
    jti = auth.parse(ann_web).jti
    await auth.invalidate(auth.parse(auth.admin_token(SECRET, "")[0]), ann_web)
    assert streams.tokens == [jti]
    with pytest.raises(ParleyError) as e:
        auth.parse(ann_web)
    assert reason(e) == "ERROR_REASON_TOKEN_REVOKED"
