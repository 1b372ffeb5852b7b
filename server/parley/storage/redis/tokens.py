"""TokenStore on Redis: revocations in a sorted set scored by expiry (expired
ones are trimmed on read, so the set only holds live revocations) and
force-logout floors in a hash."""

from __future__ import annotations

from redis.asyncio import Redis


class RedisTokenStore:
    def __init__(self, redis: Redis, prefix: str = "parley:") -> None:
        self._r = redis
        self._revoked = f"{prefix}tok:revoked"
        self._floors = f"{prefix}tok:floors"

    async def revoke(self, jti: str, expire_ms: int) -> None:
        # GT: a second revoke of the same id never shortens its life.
        await self._r.zadd(self._revoked, {jti: expire_ms}, gt=True)

    async def revocations(self, now_ms: int) -> dict[str, int]:
        pipe = self._r.pipeline(transaction=True)
        pipe.zremrangebyscore(self._revoked, "-inf", f"({now_ms}")
        pipe.zrange(self._revoked, 0, -1, withscores=True)
        _, entries = await pipe.execute()
        return {str(jti): int(expire_ms) for jti, expire_ms in entries}

    async def set_floor(self, user_id: str, platform: int, not_before_ms: int) -> None:
        await self._r.hset(self._floors, f"{user_id}\n{platform}", str(not_before_ms))

    async def floors(self) -> dict[tuple[str, int], int]:
        out: dict[tuple[str, int], int] = {}
        for key, value in (await self._r.hgetall(self._floors)).items():
            user_id, platform = str(key).rsplit("\n", 1)
            out[(user_id, int(platform))] = int(value)
        return out
