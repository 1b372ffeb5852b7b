"""User profiles: a local cache filled on demand, and the user's own profile."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from parley.user.v1 import user_pb2
from parley_sdk.convert import user_from_proto
from parley_sdk.errors import ParleyError
from parley_sdk.models import UserProfile
from parley_sdk.network import Connection
from parley_sdk.rpc import Rpc
from parley_sdk.store import Store, Tx

log = logging.getLogger("parley_sdk")


class Users:
    """Profiles of users, cached in the store."""

    def __init__(
        self,
        store: Store,
        rpc: Rpc,
        conn: Connection,
        require_user: Callable[[], Awaitable[str]],
    ) -> None:
        self._store = store
        self._rpc = rpc
        self._conn = conn
        self._require_user = require_user

    async def get(self, user_ids: Sequence[str], refresh: bool = False) -> list[UserProfile]:
        """Profiles (local cache; unknown ones are fetched when online)."""
        ids = list(user_ids)
        cached = await self._store.run(lambda tx: tx.users(ids))
        known = {u.user_id for u in cached}
        missing = ids if refresh else [u for u in ids if u not in known]
        if missing and self._conn.channel is not None:
            try:
                resp = await self._rpc.get_users(missing)
            except ParleyError as e:
                log.info("profile fetch failed: %s", e)
            else:
                fetched = [user_from_proto(u) for u in resp.users]

                def save(tx: Tx) -> None:
                    for u in fetched:
                        tx.save_user(u)

                await self._store.run(save)
                cached = await self._store.run(lambda tx: tx.users(ids))
        return cached

    async def get_self(self) -> UserProfile | None:
        """The user's own profile."""
        me = await self._require_user()
        found = await self.get([me])
        return found[0] if found else None

    async def update_profile(
        self,
        *,
        nickname: str | None = None,
        avatar_url: str | None = None,
        extension: str | None = None,
    ) -> UserProfile:
        """Changes the user's own profile (only the given fields)."""
        req = user_pb2.UpdateProfileRequest()
        if nickname is not None:
            req.nickname = nickname
        if avatar_url is not None:
            req.avatar_url = avatar_url
        if extension is not None:
            req.extension = extension
        resp = await self._rpc.update_profile(req)
        profile = user_from_proto(resp.user)
        await self._store.run(lambda tx: tx.save_user(profile))
        return profile
