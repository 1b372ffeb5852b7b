"""Idempotency keys of creating calls: the first call with a key runs, every
retry with that key (same caller, same method, same request) gets the first
answer back, from the shared store, so also after a restart and on another
gateway.

Only successes are remembered: a failed attempt releases its key, so a retry
runs the call again (nothing was created; the cause may be gone by then, e.g.
the invitee has registered since). The first attempt runs to its end even if
its caller hangs up: a lost answer is exactly when the retry comes, and it
must find the result, not a half-finished claim."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable

import grpc

from parley.clock import now_ms
from parley.errors import ParleyError, R, precondition
from parley.storage.interfaces import IdempotencyStore
from parley.storage.records import IdempotencyRecord

log = logging.getLogger("parley.idempotency")

# Polling a first attempt still running: from 20 ms, doubling, up to 500 ms.
_FIRST_POLL, _MAX_POLL = 0.02, 0.5


class Idempotency:
    def __init__(
        self,
        store: IdempotencyStore,
        retention_seconds: float,
        lease_seconds: float,
        wait_seconds: float,
    ) -> None:
        self.store = store
        self._retention_ms = int(retention_seconds * 1000)
        self._lease_ms = int(lease_seconds * 1000)
        self._wait = wait_seconds
        # First attempts running here, kept referenced until they end.
        self._running: set[asyncio.Task[bytes]] = set()

    async def once(
        self,
        caller: str,
        method: str,
        key: str,
        request_hash: str,
        run: Callable[[], Awaitable[bytes]],
    ) -> bytes:
        """The serialized response of the first successful `run` under
        (caller, method, key): runs it if no attempt holds the key. The key's
        form is checked where requests are decoded (api/validation.py)."""
        claim_id = uuid.uuid4().hex
        deadline = asyncio.get_running_loop().time() + self._wait
        pause = _FIRST_POLL
        while True:
            now = now_ms()
            mine = IdempotencyRecord(
                caller,
                method,
                key,
                request_hash,
                claim_id,
                create_time_ms=now,
                expire_time_ms=now + self._retention_ms,
                lease_until_ms=now + self._lease_ms,
            )
            held = await self.store.claim(mine, now)
            if held is None:
                return await self._first(mine, run)
            if held.request_hash != request_hash:
                raise precondition(
                    R.ERROR_REASON_IDEMPOTENCY_KEY_REUSED,
                    "idempotency_key was used with a different request; use a new key",
                )
            if held.response is not None:
                return held.response
            if asyncio.get_running_loop().time() + pause > deadline:
                raise ParleyError(
                    grpc.StatusCode.ABORTED,
                    R.ERROR_REASON_IDEMPOTENCY_KEY_IN_FLIGHT,
                    "a call with this idempotency_key is still running; retry later",
                )
            # Still running (here or on another gateway): its answer, or its
            # release after a failure, comes through the store.
            await asyncio.sleep(pause)
            pause = min(pause * 2, _MAX_POLL)

    async def _first(self, mine: IdempotencyRecord, run: Callable[[], Awaitable[bytes]]) -> bytes:
        task = asyncio.get_running_loop().create_task(self._run(mine, run))
        self._running.add(task)
        task.add_done_callback(self._ended)
        # A caller hanging up cancels its wait, not the attempt.
        return await asyncio.shield(task)

    def _ended(self, task: asyncio.Task[bytes]) -> None:
        self._running.discard(task)
        # Retrieved here too, so an attempt whose caller left logs no
        # "exception never retrieved" (its failure reached nobody anyway).
        if not task.cancelled():
            task.exception()

    async def _run(self, mine: IdempotencyRecord, run: Callable[[], Awaitable[bytes]]) -> bytes:
        try:
            response = await run()
        except BaseException:
            try:
                await self.store.release(mine.caller, mine.method, mine.key, mine.claim_id)
            except Exception:
                # The lease frees the key later; the caller sees the first failure.
                log.exception("could not release idempotency key %r", mine.key)
            raise
        if not await self.store.complete(
            mine.caller, mine.method, mine.key, mine.claim_id, response
        ):
            log.warning("idempotency key %r outlived its lease: not remembered", mine.key)
        return response

    async def drain(self, grace_seconds: float) -> None:
        """Lets the first attempts still running here (their callers gone
        with the server's stop) store their results, for up to `grace_seconds`:
        a graceful restart leaves no key pending until its lease."""
        if self._running:
            await asyncio.wait(set(self._running), timeout=grace_seconds)

    async def purge(self) -> int:
        return await self.store.purge(now_ms())
