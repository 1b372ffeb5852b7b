"""In-process seq allocation (embedded mode).

Seqs are handed out in memory and the group-commit writer persists messages in
allocation order, so one conversation's seqs are written in order.

The hole rule: the visible max only moves over seqs that a durable record
covers, the message row or the conversation's persisted max_seq. A seq whose
write was dropped (a resend caught by the writer) or failed becomes a hole:
the writer persists the conversation's max_seq for it, and only then does it
become visible (pulls return a placeholder). If even that write fails, the
hole stays invisible until a later durable write of the conversation covers
it; a restart before that may hand the seq out again, which is harmless since
nobody was shown it. So after any restart the stores' max is at least every
seq anyone saw, and a seq never changes meaning.

Per-conversation state is a bounded LRU: a conversation with no write in
flight is evicted when over the limit (reloading it from the stores is exact,
by the rule above), and reads of conversations without stored state leave
nothing behind."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(slots=True)
class _State:
    # The next seq to hand out.
    next: int
    # The highest seq whose write finished (stored, dropped or failed):
    # settle() runs in allocation order, so below it nothing is in flight.
    settled: int
    # Every seq up to it is covered by a durable record.
    visible: int


class SeqAllocator:
    def __init__(self, load_max: Callable[[str], Awaitable[int]], limit: int = 100_000) -> None:
        self._load_max = load_max
        self.limit = limit
        self._states: OrderedDict[str, _State] = OrderedDict()
        self._loading: dict[str, asyncio.Future[int]] = {}

    def __len__(self) -> int:
        return len(self._states)

    async def _load(self, conversation_id: str) -> int:
        """The stores' max, one query for concurrent callers."""
        fut = self._loading.get(conversation_id)
        if fut is not None:
            return await asyncio.shield(fut)
        fut = asyncio.get_running_loop().create_future()
        self._loading[conversation_id] = fut
        try:
            current = await self._load_max(conversation_id)
        except BaseException as e:
            fut.set_exception(e)
            fut.exception()
            raise
        else:
            fut.set_result(current)
            return current
        finally:
            del self._loading[conversation_id]

    def _add(self, conversation_id: str, current: int) -> _State:
        state = self._states.get(conversation_id)
        if state is None:
            state = _State(current + 1, current, current)
            self._states[conversation_id] = state
            self._evict()
        return state

    def _evict(self) -> None:
        """Drops least recently used conversations with nothing in flight
        until within the limit (busy ones are skipped, so the limit can be
        exceeded by as many conversations as have writes in flight). The
        newest is kept: its caller is about to use it."""
        excess = len(self._states) - self.limit
        if excess <= 0:
            return
        idle = []
        newest = next(reversed(self._states))
        for cid, state in self._states.items():
            if cid != newest and state.settled == state.next - 1:
                idle.append(cid)
                if len(idle) == excess:
                    break
        for cid in idle:
            del self._states[cid]

    async def allocate(self, conversation_id: str) -> int:
        """Returns the next seq. When the conversation is already loaded this
        does not suspend, so the caller can enqueue the write in seq order."""
        state = self._states.get(conversation_id)
        if state is None:
            current = await self._load(conversation_id)
            state = self._add(conversation_id, current)
        else:
            self._states.move_to_end(conversation_id)
        seq = state.next
        state.next = seq + 1
        return seq

    def settle(self, conversation_id: str, seq: int, covered: bool = True) -> None:
        """Called in allocation order when a seq's write finished. `covered`:
        a durable record covers the seq (its message row, or the
        conversation's max_seq persisted for it as a hole); everything up to
        it may then be shown."""
        state = self._states.get(conversation_id)
        if state is None:
            return
        if seq > state.settled:
            state.settled = seq
        if covered and seq > state.visible:
            state.visible = seq

    async def visible_max(self, conversation_id: str) -> int:
        state = self._states.get(conversation_id)
        if state is not None:
            self._states.move_to_end(conversation_id)
            return state.visible
        current = await self._load(conversation_id)
        state = self._states.get(conversation_id)
        if state is not None:
            # Loaded by an allocation meanwhile: its state is the newer.
            return state.visible
        if current == 0:
            # Nothing stored: nothing to remember (any id can be named).
            return 0
        return self._add(conversation_id, current).visible
