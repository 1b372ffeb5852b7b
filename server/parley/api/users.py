from __future__ import annotations

from parley.api.base import Authn, Ctx, page_bounds, page_response, rpc
from parley.domain.relations import Relations
from parley.domain.users import Users, user_info
from parley.errors import invalid
from parley.realtime.devices import Devices
from parley.realtime.presence import Presence
from parley.user.v1 import user_pb2, user_pb2_grpc


class UserServicer(user_pb2_grpc.UserServiceServicer):
    def __init__(
        self,
        authn: Authn,
        users: Users,
        devices: Devices,
        presence: Presence,
        relations: Relations | None = None,
    ) -> None:
        self.authn = authn
        self.users = users
        self.devices = devices
        self.presence = presence
        self.relations = relations

    @rpc
    async def RegisterUsers(
        self, request: user_pb2.RegisterUsersRequest, context: Ctx
    ) -> user_pb2.RegisterUsersResponse:
        self.authn.caller(context)
        created, skipped = await self.users.register(request.users, request.skip_existing)
        return user_pb2.RegisterUsersResponse(created_user_ids=created, skipped_user_ids=skipped)

    @rpc
    async def GetUsers(
        self, request: user_pb2.GetUsersRequest, context: Ctx
    ) -> user_pb2.GetUsersResponse:
        self.authn.caller(context)
        rows = await self.users.get(request.user_ids)
        return user_pb2.GetUsersResponse(users=[user_info(r) for r in rows])

    @rpc
    async def UpdateProfile(
        self, request: user_pb2.UpdateProfileRequest, context: Ctx
    ) -> user_pb2.UpdateProfileResponse:
        ident = self.authn.caller(context)
        row = await self.users.update_profile(
            ident.user_id,
            request.nickname if request.HasField("nickname") else None,
            request.avatar_url if request.HasField("avatar_url") else None,
            request.extension if request.HasField("extension") else None,
        )
        if self.relations is not None:
            await self.relations.profile_changed(row)
        return user_pb2.UpdateProfileResponse(user=user_info(row))

    @rpc
    async def SearchUsers(
        self, request: user_pb2.SearchUsersRequest, context: Ctx
    ) -> user_pb2.SearchUsersResponse:
        self.authn.caller(context)
        if not request.keyword.strip():
            raise invalid("keyword is required")
        offset, limit = page_bounds(request.page)
        rows, total = await self.users.store.search_users(request.keyword.strip(), offset, limit)
        return user_pb2.SearchUsersResponse(
            users=[user_info(r) for r in rows],
            page=page_response(offset, limit, len(rows), total),
        )

    @rpc
    async def GetOnlineStatus(
        self, request: user_pb2.GetOnlineStatusRequest, context: Ctx
    ) -> user_pb2.GetOnlineStatusResponse:
        self.authn.caller(context)
        return user_pb2.GetOnlineStatusResponse(
            statuses=await self.presence.statuses(request.user_ids)
        )

    @rpc
    async def SubscribeOnlineStatus(
        self, request: user_pb2.SubscribeOnlineStatusRequest, context: Ctx
    ) -> user_pb2.SubscribeOnlineStatusResponse:
        ident = self.authn.caller(context)
        # The device's stream may sit on another node of a cluster.
        await self.devices.watch(
            ident.user_id,
            request.device_id,
            request.subscribe_user_ids,
            request.unsubscribe_user_ids,
        )
        return user_pb2.SubscribeOnlineStatusResponse(
            statuses=await self.presence.statuses(request.subscribe_user_ids)
        )

    @rpc
    async def SetGlobalReceiveOption(
        self, request: user_pb2.SetGlobalReceiveOptionRequest, context: Ctx
    ) -> user_pb2.SetGlobalReceiveOptionResponse:
        ident = self.authn.caller(context)
        await self.users.set_receive_option(ident.user_id, request.option)
        return user_pb2.SetGlobalReceiveOptionResponse()
