"""What the domain needs from the realtime layer: delivery to online devices."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from parley.gateway.v1 import gateway_pb2


class Pusher(Protocol):
    def push(
        self, user_ids: Iterable[str], frame: gateway_pb2.ServerFrame, exclude: object | None = None
    ) -> int:
        """Queues the frame (serialized once) to every online device of the
        users except `exclude` (a session). Returns the number of devices."""
        ...


class NoPush:
    def push(
        self, user_ids: Iterable[str], frame: gateway_pb2.ServerFrame, exclude: object | None = None
    ) -> int:
        return 0
