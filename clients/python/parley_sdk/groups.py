"""Groups and their members.

Reads come from the local store, which `refresh` fills from GroupService and
group notifications (in each group's conversation) keep current. On a server
that does not implement GroupService yet, `refresh` returns False and actions
raise a `ParleyError` whose `unimplemented` is True.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from parley.common.v1 import common_pb2
from parley.group.v1 import group_pb2, group_pb2_grpc
from parley_sdk.convert import group_from_proto, member_from_proto
from parley_sdk.errors import ParleyError
from parley_sdk.models import Group, GroupMember
from parley_sdk.relations import PAGE, all_pages
from parley_sdk.rpc import Rpc
from parley_sdk.store import Store, Tx

log = logging.getLogger("parley_sdk.groups")


class Groups:
    """The groups the user belongs to, and their members."""

    def __init__(self, store: Store, rpc: Rpc, me: Callable[[], str]) -> None:
        self._store = store
        self._rpc = rpc
        self._me = me
        #: None until the first refresh; False when the server lacks GroupService.
        self.available: bool | None = None

    # -- local reads --------------------------------------------------------

    async def joined(self) -> list[Group]:
        """The groups the user belongs to (local)."""
        return await self._store.run(lambda tx: tx.groups(joined_only=True))

    async def get(self, group_id: str) -> Group | None:
        """A group's cached information (local)."""
        return await self._store.run(lambda tx: tx.group(group_id))

    async def members(self, group_id: str) -> list[GroupMember]:
        """A group's cached members: owner, admins, then members (local)."""
        return await self._store.run(lambda tx: tx.members(group_id))

    # -- refresh ------------------------------------------------------------

    async def refresh(self) -> bool:
        """Reloads the joined groups (and members of groups without cached
        members). Returns False when the server does not implement GroupService."""
        prefixes = ["sg_", f"n_{self._me()}"]
        groups: list[Group] = []
        for _ in range(5):
            mark = await self._store.run(lambda tx: tx.sync_mark(prefixes))
            try:
                groups = await all_pages(self._joined_page)
            except ParleyError as e:
                if e.unimplemented:
                    self.available = False
                    log.info("GroupService is not implemented by the server")
                    return False
                raise

            def save(tx: Tx, mark: tuple[int, int] = mark, groups: list[Group] = groups) -> bool:
                # Group events applied meanwhile may be newer than the list.
                if tx.sync_mark(prefixes) != mark:
                    return False
                tx.set_joined_groups(groups)
                return True

            if await self._store.run(save):
                break
        self.available = True
        for g in groups:
            cached = await self.members(g.group_id)
            if not cached:
                await self.refresh_members(g.group_id)
        return True

    async def refresh_group(self, group_id: str) -> Group | None:
        """Reloads one group's information and members from the server."""
        resp = await self._rpc.group(
            "GetGroups",
            group_pb2.GetGroupsRequest(group_ids=[group_id]),
            group_pb2.GetGroupsResponse,
        )
        if not resp.groups:
            return None
        old = await self.get(group_id)
        group = group_from_proto(resp.groups[0], joined=old.joined if old else True)
        await self._store.run(lambda tx: tx.save_group(group))
        await self.refresh_members(group_id)
        return group

    async def refresh_members(self, group_id: str) -> list[GroupMember]:
        """Reloads a group's members from the server."""

        async def page(token: str) -> tuple[list[GroupMember], str]:
            resp = await self._rpc.group(
                "ListGroupMembers",
                group_pb2.ListGroupMembersRequest(
                    group_id=group_id, page=common_pb2.PageRequest(page_token=token, page_size=PAGE)
                ),
                group_pb2.ListGroupMembersResponse,
            )
            return [member_from_proto(m) for m in resp.members], resp.page.next_page_token

        members = await all_pages(page)

        def save(tx: Tx) -> None:
            tx.replace_members(group_id, members)
            for m in members:
                if tx.user(m.user_id) is None:
                    from parley_sdk.models import UserProfile

                    tx.save_user(UserProfile(m.user_id, m.nickname))

        await self._store.run(save)
        return members

    async def _joined_page(self, token: str) -> tuple[list[Group], str]:
        resp = await self._rpc.group(
            "ListJoinedGroups",
            group_pb2.ListJoinedGroupsRequest(
                page=common_pb2.PageRequest(page_token=token, page_size=PAGE)
            ),
            group_pb2.ListJoinedGroupsResponse,
        )
        return [group_from_proto(g) for g in resp.groups], resp.page.next_page_token

    # -- actions ------------------------------------------------------------

    async def create(
        self,
        name: str,
        member_user_ids: Sequence[str] = (),
        *,
        admin_user_ids: Sequence[str] = (),
        intro: str = "",
        avatar_url: str = "",
        join_policy: int = 0,
        invite_policy: int = 0,
        extension: str = "",
        idempotency_key: str = "",
    ) -> Group:
        """Creates a group with the user as owner. Retried with one
        idempotency key (`idempotency_key`, or a fresh one) after a transient
        failure: one group, whatever was lost on the way."""
        resp = await self._rpc.create(
            group_pb2_grpc.GroupServiceStub,
            "CreateGroup",
            group_pb2.CreateGroupRequest(
                name=name,
                member_user_ids=list(member_user_ids),
                admin_user_ids=list(admin_user_ids),
                intro=intro,
                avatar_url=avatar_url,
                join_policy=join_policy,  # type: ignore[arg-type]
                invite_policy=invite_policy,  # type: ignore[arg-type]
                extension=extension,
                idempotency_key=idempotency_key,
            ),
            group_pb2.CreateGroupResponse,
        )
        group = group_from_proto(resp.group)
        await self._store.run(lambda tx: tx.save_group(group))
        return group

    async def set_info(
        self,
        group_id: str,
        *,
        name: str | None = None,
        avatar_url: str | None = None,
        intro: str | None = None,
        announcement: str | None = None,
        join_policy: int | None = None,
        invite_policy: int | None = None,
        extension: str | None = None,
    ) -> Group:
        """Changes group information (only the given fields)."""
        req = group_pb2.SetGroupInfoRequest(group_id=group_id)
        for key, value in (
            ("name", name),
            ("avatar_url", avatar_url),
            ("intro", intro),
            ("announcement", announcement),
            ("join_policy", join_policy),
            ("invite_policy", invite_policy),
            ("extension", extension),
        ):
            if value is not None:
                setattr(req, key, value)
        resp = await self._rpc.group("SetGroupInfo", req, group_pb2.SetGroupInfoResponse)
        old = await self.get(group_id)
        group = group_from_proto(resp.group, joined=old.joined if old else True)
        await self._store.run(lambda tx: tx.save_group(group))
        return group

    async def dismiss(self, group_id: str) -> None:
        """Dismisses a group (owner only)."""
        await self._rpc.group(
            "DismissGroup",
            group_pb2.DismissGroupRequest(group_id=group_id),
            group_pb2.DismissGroupResponse,
        )

    async def transfer_owner(self, group_id: str, new_owner_user_id: str) -> None:
        """Hands ownership to another member (owner only)."""
        await self._rpc.group(
            "TransferOwner",
            group_pb2.TransferOwnerRequest(group_id=group_id, new_owner_user_id=new_owner_user_id),
            group_pb2.TransferOwnerResponse,
        )

    async def request_join(
        self, group_id: str, message: str = "", *, idempotency_key: str = ""
    ) -> bool:
        """Asks to join; returns True when joined at once (free join policy).
        Retried like `create`."""
        resp = await self._rpc.create(
            group_pb2_grpc.GroupServiceStub,
            "RequestJoinGroup",
            group_pb2.RequestJoinGroupRequest(
                group_id=group_id, message=message, idempotency_key=idempotency_key
            ),
            group_pb2.RequestJoinGroupResponse,
        )
        return resp.joined

    async def join_requests(self, group_id: str) -> list[group_pb2.JoinRequest]:
        """Join requests of a group (owner and admins; from the server)."""

        async def page(token: str) -> tuple[list[group_pb2.JoinRequest], str]:
            resp = await self._rpc.group(
                "ListJoinRequests",
                group_pb2.ListJoinRequestsRequest(
                    group_id=group_id, page=common_pb2.PageRequest(page_token=token, page_size=PAGE)
                ),
                group_pb2.ListJoinRequestsResponse,
            )
            return list(resp.requests), resp.page.next_page_token

        return await all_pages(page)

    async def respond_join_request(self, group_id: str, user_id: str, accept: bool) -> None:
        """Accepts or refuses a join request (owner and admins)."""
        await self._rpc.group(
            "RespondJoinRequest",
            group_pb2.RespondJoinRequestRequest(group_id=group_id, user_id=user_id, accept=accept),
            group_pb2.RespondJoinRequestResponse,
        )

    async def invite(self, group_id: str, user_ids: Sequence[str]) -> None:
        """Adds users to a group."""
        await self._rpc.group(
            "InviteMembers",
            group_pb2.InviteMembersRequest(group_id=group_id, user_ids=list(user_ids)),
            group_pb2.InviteMembersResponse,
        )

    async def kick(self, group_id: str, user_ids: Sequence[str], reason: str = "") -> None:
        """Removes members (owner and admins)."""
        await self._rpc.group(
            "KickMembers",
            group_pb2.KickMembersRequest(group_id=group_id, user_ids=list(user_ids), reason=reason),
            group_pb2.KickMembersResponse,
        )

    async def quit(self, group_id: str) -> None:
        """Leaves a group."""
        await self._rpc.group(
            "QuitGroup", group_pb2.QuitGroupRequest(group_id=group_id), group_pb2.QuitGroupResponse
        )

    async def set_member_role(self, group_id: str, user_id: str, role: int) -> None:
        """Appoints (GROUP_ROLE_ADMIN) or demotes (GROUP_ROLE_MEMBER) a member."""
        await self._rpc.group(
            "SetMemberRole",
            group_pb2.SetMemberRoleRequest(group_id=group_id, user_id=user_id, role=role),  # type: ignore[arg-type]
            group_pb2.SetMemberRoleResponse,
        )

    async def set_member_nickname(self, group_id: str, user_id: str, nickname: str) -> None:
        """Sets a member's nickname in the group."""
        await self._rpc.group(
            "SetMemberNickname",
            group_pb2.SetMemberNicknameRequest(
                group_id=group_id, user_id=user_id, nickname=nickname
            ),
            group_pb2.SetMemberNicknameResponse,
        )

    async def mute_member(self, group_id: str, user_id: str, seconds: int) -> int:
        """Mutes a member for `seconds` (0 unmutes); returns the mute end time."""
        resp = await self._rpc.group(
            "MuteMember",
            group_pb2.MuteMemberRequest(
                group_id=group_id, user_id=user_id, duration_seconds=seconds
            ),
            group_pb2.MuteMemberResponse,
        )
        return resp.mute_end_time_ms

    async def mute_group(self, group_id: str, muted: bool) -> None:
        """Mutes or unmutes the whole group."""
        await self._rpc.group(
            "MuteGroup",
            group_pb2.MuteGroupRequest(group_id=group_id, muted=muted),
            group_pb2.MuteGroupResponse,
        )
