from __future__ import annotations

from parley.api.base import Authn, Ctx, page_bounds, page_response, rpc
from parley.api.idempotency import idempotent
from parley.domain.relations import Relations
from parley.relation.v1 import relation_pb2, relation_pb2_grpc


class RelationServicer(relation_pb2_grpc.RelationServiceServicer):
    def __init__(self, authn: Authn, relations: Relations) -> None:
        self.authn = authn
        self.relations = relations

    @rpc
    @idempotent(relation_pb2.ApplyFriendResponse)
    async def ApplyFriend(
        self, request: relation_pb2.ApplyFriendRequest, context: Ctx
    ) -> relation_pb2.ApplyFriendResponse:
        ident = self.authn.caller(context)
        await self.relations.apply(ident.user_id, request.to_user_id, request.message)
        return relation_pb2.ApplyFriendResponse()

    @rpc
    async def ListFriendApplications(
        self, request: relation_pb2.ListFriendApplicationsRequest, context: Ctx
    ) -> relation_pb2.ListFriendApplicationsResponse:
        ident = self.authn.caller(context)
        offset, limit = page_bounds(request.page)
        apps, total, pending = await self.relations.list_applications(
            ident.user_id, request.direction, offset, limit
        )
        return relation_pb2.ListFriendApplicationsResponse(
            applications=apps,
            page=page_response(offset, limit, len(apps), total),
            unhandled_count=pending,
        )

    @rpc
    async def RespondFriendApplication(
        self, request: relation_pb2.RespondFriendApplicationRequest, context: Ctx
    ) -> relation_pb2.RespondFriendApplicationResponse:
        ident = self.authn.caller(context)
        await self.relations.respond(
            ident.user_id, request.from_user_id, request.accept, request.message
        )
        return relation_pb2.RespondFriendApplicationResponse()

    @rpc
    async def ListFriends(
        self, request: relation_pb2.ListFriendsRequest, context: Ctx
    ) -> relation_pb2.ListFriendsResponse:
        ident = self.authn.caller(context)
        offset, limit = page_bounds(request.page)
        friends, total = await self.relations.list_friends(ident.user_id, offset, limit)
        return relation_pb2.ListFriendsResponse(
            friends=friends, page=page_response(offset, limit, len(friends), total)
        )

    @rpc
    async def DeleteFriend(
        self, request: relation_pb2.DeleteFriendRequest, context: Ctx
    ) -> relation_pb2.DeleteFriendResponse:
        ident = self.authn.caller(context)
        await self.relations.delete_friend(ident.user_id, request.user_id)
        return relation_pb2.DeleteFriendResponse()

    @rpc
    async def SetFriendRemark(
        self, request: relation_pb2.SetFriendRemarkRequest, context: Ctx
    ) -> relation_pb2.SetFriendRemarkResponse:
        ident = self.authn.caller(context)
        await self.relations.set_remark(ident.user_id, request.user_id, request.remark)
        return relation_pb2.SetFriendRemarkResponse()

    @rpc
    async def IsFriend(
        self, request: relation_pb2.IsFriendRequest, context: Ctx
    ) -> relation_pb2.IsFriendResponse:
        ident = self.authn.caller(context)
        friend, blocked = await self.relations.is_friend(ident.user_id, request.user_id)
        return relation_pb2.IsFriendResponse(is_friend=friend, blocked_by_me=blocked)

    @rpc
    async def AddBlacklist(
        self, request: relation_pb2.AddBlacklistRequest, context: Ctx
    ) -> relation_pb2.AddBlacklistResponse:
        ident = self.authn.caller(context)
        await self.relations.block(ident.user_id, request.user_id)
        return relation_pb2.AddBlacklistResponse()

    @rpc
    async def RemoveBlacklist(
        self, request: relation_pb2.RemoveBlacklistRequest, context: Ctx
    ) -> relation_pb2.RemoveBlacklistResponse:
        ident = self.authn.caller(context)
        await self.relations.unblock(ident.user_id, request.user_id)
        return relation_pb2.RemoveBlacklistResponse()

    @rpc
    async def ListBlacklist(
        self, request: relation_pb2.ListBlacklistRequest, context: Ctx
    ) -> relation_pb2.ListBlacklistResponse:
        ident = self.authn.caller(context)
        offset, limit = page_bounds(request.page)
        users, total = await self.relations.list_blacklist(ident.user_id, offset, limit)
        return relation_pb2.ListBlacklistResponse(
            users=users, page=page_response(offset, limit, len(users), total)
        )
