"""Who is in a group: joining (at once or by request), invitations, kicks and
quitting."""

from __future__ import annotations

from collections.abc import Sequence

from parley.clock import now_ms
from parley.domain.groups import limits
from parley.domain.groups import permissions as perm
from parley.domain.groups.builders import note, profiles
from parley.domain.groups.changes import GroupChanges
from parley.domain.groups.limits import IP, JP, MAX_MESSAGE
from parley.domain.groups.state import ADMIN, GS, OWNER
from parley.errors import R, denied, invalid, not_found, precondition
from parley.group.v1 import group_pb2
from parley.ids import check_user_id
from parley.log.notify import notify_users
from parley.storage.sql.schema import GroupRequestRow

JRS = group_pb2.JoinRequestState


class GroupMembership:
    def __init__(self, changes: GroupChanges) -> None:
        self.changes = changes
        self.cache = changes.cache
        self.store = changes.store

    def _users(self, user_ids: Sequence[str]) -> list[str]:
        users = limits.user_ids(
            user_ids, self.changes.settings.groups.max_members_per_call, "user_ids"
        )
        if not users:
            raise invalid("no users given")
        return users

    # -- joining ----------------------------------------------------------

    async def request_join(self, me: str, group_id: str, message: str) -> bool:
        """True when the caller joined at once (free join policy)."""
        limits.limit(message, MAX_MESSAGE, "message")
        hook = {"user_id": me, "group_id": group_id, "message": message}
        await self.changes.hooks.before("group.join", hook)
        async with self.cache.lock(group_id):
            st = await self.cache.state(group_id, for_update=True)
            perm.check_active(st)
            if me in st.members:
                raise precondition(R.ERROR_REASON_ALREADY_GROUP_MEMBER, "already a member")
            policy = st.row.join_policy
            if policy == JP.JOIN_POLICY_INVITE_ONLY:
                raise denied(
                    R.ERROR_REASON_GROUP_PERMISSION_DENIED, "this group admits invited users only"
                )
            perm.check_room(st, 1, self.changes.settings.groups.max_members)
            if policy == JP.JOIN_POLICY_FREE:
                await self.changes.add_members(st, me, [me], "", invited=False)
                self.changes.hooks.after("group.join", {**hook, "joined": True})
                return True
            await self.store.put_request(
                GroupRequestRow(
                    group_id=group_id,
                    user_id=me,
                    message=message,
                    state=JRS.JOIN_REQUEST_STATE_PENDING,
                    create_time_ms=now_ms(),
                )
            )
            admins = st.admins()
        n = note(me)
        n.group_join_requested.group_id = group_id
        info = (await profiles(self.changes.users, [me])).get(me)
        if info is not None:
            n.group_join_requested.user.CopyFrom(info)
        n.group_join_requested.message = message
        await notify_users(self.changes.log, admins, n)
        self.changes.hooks.after("group.join", {**hook, "joined": False})
        return False

    async def respond_request(self, me: str, group_id: str, user_id: str, accept: bool) -> None:
        check_user_id(user_id)
        refused = False
        async with self.cache.lock(group_id):
            st = await self.cache.state(group_id, for_update=True)
            perm.check_active(st)
            perm.admin(st, me)
            req = await self.store.get_request(group_id, user_id)
            if req is None or req.state != JRS.JOIN_REQUEST_STATE_PENDING:
                raise not_found(R.ERROR_REASON_JOIN_REQUEST_NOT_FOUND, "no pending join request")
            if accept and user_id not in st.members:
                perm.check_room(st, 1, self.changes.settings.groups.max_members)
                await self.changes.add_members(st, me, [user_id], me, invited=False)
            state = JRS.JOIN_REQUEST_STATE_ACCEPTED if accept else JRS.JOIN_REQUEST_STATE_REFUSED
            if not await self.store.handle_request(group_id, user_id, state, me, now_ms()):
                raise not_found(R.ERROR_REASON_JOIN_REQUEST_NOT_FOUND, "no pending join request")
            refused = not accept
        if refused:
            n = note(me)
            n.group_join_refused.group_id = group_id
            n.group_join_refused.user_id = user_id
            await notify_users(self.changes.log, [user_id], n)

    async def invite(self, me: str, group_id: str, user_ids: Sequence[str]) -> None:
        users = self._users(user_ids)
        hook = {"user_id": me, "group_id": group_id, "user_ids": users}
        await self.changes.hooks.before("group.invite", hook)
        async with self.cache.lock(group_id):
            st = await self.cache.state(group_id, for_update=True)
            perm.check_active(st)
            actor = perm.caller(st, me)
            if st.row.invite_policy != IP.INVITE_POLICY_MEMBERS and actor.role < ADMIN:
                raise perm.admins_only("invite")
            for u in users:
                if u in st.members:
                    raise precondition(
                        R.ERROR_REASON_ALREADY_GROUP_MEMBER, f"{u} is already a member"
                    )
            perm.check_room(st, len(users), self.changes.settings.groups.max_members)
            await self.changes.add_members(st, me, users, me, invited=True)
        self.changes.hooks.after("group.invite", hook)

    # -- leaving ----------------------------------------------------------

    async def kick(self, me: str, group_id: str, user_ids: Sequence[str], reason: str) -> None:
        users = self._users(user_ids)
        limits.limit(reason, MAX_MESSAGE, "reason")
        hook = {"user_id": me, "group_id": group_id, "user_ids": users, "reason": reason}
        await self.changes.hooks.before("group.kick", hook)
        async with self.cache.lock(group_id):
            st = await self.cache.state(group_id, for_update=True)
            perm.check_active(st)
            actor = perm.admin(st, me)
            if me in users:
                raise invalid("use QuitGroup to leave", R.ERROR_REASON_SELF_TARGET)
            for u in users:
                target = perm.target(st, u)
                perm.check_outranks(actor, target, "kick")
            n = note(me)
            n.members_kicked.group_id = group_id
            n.members_kicked.user_ids.extend(users)
            n.members_kicked.reason = reason
            await self.changes.remove_members(st, users, n)
        self.changes.hooks.after("group.kick", hook)

    async def quit(self, me: str, group_id: str) -> None:
        hook = {"user_id": me, "group_id": group_id}
        await self.changes.hooks.before("group.quit", hook)
        async with self.cache.lock(group_id):
            st = await self.cache.state(group_id, for_update=True)
            m = perm.caller(st, me)
            if m.role == OWNER and st.row.status != GS.GROUP_STATUS_DISMISSED:
                raise precondition(
                    R.ERROR_REASON_SELF_TARGET,
                    "the owner cannot quit: transfer ownership or dismiss the group",
                )
            n = note(me)
            n.member_quit.group_id = group_id
            n.member_quit.user_id = me
            await self.changes.remove_members(st, [me], n)
        self.changes.hooks.after("group.quit", hook)
