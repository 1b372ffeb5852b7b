"""Publishing a blob (its file record first) and the collector's
check-then-delete of a blob exclude each other: otherwise the collector could
see no record, a finishing upload then record and put the same bytes, and the
collector delete them under the new record. One lease for every node that
shares the blob store: a lock in the process when it is the only one
(embedded), a Redis lease in cluster mode (storage/redis/lease.py)."""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager
from typing import Protocol


class BlobLease(Protocol):
    def hold(self) -> AbstractAsyncContextManager[None]: ...


class ProcessLease:
    """The lease of a server that is alone on its blob store."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()

    def hold(self) -> AbstractAsyncContextManager[None]:
        return self._lock
