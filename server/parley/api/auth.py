"""AuthService: the token use cases of domain/auth.py over gRPC."""

from __future__ import annotations

from parley.api.base import Authn, Ctx, rpc
from parley.auth.v1 import auth_pb2, auth_pb2_grpc
from parley.domain.auth import Auth


class AuthServicer(auth_pb2_grpc.AuthServiceServicer):
    def __init__(self, authn: Authn, auth: Auth) -> None:
        self.authn = authn
        self.auth = auth

    @rpc
    async def GetAdminToken(
        self, request: auth_pb2.GetAdminTokenRequest, context: Ctx
    ) -> auth_pb2.GetAdminTokenResponse:
        token, expire = self.auth.admin_token(request.secret, request.admin_id)
        return auth_pb2.GetAdminTokenResponse(token=token, expire_time_ms=expire)

    @rpc
    async def IssueUserToken(
        self, request: auth_pb2.IssueUserTokenRequest, context: Ctx
    ) -> auth_pb2.IssueUserTokenResponse:
        self.authn.caller(context)
        token, expire = await self.auth.user_token(
            request.user_id, request.platform, request.ttl_seconds
        )
        return auth_pb2.IssueUserTokenResponse(token=token, expire_time_ms=expire)

    @rpc
    async def ParseToken(
        self, request: auth_pb2.ParseTokenRequest, context: Ctx
    ) -> auth_pb2.ParseTokenResponse:
        self.authn.caller(context)
        ident = self.auth.parse(request.token)
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
        closed = await self.auth.logout(request.user_id, request.platform)
        return auth_pb2.ForceLogoutResponse(closed_streams=closed)

    @rpc
    async def InvalidateToken(
        self, request: auth_pb2.InvalidateTokenRequest, context: Ctx
    ) -> auth_pb2.InvalidateTokenResponse:
        await self.auth.invalidate(self.authn.caller(context), request.token)
        return auth_pb2.InvalidateTokenResponse()
