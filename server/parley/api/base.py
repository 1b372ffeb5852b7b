"""What every servicer shares: the caller (admitted by api/policy.py) and
turning failures into a status with a stable reason."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc

from parley.api.policy import CALLER
from parley.common.v1 import common_pb2
from parley.domain.idempotency import Idempotency
from parley.domain.tokens import Identity
from parley.errors import ParleyError, R, invalid

log = logging.getLogger("parley.api")
P = common_pb2.Platform
T = TypeVar("T")
Ctx = grpc.aio.ServicerContext[Any, Any]
DEFAULT_PAGE = 50
MAX_PAGE = 500
MAX_OFFSET = 2**53


def internal_error() -> ParleyError:
    return ParleyError(grpc.StatusCode.INTERNAL, R.ERROR_REASON_INTERNAL, "internal error")


def rpc(fn: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
    """Unary servicer method wrapper: ParleyError -> status with ErrorInfo;
    anything unexpected -> INTERNAL (logged), never a crash."""

    @functools.wraps(fn)
    async def wrapper(self: Any, request: Any, context: Ctx) -> T:
        try:
            return await fn(self, request, context)
        except ParleyError as e:
            await context.abort_with_status(e.to_status())
        except grpc.aio.AbortError:
            raise
        except Exception:
            log.exception("unhandled error in %s", fn.__qualname__)
            await context.abort_with_status(internal_error().to_status())
        raise AssertionError("unreachable")

    return wrapper


class Authn:
    """The caller, for the servicers, and the caller's idempotency keys
    (api/idempotency.py). Who may call a method is not theirs to choose: the
    table in api/policy.py decides, before they run."""

    def __init__(self, keys: Idempotency) -> None:
        self.keys = keys

    def caller(self, context: Ctx) -> Identity:
        """The caller of the running RPC, as api/policy.py admitted it."""
        ident = CALLER.get()
        if ident is None:
            # The method's rule takes no token: a servicer bug, not the caller's.
            raise internal_error()
        return ident


def page_bounds(page: common_pb2.PageRequest) -> tuple[int, int]:
    """(offset, limit) from a page request; tokens are decimal offsets."""
    size = page.page_size or DEFAULT_PAGE
    if size < 0:
        raise invalid("page_size is negative")
    size = min(size, MAX_PAGE)
    offset = 0
    if page.page_token:
        try:
            offset = int(page.page_token)
        except ValueError as e:
            raise invalid("malformed page_token") from e
        # Past any offset the stores can take (int64), not merely past the end.
        if not 0 <= offset <= MAX_OFFSET:
            raise invalid("malformed page_token")
    return offset, size


def page_response(offset: int, limit: int, returned: int, total: int) -> common_pb2.PageResponse:
    nxt = offset + returned
    more = nxt < total if total >= 0 else returned == limit
    return common_pb2.PageResponse(next_page_token=str(nxt) if more else "", total=total)
