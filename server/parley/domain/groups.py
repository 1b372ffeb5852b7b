"""Groups: life cycle, roles, join policies, membership and mutes, and the
group side of the send path.

Group chat is read diffusion: one stored copy per message in `sg_<group>`,
pushed to the online members. Members live in memory per group (loaded once,
then changed in place by the mutations, which all run here under the group's
lock), so a send into a 10,000-member group reads no member rows. Every change
is a typed, seq'd event in the group conversation; the few events meant for
non-members or only for the owner and admins go to notification conversations.
"""

from __future__ import annotations

import asyncio
import secrets
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from parley.bounded import Generations, track
from parley.clock import now_ms
from parley.common.v1 import common_pb2
from parley.config import Settings
from parley.domain.peers import GROUP_CHANGED, NO_PEERS, Peers
from parley.domain.rules import Action, GroupSeat
from parley.domain.users import Users, user_info
from parley.errors import ParleyError, R, denied, invalid, not_found, precondition
from parley.group.v1 import group_pb2
from parley.hooks.client import NO_HOOKS, Hooks
from parley.ids import (
    check_user_id,
    group_conversation_id,
    parse_conversation_id,
    single_conversation_id,
)
from parley.log.conversation_log import ConversationLog
from parley.log.notify import notify_users
from parley.msg.v1 import notification_pb2
from parley.storage.interfaces import GroupStore, MemberBrief
from parley.storage.sql.schema import GroupMemberRow, GroupRequestRow, GroupRow
from parley.user.v1 import user_pb2

if TYPE_CHECKING:
    from parley.domain.access import Access

ST = common_pb2.SessionType
ROLE = group_pb2.GroupRole
OWNER, ADMIN, MEMBER = ROLE.GROUP_ROLE_OWNER, ROLE.GROUP_ROLE_ADMIN, ROLE.GROUP_ROLE_MEMBER
JP = group_pb2.JoinPolicy
IP = group_pb2.InvitePolicy
GS = group_pb2.GroupStatus
JRS = group_pb2.JoinRequestState
MAX_NAME = 128
MAX_URL = 1024
MAX_INTRO = 1024
MAX_ANNOUNCEMENT = 4096
MAX_EXTENSION = 4096
MAX_NICKNAME = 64
MAX_MESSAGE = 512
MAX_MUTE_SECONDS = 366 * 86_400


@dataclass(slots=True)
class Member:
    role: int
    mute_end_ms: int


class GroupState:
    """One group as the send path sees it."""

    __slots__ = ("former", "members", "push", "row", "stale")

    def __init__(self, row: GroupRow, briefs: Iterable[MemberBrief]) -> None:
        self.row = row
        # Another node changed the group after this was loaded: it must not
        # be installed in the cache again (see Groups.join).
        self.stale = False
        self.members: dict[str, Member] = {}
        # Former member -> seq of their leave event: they read history up to it.
        self.former: dict[str, int] = {}
        for b in briefs:
            if b.active:
                self.members[b.user_id] = Member(b.role, b.mute_end_time_ms)
            else:
                self.former[b.user_id] = b.left_seq
        # Handed to pushes by reference and changed in place: a message still
        # in flight when a member leaves is not pushed to them.
        self.push: list[str] = list(self.members)

    def add(self, user_id: str, role: int) -> None:
        self.former.pop(user_id, None)
        if user_id not in self.members:
            self.push.append(user_id)
        self.members[user_id] = Member(role, 0)

    def remove(self, user_ids: set[str]) -> None:
        for u in user_ids:
            self.members.pop(u, None)
        self.push[:] = [u for u in self.push if u not in user_ids]

    def admins(self) -> list[str]:
        return [u for u, m in self.members.items() if m.role >= ADMIN]


def group_info(row: GroupRow, member_count: int) -> group_pb2.GroupInfo:
    return group_pb2.GroupInfo(
        group_id=row.group_id,
        name=row.name,
        avatar_url=row.avatar_url,
        intro=row.intro,
        announcement=row.announcement,
        owner_user_id=row.owner_user_id,
        join_policy=row.join_policy,  # type: ignore[arg-type]
        invite_policy=row.invite_policy,  # type: ignore[arg-type]
        status=row.status,  # type: ignore[arg-type]
        member_count=member_count,
        extension=row.extension,
        creator_user_id=row.creator_user_id,
        create_time_ms=row.create_time_ms,
        conversation_id=group_conversation_id(row.group_id),
    )


def check_group_id(group_id: str) -> str:
    if not group_id or len(group_id) > 64:
        raise invalid("group_id must be 1-64 chars")
    return group_id


def _limit(value: str, most: int, field: str) -> str:
    if len(value) > most:
        raise invalid(f"{field} longer than {most} chars")
    return value


def _join_policy(value: int) -> int:
    if value not in JP.values():
        raise invalid("unknown join_policy")
    return value or JP.JOIN_POLICY_APPROVAL


def _invite_policy(value: int) -> int:
    if value not in IP.values():
        raise invalid("unknown invite_policy")
    return value or IP.INVITE_POLICY_ADMINS


def _user_ids(ids: Iterable[str], most: int, field: str) -> list[str]:
    out = list(dict.fromkeys(ids))
    for u in out:
        check_user_id(u, field)
    if len(out) > most:
        raise invalid(f"at most {most} users per call")
    return out


def _not_member(user_id: str) -> ParleyError:
    return precondition(R.ERROR_REASON_NOT_GROUP_MEMBER, f"{user_id} is not a member")


def _check_outranks(actor: Member, target: Member, action: str) -> None:
    """Admins act on members only; the owner on admins and members."""
    if target.role == OWNER or (target.role == ADMIN and actor.role != OWNER):
        raise denied(
            R.ERROR_REASON_GROUP_PERMISSION_DENIED,
            f"admins cannot {action} the owner or other admins",
        )


class Groups:
    def __init__(
        self, settings: Settings, store: GroupStore, users: Users, log: ConversationLog
    ) -> None:
        self.settings = settings
        self.store = store
        self.users = users
        self.log = log
        self._cache: OrderedDict[str, GroupState] = OrderedDict()
        track("groups", self._cache)
        self._loading: dict[str, asyncio.Future[GroupState | None]] = {}
        # Bumped by every committed change: a load that read the group before
        # the change must not install what it read.
        self._gen: Generations[str] = Generations(
            settings.groups.cached_groups, "group_change_stamps"
        )
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        # Webhooks (parley.hooks): before-hooks may veto a change; set by the app.
        self.hooks: Hooks = NO_HOOKS
        self.peers: Peers = NO_PEERS

    def join(self, peers: Peers) -> None:
        """Groups changed on other nodes are reloaded here on next use."""
        self.peers = peers
        peers.on(GROUP_CHANGED, self._peer_changed)
        peers.on_resync(self._forget_all)

    def _peer_changed(self, data: dict[str, Any]) -> None:
        gid = str(data["group_id"])
        st = self._cache.get(gid)
        if st is not None:
            st.stale = True
        self._forget(gid)

    async def _forget_all(self) -> None:
        for gid in list(self._cache):
            self._peer_changed({"group_id": gid})

    # -- the member cache -------------------------------------------------

    def _lock(self, group_id: str) -> asyncio.Lock:
        lock = self._locks.get(group_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[group_id] = lock
        return lock

    def _install(self, group_id: str, st: GroupState) -> None:
        self._cache[group_id] = st
        self._cache.move_to_end(group_id)
        while len(self._cache) > self.settings.groups.cached_groups:
            self._cache.popitem(last=False)

    def _committed(self, st: GroupState) -> None:
        """After a change is stored: `st` (changed in place by the caller) is
        the truth, whatever a concurrent load read."""
        gid = st.row.group_id
        self._gen.bump(gid)
        if st.stale:
            self._cache.pop(gid, None)
        else:
            self._install(gid, st)
        self.peers.tell(GROUP_CHANGED, {"group_id": gid})

    async def _load(self, group_id: str) -> GroupState | None:
        gen = self._gen.of(group_id)
        loaded = await self.store.load_group(group_id)
        if loaded is None:
            return None
        st = GroupState(*loaded)
        if self._gen.of(group_id) == gen:
            self._install(group_id, st)
        return st

    async def state(self, group_id: str, for_update: bool = False) -> GroupState:
        """The group's state; raises GROUP_NOT_FOUND. With `for_update` (under
        the group's lock) never a load that started before the last change."""
        check_group_id(group_id)
        st = self._cache.get(group_id)
        if st is not None:
            self._cache.move_to_end(group_id)
            return st
        if for_update:
            found = await self._load(group_id)
        else:
            fut = self._loading.get(group_id)
            if fut is None:
                fut = asyncio.get_running_loop().create_future()
                self._loading[group_id] = fut
                try:
                    found = await self._load(group_id)
                except BaseException as e:
                    del self._loading[group_id]
                    fut.set_exception(e)
                    fut.exception()
                    raise
                del self._loading[group_id]
                fut.set_result(found)
            else:
                found = await asyncio.shield(fut)
        if found is None:
            raise not_found(R.ERROR_REASON_GROUP_NOT_FOUND, f"group {group_id} not found")
        return found

    def _drop(self, group_id: str) -> None:
        """Forgets the cached state (after a failed write): the next access reloads."""
        self._forget(group_id)
        self.peers.tell(GROUP_CHANGED, {"group_id": group_id})

    def _forget(self, group_id: str) -> None:
        self._gen.bump(group_id)
        self._cache.pop(group_id, None)

    # -- permission checks ------------------------------------------------

    @staticmethod
    def _active(st: GroupState) -> None:
        if st.row.status == GS.GROUP_STATUS_DISMISSED:
            raise precondition(R.ERROR_REASON_GROUP_DISMISSED, "the group was dismissed")

    @staticmethod
    def _member(st: GroupState, user_id: str) -> Member:
        m = st.members.get(user_id)
        if m is None:
            raise denied(R.ERROR_REASON_NOT_GROUP_MEMBER, "not a member of the group")
        return m

    @staticmethod
    def _target(st: GroupState, user_id: str) -> Member:
        """A member acted upon (the caller's own membership is `_member`)."""
        m = st.members.get(user_id)
        if m is None:
            raise _not_member(user_id)
        return m

    def _admin(self, st: GroupState, user_id: str) -> Member:
        m = self._member(st, user_id)
        if m.role < ADMIN:
            raise denied(R.ERROR_REASON_GROUP_PERMISSION_DENIED, "only the owner and admins may")
        return m

    def _owner(self, st: GroupState, user_id: str) -> Member:
        m = self._member(st, user_id)
        if m.role != OWNER:
            raise denied(R.ERROR_REASON_GROUP_PERMISSION_DENIED, "only the owner may")
        return m

    def _room_for(self, st: GroupState, n: int) -> None:
        most = self.settings.groups.max_members
        if len(st.members) + n > most:
            raise precondition(
                R.ERROR_REASON_FAILED_PRECONDITION, f"a group has at most {most} members"
            )

    # -- the send path and Access -----------------------------------------

    async def push_list(self, group_id: str, mentioned: Sequence[str] = ()) -> list[str]:
        """The live member list a send pushes to (the sender was admitted by
        the rules); every mentioned user must be a member."""
        st = await self.state(group_id)
        for u in mentioned:
            if u not in st.members:
                raise invalid(
                    f"mentioned user {u} is not a member", R.ERROR_REASON_NOT_GROUP_MEMBER
                )
        return st.push

    async def members_for_push(self, group_id: str) -> list[str]:
        try:
            return (await self.state(group_id)).push
        except ParleyError:
            return []

    async def seat(self, group_id: str, user_id: str) -> GroupSeat:
        """GroupAccess.seat: the facts domain/rules.py judges by."""
        st = await self.state(group_id)
        m = st.members.get(user_id)
        status = st.row.status
        muted = m is not None and (
            m.mute_end_ms > now_ms() or (status == GS.GROUP_STATUS_MUTED and m.role < ADMIN)
        )
        return GroupSeat(
            role=m.role if m is not None else ROLE.GROUP_ROLE_UNSPECIFIED,
            former=user_id in st.former,
            muted=muted,
            dismissed=status == GS.GROUP_STATUS_DISMISSED,
        )

    async def read_cap(self, group_id: str, user_id: str) -> int | None:
        st = self._cache.get(group_id)
        if st is not None:
            return None if user_id in st.members else st.former.get(user_id)
        # Listing a user's conversations asks this for each of their groups:
        # one row each, rather than loading every member of every group.
        row = await self.store.get_member(group_id, user_id)
        return None if row is None or row.active else row.left_seq

    # -- helpers ----------------------------------------------------------

    async def _profiles(self, user_ids: Sequence[str]) -> dict[str, user_pb2.UserInfo]:
        rows = await self.users.store.get_users(list(dict.fromkeys(user_ids)))
        return {r.user_id: user_info(r) for r in rows}

    async def _existing(self, user_ids: Sequence[str]) -> dict[str, user_pb2.UserInfo]:
        infos = await self._profiles(user_ids)
        for u in user_ids:
            if u not in infos:
                raise not_found(R.ERROR_REASON_USER_NOT_FOUND, f"user {u} not found")
        return infos

    def _uc_row(self, group_id: str, user_id: str, min_seq: int, at_ms: int) -> dict[str, Any]:
        return {
            "user_id": user_id,
            "conversation_id": group_conversation_id(group_id),
            "session_type": ST.SESSION_TYPE_GROUP,
            "peer_user_id": "",
            "group_id": group_id,
            "min_seq": min_seq,
            "has_read_seq": 0,
            "delivered_seq": 0,
            "pinned": False,
            "receive_option": 0,
            "draft": "",
            "draft_time_ms": 0,
            "extension": "",
            "version": self.log.versions.next(),
            "create_time_ms": at_ms,
        }

    async def _event(
        self, st: GroupState, note: notification_pb2.Notification, members: list[str] | None = None
    ) -> int:
        ref = parse_conversation_id(group_conversation_id(st.row.group_id))
        return await self.log.append_event(
            ref, note, members=st.push if members is None else members
        )

    def _note(self, op_user_id: str) -> notification_pb2.Notification:
        return notification_pb2.Notification(op_user_id=op_user_id)

    def info(self, st: GroupState) -> group_pb2.GroupInfo:
        return group_info(st.row, len(st.members))

    async def _add_members(
        self, st: GroupState, op: str, user_ids: list[str], inviter: str, invited: bool
    ) -> None:
        """Adds members (under the group's lock); they see history from their
        join on unless groups.new_member_full_history."""
        gid = st.row.group_id
        infos = await self._existing(user_ids)
        min_seq = 0
        if not self.settings.groups.new_member_full_history:
            min_seq = await self.log.seqs.visible_max(group_conversation_id(gid)) + 1
        now = now_ms()
        rows = [
            GroupMemberRow(
                group_id=gid, user_id=u, role=MEMBER, join_time_ms=now, inviter_user_id=inviter
            )
            for u in user_ids
        ]
        ucs = [self._uc_row(gid, u, min_seq, now) for u in user_ids]
        rejoin = {
            uc["user_id"]: (min_seq, uc["version"]) for uc in ucs if uc["user_id"] in st.former
        }
        await self.store.add_members(gid, rows, ucs, rejoin)
        for u in user_ids:
            st.add(u, MEMBER)
        self._committed(st)
        note = self._note(op)
        event = note.members_invited if invited else note.members_joined
        event.group_id = gid
        event.users.extend(infos[u] for u in user_ids)
        await self._event(st, note)

    async def _remove_members(
        self, st: GroupState, user_ids: list[str], note: notification_pb2.Notification
    ) -> None:
        """Removes members (under the group's lock). They stop receiving pushes
        at once, get the event, and may read history up to it, nothing after."""
        gid = st.row.group_id
        gone = set(user_ids)
        recipients = list(st.push)
        saved = {u: st.members[u] for u in user_ids if u in st.members}
        st.remove(gone)
        try:
            if st.row.status == GS.GROUP_STATUS_DISMISSED:
                # Nobody writes into a dismissed group, not even its events.
                seq = await self.log.seqs.visible_max(group_conversation_id(gid))
            else:
                seq = await self._event(st, note, members=recipients)
        except BaseException:
            for u, m in saved.items():
                st.add(u, m.role)
                st.members[u].mute_end_ms = m.mute_end_ms
            raise
        version = self.log.versions.next()
        try:
            await self.store.remove_members(gid, user_ids, seq, version)
        except BaseException:
            self._drop(gid)
            raise
        finally:
            self.log.versions.done((version,))
        for u in user_ids:
            st.former[u] = seq
        self._committed(st)

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
        _limit(name, MAX_NAME, "name")
        _limit(avatar_url, MAX_URL, "avatar_url")
        _limit(intro, MAX_INTRO, "intro")
        _limit(extension, MAX_EXTENSION, "extension")
        jp, ip = _join_policy(join_policy), _invite_policy(invite_policy)
        cfg = self.settings.groups
        members = [
            u for u in _user_ids(member_ids, cfg.max_members_per_call, "member_user_ids") if u != me
        ]
        admins = set(_user_ids(admin_ids, cfg.max_members_per_call, "admin_user_ids")) - {me}
        if not admins <= set(members):
            raise invalid("admin_user_ids must also be in member_user_ids")
        if len(members) + 1 > cfg.max_members:
            raise invalid(f"a group has at most {cfg.max_members} members")
        await self._existing(members)
        hook: dict[str, Any] = {"owner_user_id": me, "name": name, "member_user_ids": members}
        await self.hooks.before("group.create", hook)
        now = now_ms()
        gid = secrets.token_hex(10)
        row = GroupRow(
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
        rows = [GroupMemberRow(group_id=gid, user_id=me, role=OWNER, join_time_ms=now)]
        rows.extend(
            GroupMemberRow(
                group_id=gid,
                user_id=u,
                role=ADMIN if u in admins else MEMBER,
                join_time_ms=now,
                inviter_user_id=me,
            )
            for u in members
        )
        ucs = [self._uc_row(gid, m.user_id, 0, now) for m in rows]
        await self.store.create_group(row, rows, ucs)
        st = GroupState(row, [MemberBrief(m.user_id, m.role, 0, True, 0) for m in rows])
        self._committed(st)
        info = self.info(st)
        note = self._note(me)
        note.group_created.group.CopyFrom(info)
        note.group_created.member_user_ids.extend(m.user_id for m in rows)
        await self._event(st, note)
        self.hooks.after("group.create", {**hook, "group_id": gid})
        return info

    async def get_groups(self, group_ids: Sequence[str]) -> list[group_pb2.GroupInfo]:
        if len(group_ids) > 500:
            raise invalid("at most 500 group ids")
        ids = [g for g in group_ids if g and len(g) <= 64]
        return [group_info(row, n) for row, n in await self.store.get_groups(ids)]

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
            fields["name"] = _limit(name, MAX_NAME, "name")
        if avatar_url is not None:
            fields["avatar_url"] = _limit(avatar_url, MAX_URL, "avatar_url")
        if intro is not None:
            fields["intro"] = _limit(intro, MAX_INTRO, "intro")
        if announcement is not None:
            fields["announcement"] = _limit(announcement, MAX_ANNOUNCEMENT, "announcement")
        if join_policy is not None:
            fields["join_policy"] = _join_policy(join_policy)
        if invite_policy is not None:
            fields["invite_policy"] = _invite_policy(invite_policy)
        if extension is not None:
            fields["extension"] = _limit(extension, MAX_EXTENSION, "extension")
        async with self._lock(group_id):
            st = await self.state(group_id, for_update=True)
            self._active(st)
            self._admin(st, me)
            if not fields:
                return self.info(st)
            await self.store.update_group(group_id, **fields)
            for k, v in fields.items():
                setattr(st.row, k, v)
            self._committed(st)
            info = self.info(st)
            note = self._note(me)
            note.group_info_changed.group.CopyFrom(info)
            await self._event(st, note)
            return info

    async def dismiss(self, me: str, group_id: str) -> None:
        hook = {"user_id": me, "group_id": group_id}
        await self.hooks.before("group.dismiss", hook)
        async with self._lock(group_id):
            st = await self.state(group_id, for_update=True)
            self._active(st)
            self._owner(st, me)
            await self.store.update_group(group_id, status=GS.GROUP_STATUS_DISMISSED)
            note = self._note(me)
            note.group_dismissed.group_id = group_id
            # The last event of the group: stored before the status closes it.
            await self._event(st, note)
            st.row.status = GS.GROUP_STATUS_DISMISSED
            self._committed(st)
        self.hooks.after("group.dismiss", hook)

    async def transfer_owner(self, me: str, group_id: str, new_owner: str) -> None:
        check_user_id(new_owner, "new_owner_user_id")
        async with self._lock(group_id):
            st = await self.state(group_id, for_update=True)
            self._active(st)
            self._owner(st, me)
            if new_owner == me:
                raise invalid("you already own the group", R.ERROR_REASON_SELF_TARGET)
            target = self._target(st, new_owner)
            await self.store.transfer_owner(group_id, me, new_owner)
            st.members[me].role = ADMIN
            target.role = OWNER
            target.mute_end_ms = 0
            st.row.owner_user_id = new_owner
            self._committed(st)
            note = self._note(me)
            note.owner_transferred.group_id = group_id
            note.owner_transferred.old_owner_user_id = me
            note.owner_transferred.new_owner_user_id = new_owner
            await self._event(st, note)

    # -- joining ----------------------------------------------------------

    async def request_join(self, me: str, group_id: str, message: str) -> bool:
        """True when the caller joined at once (free join policy)."""
        _limit(message, MAX_MESSAGE, "message")
        hook = {"user_id": me, "group_id": group_id, "message": message}
        await self.hooks.before("group.join", hook)
        async with self._lock(group_id):
            st = await self.state(group_id, for_update=True)
            self._active(st)
            if me in st.members:
                raise precondition(R.ERROR_REASON_ALREADY_GROUP_MEMBER, "already a member")
            policy = st.row.join_policy
            if policy == JP.JOIN_POLICY_INVITE_ONLY:
                raise denied(
                    R.ERROR_REASON_GROUP_PERMISSION_DENIED, "this group admits invited users only"
                )
            self._room_for(st, 1)
            if policy == JP.JOIN_POLICY_FREE:
                await self._add_members(st, me, [me], "", invited=False)
                self.hooks.after("group.join", {**hook, "joined": True})
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
        note = self._note(me)
        note.group_join_requested.group_id = group_id
        info = (await self._profiles([me])).get(me)
        if info is not None:
            note.group_join_requested.user.CopyFrom(info)
        note.group_join_requested.message = message
        await notify_users(self.log, admins, note)
        self.hooks.after("group.join", {**hook, "joined": False})
        return False

    async def list_requests(
        self, me: str, group_id: str, offset: int, limit: int
    ) -> tuple[list[group_pb2.JoinRequest], int, int]:
        st = await self.state(group_id)
        self._admin(st, me)
        rows, total, pending = await self.store.list_requests(group_id, offset, limit)
        infos = await self._profiles([r.user_id for r in rows])
        out = []
        for r in rows:
            req = group_pb2.JoinRequest(
                group_id=group_id,
                message=r.message,
                state=r.state,  # type: ignore[arg-type]
                create_time_ms=r.create_time_ms,
                handler_user_id=r.handler_user_id,
            )
            req.user.CopyFrom(infos.get(r.user_id) or user_pb2.UserInfo(user_id=r.user_id))
            out.append(req)
        return out, total, pending

    async def respond_request(self, me: str, group_id: str, user_id: str, accept: bool) -> None:
        check_user_id(user_id)
        refused = False
        async with self._lock(group_id):
            st = await self.state(group_id, for_update=True)
            self._active(st)
            self._admin(st, me)
            req = await self.store.get_request(group_id, user_id)
            if req is None or req.state != JRS.JOIN_REQUEST_STATE_PENDING:
                raise not_found(R.ERROR_REASON_JOIN_REQUEST_NOT_FOUND, "no pending join request")
            if accept and user_id not in st.members:
                self._room_for(st, 1)
                await self._add_members(st, me, [user_id], me, invited=False)
            state = JRS.JOIN_REQUEST_STATE_ACCEPTED if accept else JRS.JOIN_REQUEST_STATE_REFUSED
            if not await self.store.handle_request(group_id, user_id, state, me, now_ms()):
                raise not_found(R.ERROR_REASON_JOIN_REQUEST_NOT_FOUND, "no pending join request")
            refused = not accept
        if refused:
            note = self._note(me)
            note.group_join_refused.group_id = group_id
            note.group_join_refused.user_id = user_id
            await notify_users(self.log, [user_id], note)

    async def invite(self, me: str, group_id: str, user_ids: Sequence[str]) -> None:
        users = _user_ids(user_ids, self.settings.groups.max_members_per_call, "user_ids")
        if not users:
            raise invalid("no users given")
        hook = {"user_id": me, "group_id": group_id, "user_ids": users}
        await self.hooks.before("group.invite", hook)
        async with self._lock(group_id):
            st = await self.state(group_id, for_update=True)
            self._active(st)
            actor = self._member(st, me)
            if st.row.invite_policy != IP.INVITE_POLICY_MEMBERS and actor.role < ADMIN:
                raise denied(
                    R.ERROR_REASON_GROUP_PERMISSION_DENIED, "only the owner and admins may invite"
                )
            for u in users:
                if u in st.members:
                    raise precondition(
                        R.ERROR_REASON_ALREADY_GROUP_MEMBER, f"{u} is already a member"
                    )
            self._room_for(st, len(users))
            await self._add_members(st, me, users, me, invited=True)
        self.hooks.after("group.invite", hook)

    # -- leaving ----------------------------------------------------------

    async def kick(self, me: str, group_id: str, user_ids: Sequence[str], reason: str) -> None:
        users = _user_ids(user_ids, self.settings.groups.max_members_per_call, "user_ids")
        if not users:
            raise invalid("no users given")
        _limit(reason, MAX_MESSAGE, "reason")
        hook = {"user_id": me, "group_id": group_id, "user_ids": users, "reason": reason}
        await self.hooks.before("group.kick", hook)
        async with self._lock(group_id):
            st = await self.state(group_id, for_update=True)
            self._active(st)
            actor = self._admin(st, me)
            if me in users:
                raise invalid("use QuitGroup to leave", R.ERROR_REASON_SELF_TARGET)
            for u in users:
                target = self._target(st, u)
                _check_outranks(actor, target, "kick")
            note = self._note(me)
            note.members_kicked.group_id = group_id
            note.members_kicked.user_ids.extend(users)
            note.members_kicked.reason = reason
            await self._remove_members(st, users, note)
        self.hooks.after("group.kick", hook)

    async def quit(self, me: str, group_id: str) -> None:
        hook = {"user_id": me, "group_id": group_id}
        await self.hooks.before("group.quit", hook)
        async with self._lock(group_id):
            st = await self.state(group_id, for_update=True)
            m = self._member(st, me)
            if m.role == OWNER and st.row.status != GS.GROUP_STATUS_DISMISSED:
                raise precondition(
                    R.ERROR_REASON_SELF_TARGET,
                    "the owner cannot quit: transfer ownership or dismiss the group",
                )
            note = self._note(me)
            note.member_quit.group_id = group_id
            note.member_quit.user_id = me
            await self._remove_members(st, [me], note)
        self.hooks.after("group.quit", hook)

    # -- members ----------------------------------------------------------

    async def list_members(
        self, me: str, group_id: str, role: int, offset: int, limit: int
    ) -> tuple[list[group_pb2.GroupMember], int]:
        if role not in ROLE.values():
            raise invalid("unknown role")
        st = await self.state(group_id)
        self._member(st, me)
        rows, total = await self.store.list_members(group_id, role, offset, limit)
        infos = await self._profiles([r.user_id for r in rows])
        now = now_ms()
        out = []
        for r in rows:
            gm = group_pb2.GroupMember(
                group_id=group_id,
                role=r.role,  # type: ignore[arg-type]
                group_nickname=r.nickname,
                join_time_ms=r.join_time_ms,
                mute_end_time_ms=r.mute_end_time_ms if r.mute_end_time_ms > now else 0,
                inviter_user_id=r.inviter_user_id,
            )
            gm.user.CopyFrom(infos.get(r.user_id) or user_pb2.UserInfo(user_id=r.user_id))
            out.append(gm)
        return out, total

    async def set_role(self, me: str, group_id: str, user_id: str, role: int) -> None:
        check_user_id(user_id)
        if role not in (ADMIN, MEMBER):
            raise invalid("role must be GROUP_ROLE_ADMIN or GROUP_ROLE_MEMBER")
        async with self._lock(group_id):
            st = await self.state(group_id, for_update=True)
            self._active(st)
            self._owner(st, me)
            if user_id == me:
                raise invalid("use TransferOwner to give up ownership", R.ERROR_REASON_SELF_TARGET)
            target = self._target(st, user_id)
            if target.role == role:
                return
            # An admin cannot be muted, so a promotion lifts a running mute.
            await self.store.update_member(group_id, user_id, role=role, mute_end_time_ms=0)
            target.role = role
            target.mute_end_ms = 0
            self._committed(st)
            note = self._note(me)
            note.member_role_changed.group_id = group_id
            note.member_role_changed.user_id = user_id
            note.member_role_changed.role = role  # type: ignore[assignment]
            await self._event(st, note)

    async def set_nickname(self, me: str, group_id: str, user_id: str, nickname: str) -> None:
        check_user_id(user_id)
        _limit(nickname, MAX_NICKNAME, "nickname")
        async with self._lock(group_id):
            st = await self.state(group_id, for_update=True)
            self._active(st)
            actor = self._member(st, me)
            if user_id != me and actor.role < ADMIN:
                raise denied(
                    R.ERROR_REASON_GROUP_PERMISSION_DENIED,
                    "only the owner and admins may set another member's nickname",
                )
            self._target(st, user_id)
            await self.store.update_member(group_id, user_id, nickname=nickname)
            self._committed(st)
            note = self._note(me)
            note.member_nickname_changed.group_id = group_id
            note.member_nickname_changed.user_id = user_id
            note.member_nickname_changed.nickname = nickname
            await self._event(st, note)

    async def mute_member(self, me: str, group_id: str, user_id: str, seconds: int) -> int:
        """Returns the mute end (Unix ms), 0 when unmuted. The mute ends by
        itself: the send path compares the end with the clock."""
        check_user_id(user_id)
        if not 0 <= seconds <= MAX_MUTE_SECONDS:
            raise invalid(f"duration_seconds must be 0-{MAX_MUTE_SECONDS}")
        async with self._lock(group_id):
            st = await self.state(group_id, for_update=True)
            self._active(st)
            actor = self._admin(st, me)
            if user_id == me:
                raise invalid("cannot mute yourself", R.ERROR_REASON_SELF_TARGET)
            target = self._target(st, user_id)
            _check_outranks(actor, target, "mute")
            end = now_ms() + seconds * 1000 if seconds else 0
            await self.store.update_member(group_id, user_id, mute_end_time_ms=end)
            target.mute_end_ms = end
            self._committed(st)
            note = self._note(me)
            note.member_muted.group_id = group_id
            note.member_muted.user_id = user_id
            note.member_muted.mute_end_time_ms = end
            await self._event(st, note)
            return end

    async def mute_group(self, me: str, group_id: str, muted: bool) -> None:
        async with self._lock(group_id):
            st = await self.state(group_id, for_update=True)
            self._active(st)
            self._admin(st, me)
            status = GS.GROUP_STATUS_MUTED if muted else GS.GROUP_STATUS_ACTIVE
            if st.row.status == status:
                return
            await self.store.update_group(group_id, status=status)
            st.row.status = status
            self._committed(st)
            note = self._note(me)
            note.group_muted.group_id = group_id
            note.group_muted.muted = muted
            await self._event(st, note)

    async def joined_groups(
        self, me: str, offset: int, limit: int
    ) -> tuple[list[group_pb2.GroupInfo], int]:
        pairs, total = await self.store.joined_groups(me, offset, limit)
        return [group_info(row, n) for row, n in pairs], total


class SendRules:
    """Messages.policy: the rules table admits the sender (domain/rules.py);
    groups give the members to push to."""

    def __init__(self, access: Access, groups: Groups) -> None:
        self.access = access
        self.groups = groups

    async def check_single(self, sender_id: str, recv_id: str) -> None:
        await self.access.admit(Action.SEND, single_conversation_id(sender_id, recv_id), sender_id)

    async def check_group(
        self, sender_id: str, group_id: str, mentioned: Sequence[str] = ()
    ) -> list[str]:
        check_group_id(group_id)
        await self.access.admit(Action.SEND, group_conversation_id(group_id), sender_id)
        return await self.groups.push_list(group_id, mentioned)
