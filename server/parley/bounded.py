"""Maps whose size has a ceiling: what the process keeps per user or per id
must not grow with the number of ids it has ever seen. The LRU ones hold what
a database read could give again, so dropping the least recently used entry
costs a query, never a wrong answer. Named maps are counted by `sizes()` (the
`parley_cache_entries` gauge)."""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Iterator, Sized
from typing import Generic, TypeVar, overload

from parley.clock import now_ms

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# Weak: the maps of a stopped server (tests run several) drop out. A list,
# as dicts (tracked too) cannot be weak keys.
_tracked: list[tuple[str, weakref.ref[Sized]]] = []


def track(name: str, sized: Sized) -> None:
    """Counts `sized` under `name` in sizes()."""
    _tracked[:] = [(n, ref) for n, ref in _tracked if ref() is not None]
    _tracked.append((name, weakref.ref(sized)))


def sizes() -> dict[str, int]:
    """Entries per tracked name, summed over the live maps of that name."""
    out: dict[str, int] = {}
    for name, ref in _tracked:
        sized = ref()
        if sized is not None:
            out[name] = out.get(name, 0) + len(sized)
    return out


class LruDict(Generic[K, V]):
    """At most `cap` entries; past it the least recently read or written goes.
    A cap of 0 holds nothing (caching off)."""

    __slots__ = ("__weakref__", "_cap", "_data")

    def __init__(self, cap: int, name: str = "") -> None:
        if cap < 0:
            raise ValueError("an LruDict's cap cannot be negative")
        self._cap = cap
        self._data: OrderedDict[K, V] = OrderedDict()
        if name:
            track(name, self)

    def __len__(self) -> int:
        return len(self._data)

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __contains__(self, key: object) -> bool:
        if key in self._data:
            self._data.move_to_end(key)  # type: ignore[arg-type]
            return True
        return False

    @overload
    def get(self, key: K) -> V | None: ...

    @overload
    def get(self, key: K, default: V) -> V: ...

    def get(self, key: K, default: V | None = None) -> V | None:
        found = self._data.get(key, default)
        if key in self._data:
            self._data.move_to_end(key)
        return found

    def __getitem__(self, key: K) -> V:
        value = self._data[key]
        self._data.move_to_end(key)
        return value

    def peek(self, key: K) -> V | None:
        """The value, leaving the order as it is."""
        return self._data.get(key)

    def __setitem__(self, key: K, value: V) -> None:
        self.put(key, value)

    def put(self, key: K, value: V) -> tuple[K, V] | None:
        """Sets the entry; returns the one it pushed out, if any."""
        data = self._data
        data[key] = value
        data.move_to_end(key)
        if len(data) > self._cap:
            return data.popitem(last=False)
        return None

    def pop(self, key: K, default: V | None = None) -> V | None:
        return self._data.pop(key, default)

    def clear(self) -> None:
        self._data.clear()


class LruSet(Generic[K]):
    """A set of at most `cap` members; past it the least recently seen goes."""

    __slots__ = ("__weakref__", "_items")

    def __init__(self, cap: int, name: str = "") -> None:
        self._items: LruDict[K, None] = LruDict(cap)
        if name:
            track(name, self)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def add(self, key: K) -> None:
        self._items.put(key, None)

    def update(self, keys: Iterable[K]) -> None:
        for k in keys:
            self._items.put(k, None)

    def discard(self, key: K) -> None:
        self._items.pop(key)


class Generations(Generic[K]):
    """Per-key change stamps, to tell whether a key changed while it was being
    loaded (a load that read before a change must not be cached), for at most
    `cap` keys. Stamps come from one counter, so the keys are in stamp order
    and the one pushed out has the highest stamp pushed out so far; a key no
    longer held reads as that stamp. A load of a key that changed and was then
    pushed out sees a higher stamp than it started with, and is not cached; a
    push-out alone can only make a load look stale (one more query)."""

    __slots__ = ("__weakref__", "_clock", "_floor", "_stamps")

    def __init__(self, cap: int, name: str = "") -> None:
        self._stamps: LruDict[K, int] = LruDict(cap, name)
        self._clock = 0
        self._floor = 0

    def __len__(self) -> int:
        return len(self._stamps)

    def of(self, key: K) -> int:
        # peek: reading must not reorder, or the keys leave stamp order.
        found = self._stamps.peek(key)
        return self._floor if found is None else found

    def bump(self, key: K) -> None:
        self._clock += 1
        out = self._stamps.put(key, self._clock)
        if out is not None:
            self._floor = out[1]


class ExpiringSet(Generic[K]):
    """Members that matter until their expiry (Unix ms) and are dropped after
    it. Expired members are swept when the set has doubled since the last
    sweep, so a sweep costs O(1) per member added."""

    __slots__ = ("__weakref__", "_expiry", "_sweep_at")

    SWEEP_MIN = 1024

    def __init__(self, name: str = "") -> None:
        self._expiry: dict[K, int] = {}
        self._sweep_at = self.SWEEP_MIN
        if name:
            track(name, self)

    def __len__(self) -> int:
        return len(self._expiry)

    def __iter__(self) -> Iterator[K]:
        return iter(self._expiry)

    def __contains__(self, key: object) -> bool:
        return key in self._expiry

    def add(self, key: K, expire_ms: int) -> None:
        """Adds the member; a second add never shortens its life."""
        self._expiry[key] = max(expire_ms, self._expiry.get(key, expire_ms))
        if len(self._expiry) >= self._sweep_at:
            self.sweep()

    def sweep(self) -> None:
        now = now_ms()
        # A new dict: deleting in place would keep the grown table.
        self._expiry = {k: e for k, e in self._expiry.items() if e >= now}
        self._sweep_at = max(self.SWEEP_MIN, 2 * len(self._expiry))
