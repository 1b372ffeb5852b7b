"""A group's life cycle and its members' standing: create, edit, dismiss,
transfer, roles, nicknames and mutes."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from parley.clock import now_ms
from parley.domain.groups import limits
from parley.domain.groups import permissions as perm
from parley.domain.groups.builders import existing, group_info, note
from parley.domain.groups.changes import GroupChanges
from parley.domain.groups.limits import (
    MAX_ANNOUNCEMENT,
    MAX_EXTENSION,
    MAX_INTRO,
    MAX_MUTE_SECONDS,
    MAX_NAME,
    MAX_NICKNAME,
    MAX_URL,
)
from parley.domain.groups.state import ADMIN, GS, MEMBER, OWNER, GroupState
from parley.errors import R, invalid
from parley.group.v1 import group_pb2
from parley.ids import check_user_id
from parley.storage.records import Group, GroupMember, MemberBrief


def _info(st: GroupState) -> group_pb2.GroupInfo:
    return group_info(st.row, len(st.members))


class GroupMutations:
    def __init__(self, changes: GroupChanges) -> None:
        self.changes = changes
        self.cache = changes.cache
        self.store = changes.store

    # -- life cycle -------------------------------------------------------

    async def create(
        self,
        me: str,
        name: str,
        avatar_url: str,
        intro: str,
        member_ids: Sequence[str],
        admin_ids: Sequence[str],
        join_policy: int,
        invite_policy: int,
        extension: str,
    ) -> group_pb2.GroupInfo:
        name = name.strip()
        if not name:
            raise invalid("name is required")
        limits.limit(name, MAX_NAME, "name")
        limits.limit(avatar_url, MAX_URL, "avatar_url")
        limits.limit(intro, MAX_INTRO, "intro")
        limits.limit(extension, MAX_EXTENSION, "extension")
        jp, ip = limits.join_policy(join_policy), limits.invite_policy(invite_policy)
        cfg = self.changes.settings.groups
        members = [
            u
            for u in limits.user_ids(member_ids, cfg.max_members_per_call, "member_user_ids")
            if u != me
        ]
        admins = set(limits.user_ids(admin_ids, cfg.max_members_per_call, "admin_user_ids")) - {me}
        if not admins <= set(members):
            raise invalid("admin_user_ids must also be in member_user_ids")
        if len(members) + 1 > cfg.max_members:
            raise invalid(f"a group has at most {cfg.max_members} members")
        await existing(self.changes.users, members)
        hook: dict[str, Any] = {"owner_user_id": me, "name": name, "member_user_ids": members}
        await self.changes.hooks.before("group.create", hook)
        now = now_ms()
        gid = secrets.token_hex(10)
        row = Group(
            group_id=gid,
            name=name,
            avatar_url=avatar_url,
            intro=intro,
            owner_user_id=me,
            creator_user_id=me,
            join_policy=jp,
            invite_policy=ip,
            status=GS.GROUP_STATUS_ACTIVE,
            extension=extension,
            create_time_ms=now,
        )
        rows = [GroupMember(group_id=gid, user_id=me, role=OWNER, join_time_ms=now)]
        rows.extend(
            GroupMember(
                group_id=gid,
                user_id=u,
                role=ADMIN if u in admins else MEMBER,
                join_time_ms=now,
                inviter_user_id=me,
            )
            for u in members
        )
        ucs = [self.changes.membership(gid, m.user_id, 0, now) for m in rows]
        try:
            await self.store.create_group(row, rows, ucs)
        finally:
            self.changes.log.versions.done(uc.version for uc in ucs)
        st = GroupState(row, [MemberBrief(m.user_id, m.role, 0, True, 0) for m in rows])
        self.cache.committed(st)
        info = _info(st)
        n = note(me)
        n.group_created.group.CopyFrom(info)
        n.group_created.member_user_ids.extend(m.user_id for m in rows)
        await self.changes.event(st, n)
        self.changes.hooks.after("group.create", {**hook, "group_id": gid})
        return info

    async def set_info(
        self,
        me: str,
        group_id: str,
        name: str | None,
        avatar_url: str | None,
        intro: str | None,
        announcement: str | None,
        join_policy: int | None,
        invite_policy: int | None,
        extension: str | None,
    ) -> group_pb2.GroupInfo:
        fields: dict[str, object] = {}
        if name is not None:
            name = name.strip()
            if not name:
                raise invalid("name cannot be empty")
            fields["name"] = limits.limit(name, MAX_NAME, "name")
        if avatar_url is not None:
            fields["avatar_url"] = limits.limit(avatar_url, MAX_URL, "avatar_url")
        if intro is not None:
            fields["intro"] = limits.limit(intro, MAX_INTRO, "intro")
        if announcement is not None:
            fields["announcement"] = limits.limit(announcement, MAX_ANNOUNCEMENT, "announcement")
        if join_policy is not None:
            fields["join_policy"] = limits.join_policy(join_policy)
        if invite_policy is not None:
            fields["invite_policy"] = limits.invite_policy(invite_policy)
        if extension is not None:
            fields["extension"] = limits.limit(extension, MAX_EXTENSION, "extension")
        async with self.cache.lock(group_id):
            st = await self.cache.state(group_id, for_update=True)
            perm.check_active(st)
            perm.admin(st, me)
            if not fields:
                return _info(st)
            await self.store.update_group(group_id, **fields)
            for k, v in fields.items():
                setattr(st.row, k, v)
            self.cache.committed(st)
            info = _info(st)
            n = note(me)
            n.group_info_changed.group.CopyFrom(info)
            await self.changes.event(st, n)
            return info

    async def dismiss(self, me: str, group_id: str, as_admin: bool = False) -> None:
        """`as_admin`: `me` is an admin token's id (the operator), who needs no
        seat in the group; the event records it (Notification.op_as)."""
        hook = {"user_id": me, "group_id": group_id}
        await self.changes.hooks.before("group.dismiss", hook)
        async with self.cache.lock(group_id):
            st = await self.cache.state(group_id, for_update=True)
            perm.check_active(st)
            if not as_admin:
                perm.owner(st, me)
            await self.store.update_group(group_id, status=GS.GROUP_STATUS_DISMISSED)
            n = note(me, as_admin)
            n.group_dismissed.group_id = group_id
            # The last event of the group: stored before the status closes it.
            await self.changes.event(st, n)
            st.row.status = GS.GROUP_STATUS_DISMISSED
            self.cache.committed(st)
        self.changes.hooks.after("group.dismiss", hook)

    async def transfer_owner(
        self, me: str, group_id: str, new_owner: str, as_admin: bool = False
    ) -> None:
        check_user_id(new_owner, "new_owner_user_id")
        async with self.cache.lock(group_id):
            st = await self.cache.state(group_id, for_update=True)
            perm.check_active(st)
            old_owner = st.row.owner_user_id
            if not as_admin:
                perm.owner(st, me)
            if new_owner == old_owner:
                raise invalid(f"{new_owner} already owns the group", R.ERROR_REASON_SELF_TARGET)
            target = perm.target(st, new_owner)
            await self.store.transfer_owner(group_id, old_owner, new_owner)
            st.members[old_owner].role = ADMIN
            target.role = OWNER
            target.mute_end_ms = 0
            st.row.owner_user_id = new_owner
            self.cache.committed(st)
            n = note(me, as_admin)
            n.owner_transferred.group_id = group_id
            n.owner_transferred.old_owner_user_id = old_owner
            n.owner_transferred.new_owner_user_id = new_owner
            await self.changes.event(st, n)

    # -- members' standing ------------------------------------------------

    async def set_role(self, me: str, group_id: str, user_id: str, role: int) -> None:
        check_user_id(user_id)
        if role not in (ADMIN, MEMBER):
            raise invalid("role must be GROUP_ROLE_ADMIN or GROUP_ROLE_MEMBER")
        async with self.cache.lock(group_id):
            st = await self.cache.state(group_id, for_update=True)
            perm.check_active(st)
            perm.owner(st, me)
            if user_id == me:
                raise invalid("use TransferOwner to give up ownership", R.ERROR_REASON_SELF_TARGET)
            target = perm.target(st, user_id)
            if target.role == role:
                return
            # An admin cannot be muted, so a promotion lifts a running mute.
            await self.store.update_member(group_id, user_id, role=role, mute_end_time_ms=0)
            target.role = role
            target.mute_end_ms = 0
            self.cache.committed(st)
            n = note(me)
            n.member_role_changed.group_id = group_id
            n.member_role_changed.user_id = user_id
            n.member_role_changed.role = role  # type: ignore[assignment]
            await self.changes.event(st, n)

    async def set_nickname(self, me: str, group_id: str, user_id: str, nickname: str) -> None:
        check_user_id(user_id)
        limits.limit(nickname, MAX_NICKNAME, "nickname")
        async with self.cache.lock(group_id):
            st = await self.cache.state(group_id, for_update=True)
            perm.check_active(st)
            actor = perm.caller(st, me)
            if user_id != me and actor.role < ADMIN:
                raise perm.admins_only("set another member's nickname")
            perm.target(st, user_id)
            await self.store.update_member(group_id, user_id, nickname=nickname)
            self.cache.committed(st)
            n = note(me)
            n.member_nickname_changed.group_id = group_id
            n.member_nickname_changed.user_id = user_id
            n.member_nickname_changed.nickname = nickname
            await self.changes.event(st, n)

    async def mute_member(
        self, me: str, group_id: str, user_id: str, seconds: int, as_admin: bool = False
    ) -> int:
        """Returns the mute end (Unix ms), 0 when unmuted. The mute ends by
        itself: the send path compares the end with the clock."""
        check_user_id(user_id)
        if not 0 <= seconds <= MAX_MUTE_SECONDS:
            raise invalid(f"duration_seconds must be 0-{MAX_MUTE_SECONDS}")
        async with self.cache.lock(group_id):
            st = await self.cache.state(group_id, for_update=True)
            perm.check_active(st)
            if as_admin:
                target = perm.target(st, user_id)
                perm.check_mutable(target)
            else:
                actor = perm.admin(st, me)
                if user_id == me:
                    raise invalid("cannot mute yourself", R.ERROR_REASON_SELF_TARGET)
                target = perm.target(st, user_id)
                perm.check_outranks(actor, target, "mute")
            end = now_ms() + seconds * 1000 if seconds else 0
            await self.store.update_member(group_id, user_id, mute_end_time_ms=end)
            target.mute_end_ms = end
            self.cache.committed(st)
            n = note(me, as_admin)
            n.member_muted.group_id = group_id
            n.member_muted.user_id = user_id
            n.member_muted.mute_end_time_ms = end
            await self.changes.event(st, n)
            return end

    async def mute_group(self, me: str, group_id: str, muted: bool, as_admin: bool = False) -> None:
        async with self.cache.lock(group_id):
            st = await self.cache.state(group_id, for_update=True)
            perm.check_active(st)
            if not as_admin:
                perm.admin(st, me)
            status = GS.GROUP_STATUS_MUTED if muted else GS.GROUP_STATUS_ACTIVE
            if st.row.status == status:
                return
            await self.store.update_group(group_id, status=status)
            st.row.status = status
            self.cache.committed(st)
            n = note(me, as_admin)
            n.group_muted.group_id = group_id
            n.group_muted.muted = muted
            await self.changes.event(st, n)
