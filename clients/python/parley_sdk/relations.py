"""Friends, friend applications and the blacklist.

Reads come from the local store, which `refresh` fills from RelationService
and notifications (in the user's `n_<user>` conversation) keep current. A
server that does not implement RelationService yet answers UNIMPLEMENTED:
`refresh` then returns False and leaves the cache alone, and actions raise a
`ParleyError` whose `unimplemented` is True.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from parley.common.v1 import common_pb2
from parley.relation.v1 import relation_pb2, relation_pb2_grpc
from parley_sdk.convert import application_from_proto, user_from_proto
from parley_sdk.errors import ParleyError
from parley_sdk.models import BlockedUser, Friend, FriendApplication
from parley_sdk.rpc import Rpc
from parley_sdk.store import Store, Tx

log = logging.getLogger("parley_sdk.relations")
T = TypeVar("T")
PAGE = 500


async def all_pages(fetch: Callable[[str], Awaitable[tuple[list[T], str]]]) -> list[T]:
    """Collects every page of a paged list call (`fetch(token) -> (items, next_token)`)."""
    out: list[T] = []
    token = ""
    for _ in range(10_000):
        items, token = await fetch(token)
        out.extend(items)
        if not token:
            break
    return out


@dataclass(slots=True)
class _Lists:
    friends: list[Friend]
    received: list[FriendApplication]
    sent: list[FriendApplication]
    blocked: list[BlockedUser]


def _save_lists(me: str, prefixes: list[str], mark: tuple[int, int], lists: _Lists, tx: Tx) -> bool:
    # A notification applied while the lists were fetched may be newer than
    # them: then they are fetched again instead of overwriting it.
    if tx.sync_mark(prefixes) != mark:
        return False
    tx.replace_friends(lists.friends)
    tx.replace_applications("to_user_id", me, lists.received)
    tx.replace_applications("from_user_id", me, lists.sent)
    tx.replace_blacklist(lists.blocked)
    return True


class Relations:
    """The user's friends, applications and blacklist."""

    def __init__(self, store: Store, rpc: Rpc, me: Callable[[], str]) -> None:
        self._store = store
        self._rpc = rpc
        self._me = me
        #: None until the first refresh; False when the server lacks RelationService.
        self.available: bool | None = None

    # -- local reads --------------------------------------------------------

    async def friends(self) -> list[Friend]:
        """The friend list (local)."""
        return await self._store.run(lambda tx: tx.friends())

    async def is_friend(self, user_id: str) -> bool:
        """Whether the user is a friend (local)."""
        return await self._store.run(lambda tx: tx.is_friend(user_id))

    async def received_applications(self) -> list[FriendApplication]:
        """Friend applications the user received, newest first (local)."""
        me = self._me()
        return await self._store.run(lambda tx: tx.applications(to_user_id=me))

    async def sent_applications(self) -> list[FriendApplication]:
        """Friend applications the user sent, newest first (local)."""
        me = self._me()
        return await self._store.run(lambda tx: tx.applications(from_user_id=me))

    async def blacklist(self) -> list[BlockedUser]:
        """The users the user blocked (local)."""
        return await self._store.run(lambda tx: tx.blacklist())

    # -- refresh ------------------------------------------------------------

    async def refresh(self) -> bool:
        """Reloads friends, applications and the blacklist from the server.

        Returns False (cache untouched) when the server does not implement
        RelationService.
        """
        me = self._me()
        prefixes = [f"n_{me}"]
        for _ in range(5):
            mark = await self._store.run(lambda tx: tx.sync_mark(prefixes))
            try:
                lists = await self._fetch_all()
            except ParleyError as e:
                if e.unimplemented:
                    self.available = False
                    log.info("RelationService is not implemented by the server")
                    return False
                raise
            if await self._store.run(functools.partial(_save_lists, me, prefixes, mark, lists)):
                break
        self.available = True
        return True

    async def _fetch_all(self) -> _Lists:
        friends = await all_pages(self._friend_page)
        received = await all_pages(
            self._application_page(relation_pb2.APPLICATION_DIRECTION_RECEIVED)
        )
        sent = await all_pages(self._application_page(relation_pb2.APPLICATION_DIRECTION_SENT))
        blocked = await all_pages(self._blacklist_page)
        return _Lists(friends, received, sent, blocked)

    async def _friend_page(self, token: str) -> tuple[list[Friend], str]:
        resp = await self._rpc.relation(
            "ListFriends",
            relation_pb2.ListFriendsRequest(
                page=common_pb2.PageRequest(page_token=token, page_size=PAGE)
            ),
            relation_pb2.ListFriendsResponse,
        )
        items = [Friend(user_from_proto(f.user), f.remark, f.create_time_ms) for f in resp.friends]
        return items, resp.page.next_page_token

    def _application_page(
        self, direction: int
    ) -> Callable[[str], Awaitable[tuple[list[FriendApplication], str]]]:
        async def page(token: str) -> tuple[list[FriendApplication], str]:
            resp = await self._rpc.relation(
                "ListFriendApplications",
                relation_pb2.ListFriendApplicationsRequest(
                    direction=direction,  # type: ignore[arg-type]
                    page=common_pb2.PageRequest(page_token=token, page_size=PAGE),
                ),
                relation_pb2.ListFriendApplicationsResponse,
            )
            return [application_from_proto(a) for a in resp.applications], resp.page.next_page_token

        return page

    async def _blacklist_page(self, token: str) -> tuple[list[BlockedUser], str]:
        resp = await self._rpc.relation(
            "ListBlacklist",
            relation_pb2.ListBlacklistRequest(
                page=common_pb2.PageRequest(page_token=token, page_size=PAGE)
            ),
            relation_pb2.ListBlacklistResponse,
        )
        return [
            BlockedUser(b.user.user_id, b.create_time_ms) for b in resp.users
        ], resp.page.next_page_token

    # -- actions (server first; the notification then updates every device) --

    async def apply(self, to_user_id: str, message: str = "", *, idempotency_key: str = "") -> None:
        """Sends a friend application. Retried with one idempotency key
        (`idempotency_key`, or a fresh one) after a transient failure."""
        await self._rpc.create(
            relation_pb2_grpc.RelationServiceStub,
            "ApplyFriend",
            relation_pb2.ApplyFriendRequest(
                to_user_id=to_user_id, message=message, idempotency_key=idempotency_key
            ),
            relation_pb2.ApplyFriendResponse,
        )

    async def respond(self, from_user_id: str, accept: bool, message: str = "") -> None:
        """Accepts or refuses a received application."""
        await self._rpc.relation(
            "RespondFriendApplication",
            relation_pb2.RespondFriendApplicationRequest(
                from_user_id=from_user_id, accept=accept, message=message
            ),
            relation_pb2.RespondFriendApplicationResponse,
        )
        if accept:
            await self._store.run(lambda tx: tx.save_friend(from_user_id, None, 0))

    async def delete_friend(self, user_id: str) -> None:
        """Removes a friend (both directions)."""
        await self._rpc.relation(
            "DeleteFriend",
            relation_pb2.DeleteFriendRequest(user_id=user_id),
            relation_pb2.DeleteFriendResponse,
        )
        await self._store.run(lambda tx: tx.delete_friend(user_id))

    async def set_remark(self, user_id: str, remark: str) -> None:
        """Sets (or clears, with "") the remark of a friend."""
        await self._rpc.relation(
            "SetFriendRemark",
            relation_pb2.SetFriendRemarkRequest(user_id=user_id, remark=remark),
            relation_pb2.SetFriendRemarkResponse,
        )
        await self._store.run(lambda tx: tx.set_friend_remark(user_id, remark))

    async def check_friend(self, user_id: str) -> tuple[bool, bool]:
        """(is friend, blocked by me), asked from the server."""
        resp = await self._rpc.relation(
            "IsFriend", relation_pb2.IsFriendRequest(user_id=user_id), relation_pb2.IsFriendResponse
        )
        return resp.is_friend, resp.blocked_by_me

    async def block(self, user_id: str) -> None:
        """Blocks a user."""
        await self._rpc.relation(
            "AddBlacklist",
            relation_pb2.AddBlacklistRequest(user_id=user_id),
            relation_pb2.AddBlacklistResponse,
        )
        await self._store.run(lambda tx: tx.block(user_id, 0))

    async def unblock(self, user_id: str) -> None:
        """Unblocks a user."""
        await self._rpc.relation(
            "RemoveBlacklist",
            relation_pb2.RemoveBlacklistRequest(user_id=user_id),
            relation_pb2.RemoveBlacklistResponse,
        )
        await self._store.run(lambda tx: tx.unblock(user_id))
