"""What every group change shares: the collaborators, the event it appends to
the group conversation, and adding or removing members under the lock.

Every change is a typed, seq'd event in the group conversation; the few events
meant for non-members or only for the owner and admins go to notification
conversations.
"""

from __future__ import annotations

from parley.clock import now_ms
from parley.config import Settings
from parley.domain.groups.builders import existing
from parley.domain.groups.builders import note as new_note
from parley.domain.groups.state import GS, MEMBER, GroupCache, GroupState
from parley.domain.ports import NO_HOOKS, ChangeHooks
from parley.domain.users import Users
from parley.ids import group_conversation_id, parse_conversation_id
from parley.log.conversation_log import ConversationLog, membership
from parley.msg.v1 import notification_pb2
from parley.storage.interfaces import GroupStore
from parley.storage.records import GroupMember, UserConversation


class GroupChanges:
    def __init__(
        self,
        settings: Settings,
        cache: GroupCache,
        store: GroupStore,
        users: Users,
        log: ConversationLog,
        hooks: ChangeHooks = NO_HOOKS,
    ) -> None:
        self.settings = settings
        self.cache = cache
        self.store = store
        self.users = users
        self.log = log
        # Webhooks: before-hooks may veto a change.
        self.hooks = hooks

    def membership(self, group_id: str, user_id: str, min_seq: int, at_ms: int) -> UserConversation:
        """A new member's membership of the group's conversation."""
        ref = parse_conversation_id(group_conversation_id(group_id))
        return membership(ref, user_id, self.log.versions.next(), at_ms, min_seq)

    async def event(
        self, st: GroupState, note: notification_pb2.Notification, members: list[str] | None = None
    ) -> int:
        ref = parse_conversation_id(group_conversation_id(st.row.group_id))
        return await self.log.append_event(
            ref, note, members=st.push if members is None else members
        )

    async def add_members(
        self, st: GroupState, op: str, user_ids: list[str], inviter: str, invited: bool
    ) -> None:
        """Adds members (under the group's lock); they see history from their
        join on unless groups.new_member_full_history."""
        gid = st.row.group_id
        infos = await existing(self.users, user_ids)
        min_seq = 0
        if not self.settings.groups.new_member_full_history:
            min_seq = await self.log.seqs.visible_max(group_conversation_id(gid)) + 1
        now = now_ms()
        rows = [
            GroupMember(
                group_id=gid, user_id=u, role=MEMBER, join_time_ms=now, inviter_user_id=inviter
            )
            for u in user_ids
        ]
        ucs = [self.membership(gid, u, min_seq, now) for u in user_ids]
        rejoin = {uc.user_id: (min_seq, uc.version) for uc in ucs if uc.user_id in st.former}
        try:
            await self.store.add_members(gid, rows, ucs, rejoin)
        finally:
            self.log.versions.done(uc.version for uc in ucs)
        for u in user_ids:
            st.add(u, MEMBER)
        self.cache.committed(st)
        note = new_note(op)
        event = note.members_invited if invited else note.members_joined
        event.group_id = gid
        event.users.extend(infos[u] for u in user_ids)
        await self.event(st, note)

    async def remove_members(
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
                seq = await self.event(st, note, members=recipients)
        except BaseException:
            for u, m in saved.items():
                st.add(u, m.role)
                st.members[u].mute_end_ms = m.mute_end_ms
            raise
        version = self.log.versions.next()
        try:
            await self.store.remove_members(gid, user_ids, seq, version)
        except BaseException:
            self.cache.drop(gid)
            raise
        finally:
            self.log.versions.done((version,))
        for u in user_ids:
            st.former[u] = seq
        self.cache.committed(st)
