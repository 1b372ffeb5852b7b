"""Users: registration, profiles, search, blocking."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import grpc

from parley.bounded import LruSet
from parley.clock import now_ms
from parley.common.v1 import common_pb2
from parley.domain.peers import NO_PEERS, USER_BLOCKED, Peers
from parley.errors import ParleyError, R, invalid
from parley.ids import check_user_id
from parley.storage.interfaces import UserStore
from parley.storage.records import User
from parley.user.v1 import user_pb2


def user_info(row: User) -> user_pb2.UserInfo:
    return user_pb2.UserInfo(
        user_id=row.user_id,
        nickname=row.nickname,
        avatar_url=row.avatar_url,
        extension=row.extension,
        create_time_ms=row.create_time_ms,
        global_receive_option=row.global_receive_option,  # type: ignore[arg-type]
    )


def _check_profile(nickname: str, avatar_url: str, extension: str) -> None:
    if len(nickname) > 128:
        raise invalid("nickname longer than 128 chars")
    if len(avatar_url) > 1024:
        raise invalid("avatar_url longer than 1024 chars")
    if len(extension) > 4096:
        raise invalid("extension longer than 4096 chars")


def _user_exists(e: KeyError) -> ParleyError:
    return ParleyError(
        grpc.StatusCode.ALREADY_EXISTS,
        R.ERROR_REASON_USER_EXISTS,
        f"user {e.args[0]} already exists",
    )


class Users:
    def __init__(
        self, store: UserStore, known_users: int = 100_000, peers: Peers = NO_PEERS
    ) -> None:
        self.store = store
        self._exists: LruSet[str] = LruSet(known_users, "known_users")
        self._blocked: set[str] = set()
        # Accounts blocked or unblocked on other nodes are refused (or let in) here too.
        self.peers = peers
        peers.on(USER_BLOCKED, self._peer_blocked)
        peers.on_resync(self.load)

    async def load(self) -> None:
        blocked, _ = await self.store.search_users("", 0, 1_000_000, blocked_only=True)
        self._blocked = {u.user_id for u in blocked}

    def _peer_blocked(self, data: dict[str, Any]) -> None:
        user_id = str(data["user_id"])
        if data.get("blocked"):
            self._blocked.add(user_id)
        else:
            self._blocked.discard(user_id)

    async def register(
        self, infos: Sequence[user_pb2.UserInfo], skip_existing: bool = False
    ) -> tuple[list[str], list[str]]:
        """Registers the users: all or none, or with `skip_existing` the ones
        whose id is free. Returns the ids created and the ids skipped."""
        if not infos:
            raise invalid("no users given")
        if len(infos) > 1000:
            raise invalid("at most 1000 users per call")
        seen: set[str] = set()
        rows = []
        now = now_ms()
        for info in infos:
            check_user_id(info.user_id)
            if info.user_id in seen:
                raise invalid(f"user {info.user_id} given twice")
            seen.add(info.user_id)
            _check_profile(info.nickname, info.avatar_url, info.extension)
            rows.append(
                User(
                    user_id=info.user_id,
                    nickname=info.nickname,
                    avatar_url=info.avatar_url,
                    extension=info.extension,
                    create_time_ms=now,
                    global_receive_option=info.global_receive_option,
                )
            )
        if skip_existing:
            created, skipped = await self._create_missing(rows)
        else:
            try:
                await self.store.create_users(rows)
            except KeyError as e:
                raise _user_exists(e) from e
            created, skipped = [r.user_id for r in rows], []
        self._exists.update(seen)
        return created, skipped

    async def _create_missing(self, rows: list[User]) -> tuple[list[str], list[str]]:
        ids = [r.user_id for r in rows]
        taken = {u.user_id for u in await self.store.get_users(ids)}
        while True:
            fresh = [r for r in rows if r.user_id not in taken]
            try:
                await self.store.create_users(fresh)
            except KeyError as e:
                # A concurrent call registered one of them since the look-up:
                # look again and skip it too (each round skips at least one more).
                found = {u.user_id for u in await self.store.get_users(ids)}
                if found <= taken:
                    raise _user_exists(e) from e
                taken = found
                continue
            return [r.user_id for r in fresh], [u for u in ids if u in taken]

    async def exists(self, user_id: str) -> bool:
        if user_id in self._exists:
            return True
        found = await self.store.get_users([user_id])
        if found:
            self._exists.add(user_id)
            return True
        return False

    def is_blocked(self, user_id: str) -> bool:
        return user_id in self._blocked

    async def get(self, user_ids: Sequence[str]) -> list[User]:
        if len(user_ids) > 500:
            raise invalid("at most 500 user ids")
        return await self.store.get_users(list(user_ids))

    async def update_profile(
        self,
        user_id: str,
        nickname: str | None,
        avatar_url: str | None,
        extension: str | None,
    ) -> User:
        _check_profile(nickname or "", avatar_url or "", extension or "")
        fields = {
            k: v
            for k, v in (
                ("nickname", nickname),
                ("avatar_url", avatar_url),
                ("extension", extension),
            )
            if v is not None
        }
        row = await self.store.update_user(user_id, **fields)
        if row is None:
            raise ParleyError(
                grpc.StatusCode.NOT_FOUND, R.ERROR_REASON_USER_NOT_FOUND, "user not found"
            )
        return row

    async def set_receive_option(self, user_id: str, option: int) -> None:
        if option not in common_pb2.ReceiveOption.values():
            raise invalid("unknown receive option")
        await self.store.update_user(user_id, global_receive_option=option)

    async def set_blocked(self, user_id: str, blocked: bool, reason: str = "") -> None:
        row = await self.store.update_user(user_id, blocked=blocked, blocked_reason=reason)
        if row is None:
            raise ParleyError(
                grpc.StatusCode.NOT_FOUND, R.ERROR_REASON_USER_NOT_FOUND, "user not found"
            )
        if blocked:
            self._blocked.add(user_id)
        else:
            self._blocked.discard(user_id)
        self.peers.tell(USER_BLOCKED, {"user_id": user_id, "blocked": blocked})
