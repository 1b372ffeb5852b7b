"""AdminService: operator statistics, user and group management (admin tokens only)."""

from __future__ import annotations

from parley.admin.v1 import admin_pb2, admin_pb2_grpc
from parley.api.base import Authn, Ctx, page_bounds, page_response, rpc
from parley.api.idempotency import idempotent
from parley.domain.admin import Admin
from parley.domain.groups import Groups
from parley.domain.moderation import Moderation
from parley.domain.node_info import NodeInfo
from parley.domain.stats import Statistics
from parley.realtime.presence import Presence
from parley.storage.interfaces import FileStore


class AdminServicer(admin_pb2_grpc.AdminServiceServicer):
    def __init__(
        self,
        authn: Authn,
        admin: Admin,
        stats: Statistics,
        presence: Presence,
        moderation: Moderation,
        node: NodeInfo,
        files: FileStore,
        groups: Groups,
    ) -> None:
        self.authn = authn
        self.admin = admin
        self.stats = stats
        self.presence = presence
        self.moderation = moderation
        self.node = node
        self.files = files
        self.groups = groups

    @rpc
    async def GetStatistics(
        self, request: admin_pb2.GetStatisticsRequest, context: Ctx
    ) -> admin_pb2.GetStatisticsResponse:
        self.authn.caller(context)
        resp = await self.stats.get(request.start_date, request.end_date)
        resp.online_users, resp.open_streams = await self.presence.counts()
        for platform, streams in await self.presence.streams_by_platform():
            resp.streams_by_platform.add(platform=platform, streams=streams)  # type: ignore[arg-type]
        resp.file_bytes = await self.files.bytes_used()
        for user_id, used in await self.files.top_users(10):
            resp.top_storage_users.add(user_id=user_id, bytes=used)
        return resp

    @rpc
    async def ListUsers(
        self, request: admin_pb2.ListUsersRequest, context: Ctx
    ) -> admin_pb2.ListUsersResponse:
        self.authn.caller(context)
        users, page = await self.admin.list_users(
            request.keyword, request.page, request.blocked_only
        )
        return admin_pb2.ListUsersResponse(users=users, page=page)

    @rpc
    async def GetUser(
        self, request: admin_pb2.GetUserRequest, context: Ctx
    ) -> admin_pb2.GetUserResponse:
        self.authn.caller(context)
        return admin_pb2.GetUserResponse(user=await self.admin.get_user(request.user_id))

    @rpc
    async def BlockUser(
        self, request: admin_pb2.BlockUserRequest, context: Ctx
    ) -> admin_pb2.BlockUserResponse:
        self.authn.caller(context)
        closed = await self.admin.block(request.user_id, request.reason)
        return admin_pb2.BlockUserResponse(closed_streams=closed)

    @rpc
    async def UnblockUser(
        self, request: admin_pb2.UnblockUserRequest, context: Ctx
    ) -> admin_pb2.UnblockUserResponse:
        self.authn.caller(context)
        await self.admin.unblock(request.user_id)
        return admin_pb2.UnblockUserResponse()

    @rpc
    async def ForceLogout(
        self, request: admin_pb2.ForceLogoutRequest, context: Ctx
    ) -> admin_pb2.ForceLogoutResponse:
        self.authn.caller(context)
        closed = await self.admin.logout(request.user_id, request.platform)
        return admin_pb2.ForceLogoutResponse(closed_streams=closed)

    @rpc
    @idempotent(admin_pb2.SendSystemNotificationResponse)
    async def SendSystemNotification(
        self, request: admin_pb2.SendSystemNotificationRequest, context: Ctx
    ) -> admin_pb2.SendSystemNotificationResponse:
        self.authn.caller(context)
        delivered = await self.admin.notify(request)
        return admin_pb2.SendSystemNotificationResponse(delivered_users=delivered)

    @rpc
    async def ListConversationMessages(
        self, request: admin_pb2.ListConversationMessagesRequest, context: Ctx
    ) -> admin_pb2.ListConversationMessagesResponse:
        self.authn.caller(context)
        cid = self.moderation.conversation_of(request.conversation_id, request.user_ids)
        top, messages = await self.moderation.newest_first(cid, request.before_seq, request.limit)
        return admin_pb2.ListConversationMessagesResponse(
            conversation_id=cid, messages=messages, max_seq=top
        )

    @rpc
    async def GetServerInfo(
        self, request: admin_pb2.GetServerInfoRequest, context: Ctx
    ) -> admin_pb2.GetServerInfoResponse:
        self.authn.caller(context)
        return await self.node.describe()

    # -- groups, as the operator: the owners' own code paths (domain/groups),
    # with the admin recorded in each event (Notification.op_as).

    @rpc
    async def SearchGroups(
        self, request: admin_pb2.SearchGroupsRequest, context: Ctx
    ) -> admin_pb2.SearchGroupsResponse:
        self.authn.caller(context)
        groups, page = await self.groups.search(request.keyword, request.page)
        return admin_pb2.SearchGroupsResponse(groups=groups, page=page)

    @rpc
    async def ListGroupMembers(
        self, request: admin_pb2.ListGroupMembersRequest, context: Ctx
    ) -> admin_pb2.ListGroupMembersResponse:
        ident = self.authn.caller(context)
        offset, limit = page_bounds(request.page)
        members, total = await self.groups.list_members(
            ident.user_id, request.group_id, 0, offset, limit, as_admin=True
        )
        found = await self.groups.get_groups([request.group_id])
        return admin_pb2.ListGroupMembersResponse(
            group=found[0] if found else None,
            members=members,
            page=page_response(offset, limit, len(members), total),
        )

    @rpc
    async def MuteGroupMember(
        self, request: admin_pb2.MuteGroupMemberRequest, context: Ctx
    ) -> admin_pb2.MuteGroupMemberResponse:
        ident = self.authn.caller(context)
        end = await self.groups.mute_member(
            ident.user_id,
            request.group_id,
            request.user_id,
            request.duration_seconds,
            as_admin=True,
        )
        return admin_pb2.MuteGroupMemberResponse(mute_end_time_ms=end)

    @rpc
    async def MuteGroup(
        self, request: admin_pb2.MuteGroupRequest, context: Ctx
    ) -> admin_pb2.MuteGroupResponse:
        ident = self.authn.caller(context)
        await self.groups.mute_group(ident.user_id, request.group_id, request.muted, as_admin=True)
        return admin_pb2.MuteGroupResponse()

    @rpc
    async def DismissGroup(
        self, request: admin_pb2.DismissGroupRequest, context: Ctx
    ) -> admin_pb2.DismissGroupResponse:
        ident = self.authn.caller(context)
        await self.groups.dismiss(ident.user_id, request.group_id, as_admin=True)
        return admin_pb2.DismissGroupResponse()

    @rpc
    async def TransferGroupOwner(
        self, request: admin_pb2.TransferGroupOwnerRequest, context: Ctx
    ) -> admin_pb2.TransferGroupOwnerResponse:
        ident = self.authn.caller(context)
        await self.groups.transfer_owner(
            ident.user_id, request.group_id, request.new_owner_user_id, as_admin=True
        )
        return admin_pb2.TransferGroupOwnerResponse()
