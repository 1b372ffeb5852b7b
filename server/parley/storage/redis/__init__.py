"""Redis backend (cluster mode): tokens, seq allocation and visible max,
presence/routing. redis-py's asyncio client; every key under one prefix."""

from __future__ import annotations

from redis.asyncio import BlockingConnectionPool, Redis


def connect(url: str, max_connections: int = 64) -> Redis:
    # A blocking pool: a burst of sends waits for a connection instead of
    # failing (or opening thousands). decode_responses: every value is text.
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=10,
        decode_responses=True,
        health_check_interval=10,
        socket_connect_timeout=5,
    )
    return Redis(connection_pool=pool)
