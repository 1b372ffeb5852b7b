from __future__ import annotations

import hmac

from parley.api.base import Authn, Ctx, rpc
from parley.auth.v1 import auth_pb2, auth_pb2_grpc
from parley.common.v1 import common_pb2
from parley.config import Settings
from parley.errors import R, denied, invalid, not_found, unauthenticated
from parley.ids import check_user_id
from parley.realtime.gateway import Gateway

P = common_pb2.Platform


class AuthServicer(auth_pb2_grpc.AuthServiceServicer):
    def __init__(self, settings: Settings, authn: Authn, gateway: Gateway) -> None:
        self.settings = settings
        self.authn = authn
        self.gateway = gateway

    @rpc
    async def GetAdminToken(
        self, request: auth_pb2.GetAdminTokenRequest, context: Ctx
    ) -> auth_pb2.GetAdminTokenResponse:
        secret = self.settings.secret_value()
        # As bytes: compare_digest refuses str that is not ASCII.
        given = request.secret.encode()
        if not given or not hmac.compare_digest(given, secret.encode()):
            raise unauthenticated(R.ERROR_REASON_SECRET_INVALID, "wrong admin secret")
        admin_id = request.admin_id or "admin"
        token, expire = self.authn.tokens.issue(
            admin_id, P.PLATFORM_ADMIN, self.settings.auth.admin_token_ttl_seconds, admin=True
        )
        return auth_pb2.GetAdminTokenResponse(token=token, expire_time_ms=expire)

    @rpc
    async def IssueUserToken(
        self, request: auth_pb2.IssueUserTokenRequest, context: Ctx
    ) -> auth_pb2.IssueUserTokenResponse:
        self.authn.caller(context)
        check_user_id(request.user_id)
        if request.platform in (P.PLATFORM_UNSPECIFIED, P.PLATFORM_ADMIN):
            raise invalid("platform must be a device platform")
        if not await self.authn.users.exists(request.user_id):
            raise not_found(R.ERROR_REASON_USER_NOT_FOUND, "user not found")
        if self.authn.users.is_blocked(request.user_id):
            raise denied(R.ERROR_REASON_USER_BLOCKED, "account blocked")
        ttl = request.ttl_seconds or self.settings.auth.user_token_ttl_seconds
        token, expire = self.authn.tokens.issue(request.user_id, request.platform, ttl, admin=False)
        return auth_pb2.IssueUserTokenResponse(token=token, expire_time_ms=expire)

    @rpc
    async def ParseToken(
        self, request: auth_pb2.ParseTokenRequest, context: Ctx
    ) -> auth_pb2.ParseTokenResponse:
        self.authn.caller(context)
        ident = self.authn.tokens.verify(request.token)
        return auth_pb2.ParseTokenResponse(
            user_id=ident.user_id,
            platform=ident.platform,  # type: ignore[arg-type]
            expire_time_ms=ident.expire_ms,
            is_admin=ident.is_admin,
        )

    @rpc
    async def ForceLogout(
        self, request: auth_pb2.ForceLogoutRequest, context: Ctx
    ) -> auth_pb2.ForceLogoutResponse:
        self.authn.caller(context)
        check_user_id(request.user_id)
        closed = await self.gateway.logout(request.user_id, request.platform)
        return auth_pb2.ForceLogoutResponse(closed_streams=closed)

    @rpc
    async def InvalidateToken(
        self, request: auth_pb2.InvalidateTokenRequest, context: Ctx
    ) -> auth_pb2.InvalidateTokenResponse:
        caller = self.authn.caller(context)
        target = self.authn.tokens.verify(request.token)
        if not caller.is_admin and caller.user_id != target.user_id:
            raise denied(R.ERROR_REASON_PERMISSION_DENIED, "not your token")
        await self.authn.tokens.revoke(target)
        self.gateway.close_token(target.jti)
        return auth_pb2.InvalidateTokenResponse()
