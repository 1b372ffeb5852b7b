"""What groups answer without changing anything: the send path's and Access's
questions, and the listings the API returns."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence

from parley.clock import now_ms
from parley.common.v1 import common_pb2
from parley.domain.groups import permissions as perm
from parley.domain.groups.builders import group_info, group_member, join_request, profiles
from parley.domain.groups.limits import MAX_GROUP_IDS
from parley.domain.groups.state import ADMIN, GS, ROLE, GroupCache
from parley.domain.rules import GroupSeat
from parley.domain.users import Users
from parley.errors import ParleyError, R, invalid
from parley.group.v1 import group_pb2
from parley.storage.interfaces import GroupStore

SEARCH_PAGE, MAX_SEARCH_PAGE = 50, 500
TOKEN_PREFIX = "g:"


class GroupViews:
    def __init__(self, cache: GroupCache, store: GroupStore, users: Users) -> None:
        self.cache = cache
        self.store = store
        self.users = users

    # -- the send path and Access -----------------------------------------

    async def push_list(self, group_id: str, mentioned: Sequence[str] = ()) -> list[str]:
        """The live member list a send pushes to (the sender was admitted by
        the rules); every mentioned user must be a member."""
        st = await self.cache.state(group_id)
        for u in mentioned:
            if u not in st.members:
                raise invalid(
                    f"mentioned user {u} is not a member", R.ERROR_REASON_NOT_GROUP_MEMBER
                )
        return st.push

    async def members_for_push(self, group_id: str) -> list[str]:
        try:
            return (await self.cache.state(group_id)).push
        except ParleyError:
            return []

    async def seat(self, group_id: str, user_id: str) -> GroupSeat:
        """GroupAccess.seat: the facts domain/rules.py judges by."""
        st = await self.cache.state(group_id)
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
        st = self.cache.cached(group_id)
        if st is not None:
            return None if user_id in st.members else st.former.get(user_id)
        # Listing a user's conversations asks this for each of their groups:
        # one row each, rather than loading every member of every group.
        row = await self.store.get_member(group_id, user_id)
        return None if row is None or row.active else row.left_seq

    # -- listings ---------------------------------------------------------

    async def get_groups(self, group_ids: Sequence[str]) -> list[group_pb2.GroupInfo]:
        if len(group_ids) > MAX_GROUP_IDS:
            raise invalid(f"at most {MAX_GROUP_IDS} group ids")
        ids = [g for g in group_ids if g and len(g) <= 64]
        return [group_info(row, n) for row, n in await self.store.get_groups(ids)]

    async def list_requests(
        self, me: str, group_id: str, offset: int, limit: int
    ) -> tuple[list[group_pb2.JoinRequest], int, int]:
        st = await self.cache.state(group_id)
        perm.admin(st, me)
        rows, total, pending = await self.store.list_requests(group_id, offset, limit)
        infos = await profiles(self.users, [r.user_id for r in rows])
        return [join_request(group_id, r, infos.get(r.user_id)) for r in rows], total, pending

    async def list_members(
        self, me: str, group_id: str, role: int, offset: int, limit: int, as_admin: bool = False
    ) -> tuple[list[group_pb2.GroupMember], int]:
        """`as_admin`: the operator, who reads any group's members."""
        if role not in ROLE.values():
            raise invalid("unknown role")
        st = await self.cache.state(group_id)
        if not as_admin:
            perm.caller(st, me)
        rows, total = await self.store.list_members(group_id, role, offset, limit)
        infos = await profiles(self.users, [r.user_id for r in rows])
        now = now_ms()
        return [group_member(group_id, r, infos.get(r.user_id), now) for r in rows], total

    async def joined_groups(
        self, me: str, offset: int, limit: int
    ) -> tuple[list[group_pb2.GroupInfo], int]:
        pairs, total = await self.store.joined_groups(me, offset, limit)
        return [group_info(row, n) for row, n in pairs], total

    # -- the operator's search ----------------------------------------------

    async def search(
        self, keyword: str, page: common_pb2.PageRequest
    ) -> tuple[list[group_pb2.GroupInfo], common_pb2.PageResponse]:
        """Name-prefix matches paged by a keyset token (the last name and id
        seen), so deep pages cost what the first does; a keyword that is a
        group's id puts that group first on the first page."""
        keyword = keyword.strip()
        if len(keyword) > 128:
            raise invalid("keyword longer than 128 chars")
        if page.page_size < 0:
            raise invalid("page_size is negative")
        size = min(page.page_size or SEARCH_PAGE, MAX_SEARCH_PAGE)
        after = _after(page.page_token) if page.page_token else None
        pairs = await self.store.search_groups(keyword, after, size + 1)
        more = len(pairs) > size
        pairs = pairs[:size]
        out = [group_info(row, n) for row, n in pairs]
        resp = common_pb2.PageResponse(total=-1)
        if more:
            last = pairs[-1][0]
            resp.next_page_token = _token(last.name, last.group_id)
        if after is None:
            resp.total = await self.store.count_groups(keyword)
            by_id = await self.store.get_groups([keyword]) if 0 < len(keyword) <= 64 else []
            if by_id and all(g.group_id != keyword for g in out):
                out.insert(0, group_info(*by_id[0]))
                resp.total += 1
        return out, resp


def _token(name: str, group_id: str) -> str:
    raw = json.dumps([name, group_id]).encode()
    return TOKEN_PREFIX + base64.urlsafe_b64encode(raw).decode()


def _after(token: str) -> tuple[str, str]:
    try:
        if not token.startswith(TOKEN_PREFIX):
            raise ValueError(token)
        name, gid = json.loads(base64.urlsafe_b64decode(token[len(TOKEN_PREFIX) :]))
        if not (isinstance(name, str) and isinstance(gid, str)):
            raise ValueError(token)
    except (ValueError, TypeError, binascii.Error) as e:
        raise invalid("malformed page_token") from e
    return name, gid
