"""Who is calling, and the token use cases.

`Admission` is the one check of a token against the kind of caller a call
takes (api/policy.py for unary calls, the gateway for the stream's auth
frame): a blocked account is refused in this one place for both. `Auth` is
what AuthService offers: admin tokens for the holder of the admin secret,
user tokens by the issue policy, parsing, revocation and forced logout."""

from __future__ import annotations

import hmac

from parley.common.v1 import common_pb2
from parley.config import Settings
from parley.domain.policy import Caller
from parley.domain.ports import StreamControl
from parley.domain.tokens import Identity, TokenService
from parley.domain.users import Users
from parley.errors import R, denied, invalid, not_found, unauthenticated
from parley.ids import check_user_id

P = common_pb2.Platform
DEFAULT_ADMIN_ID = "admin"


class Admission:
    def __init__(self, tokens: TokenService, users: Users) -> None:
        self._tokens = tokens
        self._users = users

    def admit(self, token: str, caller: Caller) -> Identity:
        """The token's identity, when it is valid, of the kind `caller` names
        and not of a blocked account."""
        ident = self._tokens.verify(token)
        if caller is Caller.USER and ident.is_admin:
            raise denied(R.ERROR_REASON_PERMISSION_DENIED, "this call needs a user token")
        if caller is Caller.ADMIN and not ident.is_admin:
            raise denied(R.ERROR_REASON_ADMIN_REQUIRED, "admin token required")
        if not ident.is_admin and self._users.is_blocked(ident.user_id):
            raise denied(R.ERROR_REASON_USER_BLOCKED, "account blocked")
        return ident


class Auth:
    def __init__(
        self, settings: Settings, tokens: TokenService, users: Users, streams: StreamControl
    ) -> None:
        self._settings = settings
        self._tokens = tokens
        self._users = users
        self._streams = streams

    def admin_token(self, secret: str, admin_id: str) -> tuple[str, int]:
        """(token, expiry ms) for the holder of the admin secret."""
        # As bytes: compare_digest refuses str that is not ASCII.
        given = secret.encode()
        expected = self._settings.secret_value().encode()
        if not given or not hmac.compare_digest(given, expected):
            raise unauthenticated(R.ERROR_REASON_SECRET_INVALID, "wrong admin secret")
        ttl = self._settings.auth.admin_token_ttl_seconds
        return self._tokens.issue(admin_id or DEFAULT_ADMIN_ID, P.PLATFORM_ADMIN, ttl, admin=True)

    async def user_token(self, user_id: str, platform: int, ttl_seconds: int) -> tuple[str, int]:
        """(token, expiry ms) for an existing account that is not blocked, on
        a device platform, for `ttl_seconds` (0: the configured default)."""
        check_user_id(user_id)
        if platform in (P.PLATFORM_UNSPECIFIED, P.PLATFORM_ADMIN):
            raise invalid("platform must be a device platform")
        settings = self._settings.auth
        if not 0 <= ttl_seconds <= settings.max_user_token_ttl_seconds:
            raise invalid(f"ttl_seconds must be 0-{settings.max_user_token_ttl_seconds}")
        if not await self._users.exists(user_id):
            raise not_found(R.ERROR_REASON_USER_NOT_FOUND, "user not found")
        if self._users.is_blocked(user_id):
            raise denied(R.ERROR_REASON_USER_BLOCKED, "account blocked")
        ttl = ttl_seconds or settings.user_token_ttl_seconds
        return self._tokens.issue(user_id, platform, ttl, admin=False)

    def parse(self, token: str) -> Identity:
        return self._tokens.verify(token)

    async def logout(self, user_id: str, platform: int) -> int:
        """Every token of the user's `platform` (0: all) issued until now stops
        working and their streams close on every node; returns how many."""
        check_user_id(user_id)
        await self._tokens.logout(user_id, platform)
        return await self._streams.close_user(user_id, platform, R.ERROR_REASON_TOKEN_REVOKED)

    async def invalidate(self, caller: Identity, token: str) -> None:
        """Revokes `token` (a user's own; an admin's any) and closes the
        streams opened with it."""
        target = self._tokens.verify(token)
        if not caller.is_admin and caller.user_id != target.user_id:
            raise denied(R.ERROR_REASON_PERMISSION_DENIED, "not your token")
        await self._tokens.revoke(target)
        self._streams.close_token(target.jti)
