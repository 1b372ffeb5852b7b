"""In-process seq allocation (embedded mode).

Seqs are handed out in memory and the group-commit writer persists messages in
allocation order, so one conversation's seqs are written in order. A seq whose
write failed becomes a known hole: the visible max moves past it and pulls
return a placeholder for it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


class SeqAllocator:
    def __init__(self, load_max: Callable[[str], Awaitable[int]]) -> None:
        self._load_max = load_max
        self._next: dict[str, int] = {}
        self._visible: dict[str, int] = {}
        self._loading: dict[str, asyncio.Future[int]] = {}

    async def _ensure(self, conversation_id: str) -> None:
        if conversation_id in self._next:
            return
        fut = self._loading.get(conversation_id)
        if fut is None:
            fut = asyncio.get_running_loop().create_future()
            self._loading[conversation_id] = fut
            try:
                current = await self._load_max(conversation_id)
            except BaseException as e:
                del self._loading[conversation_id]
                fut.set_exception(e)
                fut.exception()
                raise
            self._next.setdefault(conversation_id, current + 1)
            self._visible.setdefault(conversation_id, current)
            del self._loading[conversation_id]
            fut.set_result(current)
        else:
            await fut

    async def allocate(self, conversation_id: str) -> int:
        """Returns the next seq. When the conversation is already loaded this
        does not suspend, so the caller can enqueue the write in seq order."""
        if conversation_id not in self._next:
            await self._ensure(conversation_id)
        seq = self._next[conversation_id]
        self._next[conversation_id] = seq + 1
        return seq

    def settle(self, conversation_id: str, seq: int) -> None:
        """Called in allocation order when a seq's write finished (stored or
        failed): everything up to it is now stored or a known hole."""
        if seq > self._visible.get(conversation_id, 0):
            self._visible[conversation_id] = seq

    async def visible_max(self, conversation_id: str) -> int:
        if conversation_id not in self._visible:
            await self._ensure(conversation_id)
        return self._visible[conversation_id]
