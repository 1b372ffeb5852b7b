"""The one way a creating RPC honours its request's `idempotency_key`: the
decorated handler runs under domain/idempotency.py's claim, and a retry gets
the first response back, parsed from the stored bytes."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from google.protobuf.message import Message

from parley.api.base import Ctx
from parley.domain.tokens import Identity

M = TypeVar("M", bound=Message)
Handler = Callable[[Any, Any, Ctx], Awaitable[M]]


def caller_scope(ident: Identity) -> str:
    # An admin and a user may share an id; their keys must not.
    return f"{'a' if ident.is_admin else 'u'}:{ident.user_id}"


def request_hash(request: Message) -> str:
    """SHA-256 of the request without its key: what a reuse must repeat."""
    bare = type(request)()
    bare.CopyFrom(request)
    bare.ClearField("idempotency_key")  # type: ignore[arg-type]
    return hashlib.sha256(bare.SerializeToString(deterministic=True)).hexdigest()


def idempotent(response_type: type[M]) -> Callable[[Handler[M]], Handler[M]]:
    """Wraps a servicer method (under @rpc) whose request has `idempotency_key`;
    the servicer's `authn` gives the caller and the keys."""

    def wrap(handler: Handler[M]) -> Handler[M]:
        @functools.wraps(handler)
        async def once(self: Any, request: Any, context: Ctx) -> M:
            key: str = request.idempotency_key
            if not key:
                return await handler(self, request, context)

            async def run() -> bytes:
                response = await handler(self, request, context)
                return response.SerializeToString()

            data = await self.authn.keys.once(
                caller_scope(self.authn.caller(context)),
                request.DESCRIPTOR.full_name,
                key,
                request_hash(request),
                run,
            )
            return response_type.FromString(data)

        return once

    return wrap
