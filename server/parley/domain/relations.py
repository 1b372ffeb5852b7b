"""Friends, friend applications and blacklists: the facts the single-chat
rules (domain/rules.py) read.

Every change is a typed event in the notification conversation (`n_<user>`) of
each user it concerns, so an offline device recovers it by the one sync
mechanism."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from parley.bounded import LruDict
from parley.clock import now_ms
from parley.config import Settings
from parley.domain.peers import NO_PEERS, RELATIONS_CHANGED, Peers
from parley.domain.ports import NO_HOOKS, ChangeHooks
from parley.domain.users import Users, user_info
from parley.errors import R, denied, invalid, not_found, precondition
from parley.ids import check_user_id
from parley.log.conversation_log import ConversationLog
from parley.log.notify import notify_users
from parley.msg.v1 import notification_pb2
from parley.relation.v1 import relation_pb2
from parley.storage.interfaces import RelationStore
from parley.storage.records import FriendRequest, User
from parley.user.v1 import user_pb2

AS = relation_pb2.ApplicationState
MAX_MESSAGE = 512
MAX_REMARK = 128


class SetCache:
    """key -> set of user ids, loaded on demand and kept by write-through, so
    the send path does not query the blacklist or friend table per message."""

    def __init__(
        self, load: Callable[[str], Awaitable[list[str]]], cap: int, name: str = ""
    ) -> None:
        self._load = load
        self._data: LruDict[str, set[str]] = LruDict(cap, name)
        # Bumped on every write: a load that raced a write must not install
        # what it read before the write.
        self._gen = 0

    async def get(self, key: str) -> set[str]:
        found = self._data.get(key)
        if found is not None:
            return found
        gen = self._gen
        loaded = set(await self._load(key))
        if gen == self._gen:
            self._data[key] = loaded
        return loaded

    def add(self, key: str, value: str) -> None:
        self._gen += 1
        found = self._data.peek(key)
        if found is not None:
            found.add(value)

    def discard(self, key: str, value: str) -> None:
        self._gen += 1
        found = self._data.peek(key)
        if found is not None:
            found.discard(value)

    def drop(self, key: str) -> None:
        """Forgets the key's set (another node changed it): the next get reloads."""
        self._gen += 1
        self._data.pop(key, None)

    def clear(self) -> None:
        self._gen += 1
        self._data.clear()


class Relations:
    def __init__(
        self,
        settings: Settings,
        store: RelationStore,
        users: Users,
        log: ConversationLog,
        cache_users: int = 100_000,
        hooks: ChangeHooks = NO_HOOKS,
        peers: Peers = NO_PEERS,
    ) -> None:
        self.settings = settings
        self.store = store
        self.users = users
        self.log = log
        # Read by Access (domain/rules.py, Bar.NOT_FRIENDS).
        self.friends_only = settings.messages.friends_only
        self._blocked = SetCache(store.blocked_ids, cache_users, "blacklist_sets")
        self._friends = SetCache(store.friend_ids, cache_users, "friend_sets")
        # Webhooks: before-hooks may veto a change.
        self.hooks = hooks
        # Friend and blacklist sets changed on other nodes are reloaded here.
        self.peers = peers
        peers.on(RELATIONS_CHANGED, self._peer_changed)
        peers.on_resync(self._forget_all)

    def _peer_changed(self, data: dict[str, Any]) -> None:
        owners = data.get("user_ids")
        for u in owners if isinstance(owners, list) else ():
            self._friends.drop(str(u))
            self._blocked.drop(str(u))

    async def _forget_all(self) -> None:
        self._friends.clear()
        self._blocked.clear()

    def _changed(self, *owners: str) -> None:
        self.peers.tell(RELATIONS_CHANGED, {"user_ids": list(owners)})

    # -- helpers ----------------------------------------------------------

    async def _target(self, me: str, other: str, field: str = "user_id") -> None:
        check_user_id(other, field)
        if other == me:
            raise invalid("cannot target yourself", R.ERROR_REASON_SELF_TARGET)
        if not await self.users.exists(other):
            raise not_found(R.ERROR_REASON_USER_NOT_FOUND, f"user {other} not found")

    async def profiles(self, user_ids: Sequence[str]) -> dict[str, user_pb2.UserInfo]:
        rows: list[User] = await self.users.store.get_users(list(dict.fromkeys(user_ids)))
        return {r.user_id: user_info(r) for r in rows}

    async def _notify(self, user_ids: Iterable[str], note: notification_pb2.Notification) -> None:
        await notify_users(self.log, user_ids, note)

    async def are_friends(self, a: str, b: str) -> bool:
        return b in await self._friends.get(a)

    async def has_blocked(self, owner: str, other: str) -> bool:
        return other in await self._blocked.get(owner)

    # -- applications -----------------------------------------------------

    async def apply(self, me: str, to: str, message: str) -> None:
        await self._target(me, to, "to_user_id")
        if len(message) > MAX_MESSAGE:
            raise invalid(f"message longer than {MAX_MESSAGE} chars")
        if await self.has_blocked(to, me):
            raise denied(R.ERROR_REASON_BLOCKED_BY_USER, "the user blocked you")
        if await self.are_friends(me, to):
            raise precondition(R.ERROR_REASON_ALREADY_FRIENDS, "already friends")
        hook = {"from_user_id": me, "to_user_id": to, "message": message}
        await self.hooks.before("friend.apply", hook)
        await self.store.put_application(
            FriendRequest(
                from_user_id=me,
                to_user_id=to,
                message=message,
                state=AS.APPLICATION_STATE_PENDING,
                create_time_ms=now_ms(),
            )
        )
        note = notification_pb2.Notification(op_user_id=me)
        info = (await self.profiles([me])).get(me)
        if info is not None:
            note.friend_applied.from_user.CopyFrom(info)
        note.friend_applied.to_user_id = to
        note.friend_applied.message = message
        # The applicant's other devices list sent applications too.
        await self._notify([to, me], note)
        self.hooks.after("friend.apply", hook)

    async def list_applications(
        self, me: str, direction: int, offset: int, limit: int
    ) -> tuple[list[relation_pb2.FriendApplication], int, int]:
        sent = direction == relation_pb2.ApplicationDirection.APPLICATION_DIRECTION_SENT
        if direction not in relation_pb2.ApplicationDirection.values():
            raise invalid("unknown direction")
        rows, total, pending = await self.store.list_applications(me, sent, offset, limit)
        others = await self.profiles([r.to_user_id if sent else r.from_user_id for r in rows])
        out = []
        for r in rows:
            app = relation_pb2.FriendApplication(
                from_user_id=r.from_user_id,
                to_user_id=r.to_user_id,
                message=r.message,
                state=r.state,  # type: ignore[arg-type]
                response_message=r.response_message,
                create_time_ms=r.create_time_ms,
                handle_time_ms=r.handle_time_ms,
            )
            other = others.get(r.to_user_id if sent else r.from_user_id)
            if other is not None:
                app.other.CopyFrom(other)
            out.append(app)
        return out, total, pending

    async def respond(self, me: str, applicant: str, accept: bool, message: str) -> None:
        check_user_id(applicant, "from_user_id")
        if len(message) > MAX_MESSAGE:
            raise invalid(f"message longer than {MAX_MESSAGE} chars")
        hook = {"from_user_id": applicant, "to_user_id": me, "accept": accept, "message": message}
        await self.hooks.before("friend.respond", hook)
        now = now_ms()
        if not accept:
            if not await self.store.refuse_application(applicant, me, message, now):
                raise not_found(R.ERROR_REASON_APPLICATION_NOT_FOUND, "no pending application")
            self.hooks.after("friend.respond", hook)
            note = notification_pb2.Notification(op_user_id=me)
            note.friend_application_refused.from_user_id = applicant
            note.friend_application_refused.to_user_id = me
            note.friend_application_refused.message = message
            await self._notify([applicant, me], note)
            return
        were_friends = await self.are_friends(me, applicant)
        if not await self.store.accept_application(applicant, me, message, now):
            raise not_found(R.ERROR_REASON_APPLICATION_NOT_FOUND, "no pending application")
        # A crossing application the other way is settled by the same friendship.
        await self.store.accept_application(me, applicant, "", now)
        self._friends.add(me, applicant)
        self._friends.add(applicant, me)
        self._changed(me, applicant)
        self.hooks.after("friend.respond", hook)
        if were_friends:
            return
        infos = await self.profiles([applicant, me])
        note = notification_pb2.Notification(op_user_id=me)
        if applicant in infos:
            note.friend_added.from_user.CopyFrom(infos[applicant])
        if me in infos:
            note.friend_added.to_user.CopyFrom(infos[me])
        await self._notify([applicant, me], note)

    # -- friends ----------------------------------------------------------

    async def list_friends(
        self, me: str, offset: int, limit: int
    ) -> tuple[list[relation_pb2.Friend], int]:
        rows, total = await self.store.list_friends(me, offset, limit)
        infos = await self.profiles([r.friend_user_id for r in rows])
        out = []
        for r in rows:
            f = relation_pb2.Friend(remark=r.remark, create_time_ms=r.create_time_ms)
            info = infos.get(r.friend_user_id)
            f.user.CopyFrom(
                info if info is not None else user_pb2.UserInfo(user_id=r.friend_user_id)
            )
            out.append(f)
        return out, total

    async def delete_friend(self, me: str, other: str) -> None:
        check_user_id(other)
        hook = {"user_id": me, "friend_user_id": other}
        await self.hooks.before("friend.delete", hook)
        if not await self.store.delete_friendship(me, other):
            raise precondition(R.ERROR_REASON_NOT_FRIENDS, "not friends")
        self._friends.discard(me, other)
        self._friends.discard(other, me)
        self._changed(me, other)
        note = notification_pb2.Notification(op_user_id=me)
        note.friend_deleted.user_id = me
        note.friend_deleted.friend_user_id = other
        await self._notify([me, other], note)
        self.hooks.after("friend.delete", hook)

    async def set_remark(self, me: str, other: str, remark: str) -> None:
        check_user_id(other)
        if len(remark) > MAX_REMARK:
            raise invalid(f"remark longer than {MAX_REMARK} chars")
        if not await self.store.set_remark(me, other, remark):
            raise precondition(R.ERROR_REASON_NOT_FRIENDS, "not friends")
        note = notification_pb2.Notification(op_user_id=me)
        note.friend_remark_set.friend_user_id = other
        note.friend_remark_set.remark = remark
        await self._notify([me], note)

    async def is_friend(self, me: str, other: str) -> tuple[bool, bool]:
        check_user_id(other)
        friend = await self.store.get_friend(me, other) is not None
        return friend, await self.has_blocked(me, other)

    # -- blacklist --------------------------------------------------------

    async def block(self, me: str, other: str) -> None:
        await self._target(me, other)
        hook = {"user_id": me, "blocked_user_id": other}
        await self.hooks.before("blacklist.add", hook)
        if not await self.store.block(me, other, now_ms()):
            return
        self._blocked.add(me, other)
        self._changed(me)
        note = notification_pb2.Notification(op_user_id=me)
        note.blacklist_added.blocked_user_id = other
        await self._notify([me], note)
        self.hooks.after("blacklist.add", hook)

    async def unblock(self, me: str, other: str) -> None:
        check_user_id(other)
        hook = {"user_id": me, "blocked_user_id": other}
        await self.hooks.before("blacklist.remove", hook)
        if not await self.store.unblock(me, other):
            return
        self._blocked.discard(me, other)
        self._changed(me)
        note = notification_pb2.Notification(op_user_id=me)
        note.blacklist_removed.blocked_user_id = other
        await self._notify([me], note)
        self.hooks.after("blacklist.remove", hook)

    async def list_blacklist(
        self, me: str, offset: int, limit: int
    ) -> tuple[list[relation_pb2.BlockedUser], int]:
        rows, total = await self.store.list_blacklist(me, offset, limit)
        infos = await self.profiles([r.blocked_user_id for r in rows])
        out = []
        for r in rows:
            b = relation_pb2.BlockedUser(create_time_ms=r.create_time_ms)
            info = infos.get(r.blocked_user_id)
            b.user.CopyFrom(
                info if info is not None else user_pb2.UserInfo(user_id=r.blocked_user_id)
            )
            out.append(b)
        return out, total

    # -- profile ----------------------------------------------------------

    async def profile_changed(self, row: User) -> None:
        friends = await self.store.friend_ids(row.user_id)
        if not friends:
            return
        note = notification_pb2.Notification(op_user_id=row.user_id)
        note.profile_changed.user.CopyFrom(user_info(row))
        await self._notify(friends, note)
