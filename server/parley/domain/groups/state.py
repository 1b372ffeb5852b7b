"""Each group's members in memory, and the cache that keeps them right.

Members are loaded once per group, then changed in place by the mutations,
which all run under the group's lock, so a send into a 10,000-member group
reads no member rows.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from parley.bounded import Generations, track
from parley.config import Settings
from parley.domain.groups.limits import check_group_id
from parley.domain.peers import GROUP_CHANGED, NO_PEERS, Peers
from parley.errors import R, not_found
from parley.group.v1 import group_pb2
from parley.storage.interfaces import GroupStore
from parley.storage.records import Group, MemberBrief

ROLE = group_pb2.GroupRole
OWNER, ADMIN, MEMBER = ROLE.GROUP_ROLE_OWNER, ROLE.GROUP_ROLE_ADMIN, ROLE.GROUP_ROLE_MEMBER
GS = group_pb2.GroupStatus


@dataclass(slots=True)
class Member:
    role: int
    mute_end_ms: int


class GroupState:
    """One group as the send path sees it."""

    __slots__ = ("former", "members", "push", "row", "stale")

    def __init__(self, row: Group, briefs: Iterable[MemberBrief]) -> None:
        self.row = row
        # Another node changed the group after this was loaded: it must not
        # be installed in the cache again (see GroupCache.join).
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


class GroupCache:
    """The groups' states, most recently used kept, with a lock per group."""

    def __init__(self, settings: Settings, store: GroupStore, peers: Peers = NO_PEERS) -> None:
        self.settings = settings
        self.store = store
        self._cache: OrderedDict[str, GroupState] = OrderedDict()
        track("groups", self._cache)
        self._loading: dict[str, asyncio.Future[GroupState | None]] = {}
        # Bumped by every committed change: a load that read the group before
        # the change must not install what it read.
        self._gen: Generations[str] = Generations(
            settings.groups.cached_groups, "group_change_stamps"
        )
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        # Groups changed on other nodes are reloaded here on next use.
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

    def lock(self, group_id: str) -> asyncio.Lock:
        lock = self._locks.get(group_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[group_id] = lock
        return lock

    def cached(self, group_id: str) -> GroupState | None:
        """The state if cached, without loading it or refreshing its rank."""
        return self._cache.get(group_id)

    def _install(self, group_id: str, st: GroupState) -> None:
        self._cache[group_id] = st
        self._cache.move_to_end(group_id)
        while len(self._cache) > self.settings.groups.cached_groups:
            self._cache.popitem(last=False)

    def committed(self, st: GroupState) -> None:
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

    def drop(self, group_id: str) -> None:
        """Forgets the cached state (after a failed write): the next access reloads."""
        self._forget(group_id)
        self.peers.tell(GROUP_CHANGED, {"group_id": group_id})

    def _forget(self, group_id: str) -> None:
        self._gen.bump(group_id)
        self._cache.pop(group_id, None)
