"""A lease in Redis, held by one process of the cluster at a time: redis-py's
lock (SET NX with an expiry and a token, released by a script that deletes
only its own token). The expiry frees it when its holder dies; a holder that
outlives it is logged, the critical sections being far shorter."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis
from redis.exceptions import LockError

from parley.errors import R, unavailable

log = logging.getLogger("parley.files")


class RedisLease:
    def __init__(self, redis: Redis, key: str, ttl_seconds: float = 30.0) -> None:
        self.redis = redis
        self.key = key
        self.ttl = ttl_seconds

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        # Waiting up to the expiry: a dead holder's lease is free by then.
        lock = self.redis.lock(self.key, timeout=self.ttl, sleep=0.02, blocking_timeout=self.ttl)
        if not await lock.acquire():
            raise unavailable(R.ERROR_REASON_INTERNAL, f"lease {self.key} busy; retry")
        try:
            yield
        finally:
            try:
                await lock.release()
            except LockError:
                log.warning("lease %s expired before its holder released it", self.key)
