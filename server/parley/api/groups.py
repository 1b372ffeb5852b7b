from __future__ import annotations

from parley.api.base import Authn, Ctx, page_bounds, page_response, rpc
from parley.api.idempotency import idempotent
from parley.domain.groups import Groups
from parley.group.v1 import group_pb2, group_pb2_grpc


class GroupServicer(group_pb2_grpc.GroupServiceServicer):
    def __init__(self, authn: Authn, groups: Groups) -> None:
        self.authn = authn
        self.groups = groups

    @rpc
    @idempotent(group_pb2.CreateGroupResponse)
    async def CreateGroup(
        self, request: group_pb2.CreateGroupRequest, context: Ctx
    ) -> group_pb2.CreateGroupResponse:
        ident = self.authn.caller(context)
        info = await self.groups.create(
            ident.user_id,
            request.name,
            request.avatar_url,
            request.intro,
            request.member_user_ids,
            request.admin_user_ids,
            request.join_policy,
            request.invite_policy,
            request.extension,
        )
        return group_pb2.CreateGroupResponse(group=info)

    @rpc
    async def GetGroups(
        self, request: group_pb2.GetGroupsRequest, context: Ctx
    ) -> group_pb2.GetGroupsResponse:
        self.authn.caller(context)
        return group_pb2.GetGroupsResponse(groups=await self.groups.get_groups(request.group_ids))

    @rpc
    async def SetGroupInfo(
        self, request: group_pb2.SetGroupInfoRequest, context: Ctx
    ) -> group_pb2.SetGroupInfoResponse:
        ident = self.authn.caller(context)
        r = request
        info = await self.groups.set_info(
            ident.user_id,
            r.group_id,
            r.name if r.HasField("name") else None,
            r.avatar_url if r.HasField("avatar_url") else None,
            r.intro if r.HasField("intro") else None,
            r.announcement if r.HasField("announcement") else None,
            r.join_policy if r.HasField("join_policy") else None,
            r.invite_policy if r.HasField("invite_policy") else None,
            r.extension if r.HasField("extension") else None,
        )
        return group_pb2.SetGroupInfoResponse(group=info)

    @rpc
    async def DismissGroup(
        self, request: group_pb2.DismissGroupRequest, context: Ctx
    ) -> group_pb2.DismissGroupResponse:
        ident = self.authn.caller(context)
        await self.groups.dismiss(ident.user_id, request.group_id)
        return group_pb2.DismissGroupResponse()

    @rpc
    async def TransferOwner(
        self, request: group_pb2.TransferOwnerRequest, context: Ctx
    ) -> group_pb2.TransferOwnerResponse:
        ident = self.authn.caller(context)
        await self.groups.transfer_owner(ident.user_id, request.group_id, request.new_owner_user_id)
        return group_pb2.TransferOwnerResponse()

    @rpc
    @idempotent(group_pb2.RequestJoinGroupResponse)
    async def RequestJoinGroup(
        self, request: group_pb2.RequestJoinGroupRequest, context: Ctx
    ) -> group_pb2.RequestJoinGroupResponse:
        ident = self.authn.caller(context)
        joined = await self.groups.request_join(ident.user_id, request.group_id, request.message)
        return group_pb2.RequestJoinGroupResponse(joined=joined)

    @rpc
    async def ListJoinRequests(
        self, request: group_pb2.ListJoinRequestsRequest, context: Ctx
    ) -> group_pb2.ListJoinRequestsResponse:
        ident = self.authn.caller(context)
        offset, limit = page_bounds(request.page)
        reqs, total, pending = await self.groups.list_requests(
            ident.user_id, request.group_id, offset, limit
        )
        return group_pb2.ListJoinRequestsResponse(
            requests=reqs,
            page=page_response(offset, limit, len(reqs), total),
            unhandled_count=pending,
        )

    @rpc
    async def RespondJoinRequest(
        self, request: group_pb2.RespondJoinRequestRequest, context: Ctx
    ) -> group_pb2.RespondJoinRequestResponse:
        ident = self.authn.caller(context)
        await self.groups.respond_request(
            ident.user_id, request.group_id, request.user_id, request.accept
        )
        return group_pb2.RespondJoinRequestResponse()

    @rpc
    async def InviteMembers(
        self, request: group_pb2.InviteMembersRequest, context: Ctx
    ) -> group_pb2.InviteMembersResponse:
        ident = self.authn.caller(context)
        await self.groups.invite(ident.user_id, request.group_id, request.user_ids)
        return group_pb2.InviteMembersResponse()

    @rpc
    async def KickMembers(
        self, request: group_pb2.KickMembersRequest, context: Ctx
    ) -> group_pb2.KickMembersResponse:
        ident = self.authn.caller(context)
        await self.groups.kick(ident.user_id, request.group_id, request.user_ids, request.reason)
        return group_pb2.KickMembersResponse()

    @rpc
    async def QuitGroup(
        self, request: group_pb2.QuitGroupRequest, context: Ctx
    ) -> group_pb2.QuitGroupResponse:
        ident = self.authn.caller(context)
        await self.groups.quit(ident.user_id, request.group_id)
        return group_pb2.QuitGroupResponse()

    @rpc
    async def ListGroupMembers(
        self, request: group_pb2.ListGroupMembersRequest, context: Ctx
    ) -> group_pb2.ListGroupMembersResponse:
        ident = self.authn.caller(context)
        offset, limit = page_bounds(request.page)
        members, total = await self.groups.list_members(
            ident.user_id, request.group_id, request.role, offset, limit
        )
        return group_pb2.ListGroupMembersResponse(
            members=members, page=page_response(offset, limit, len(members), total)
        )

    @rpc
    async def SetMemberRole(
        self, request: group_pb2.SetMemberRoleRequest, context: Ctx
    ) -> group_pb2.SetMemberRoleResponse:
        ident = self.authn.caller(context)
        await self.groups.set_role(ident.user_id, request.group_id, request.user_id, request.role)
        return group_pb2.SetMemberRoleResponse()

    @rpc
    async def SetMemberNickname(
        self, request: group_pb2.SetMemberNicknameRequest, context: Ctx
    ) -> group_pb2.SetMemberNicknameResponse:
        ident = self.authn.caller(context)
        await self.groups.set_nickname(
            ident.user_id, request.group_id, request.user_id, request.nickname
        )
        return group_pb2.SetMemberNicknameResponse()

    @rpc
    async def MuteMember(
        self, request: group_pb2.MuteMemberRequest, context: Ctx
    ) -> group_pb2.MuteMemberResponse:
        ident = self.authn.caller(context)
        end = await self.groups.mute_member(
            ident.user_id, request.group_id, request.user_id, request.duration_seconds
        )
        return group_pb2.MuteMemberResponse(mute_end_time_ms=end)

    @rpc
    async def MuteGroup(
        self, request: group_pb2.MuteGroupRequest, context: Ctx
    ) -> group_pb2.MuteGroupResponse:
        ident = self.authn.caller(context)
        await self.groups.mute_group(ident.user_id, request.group_id, request.muted)
        return group_pb2.MuteGroupResponse()

    @rpc
    async def ListJoinedGroups(
        self, request: group_pb2.ListJoinedGroupsRequest, context: Ctx
    ) -> group_pb2.ListJoinedGroupsResponse:
        ident = self.authn.caller(context)
        offset, limit = page_bounds(request.page)
        groups, total = await self.groups.joined_groups(ident.user_id, offset, limit)
        return group_pb2.ListJoinedGroupsResponse(
            groups=groups, page=page_response(offset, limit, len(groups), total)
        )
