"""The send path's hook points: before-send (allow, deny, replace the
content) and, once stored, after-send and offline push."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from parley.domain.content import validate_content
from parley.domain.tokens import Identity
from parley.errors import ParleyError, R, unavailable
from parley.hooks.client import Hooks, Payload
from parley.hooks.payloads import message_payload, outgoing_payload, parse_content
from parley.hooks.push import OfflinePush
from parley.msg.v1 import content_pb2, message_pb2
from parley.observability import metrics

log = logging.getLogger("parley.hooks")
BEFORE = "before.message.send"
AFTER = "after.message.send"


class SendHooks:
    def __init__(self, hooks: Hooks, push: OfflinePush | None, max_content_bytes: int) -> None:
        self.hooks = hooks
        self._max = max_content_bytes
        # Read by Messages on every send: plain attributes, no calls.
        self.before_send = hooks.wants(BEFORE)
        self._after = hooks.wants(AFTER)
        self._push = push if push is not None and push.enabled else None
        self.after_send = self._after or self._push is not None

    @property
    def enabled(self) -> bool:
        return self.before_send or self.after_send

    async def check(
        self, ident: Identity, om: message_pb2.OutgoingMessage
    ) -> content_pb2.Content | None:
        """Asks the app server; returns the replacement content, if any.
        Raises ParleyError when the hook denies (or fails closed)."""
        answer = await self.hooks.call_before(
            BEFORE, outgoing_payload(ident.user_id, ident.platform, om)
        )
        if answer.get("action") != "replace":
            return None
        try:
            content = parse_content(answer.get("content"))
            validate_content(content, self._max)
        except (ValueError, ParleyError) as e:
            reason = e.message if isinstance(e, ParleyError) else str(e)[:200]
            metrics.HOOK_CALLS.labels(BEFORE, "error").inc()
            log.warning("%s answered an unusable replacement: %s", BEFORE, reason)
            if self.hooks.settings.fail_open:
                return None
            raise unavailable(
                R.ERROR_REASON_DENIED_BY_HOOK, "the app server's hook gave an unusable answer"
            ) from e
        return content

    def sent(self, msg: message_pb2.Message, members: Sequence[str], silent: bool) -> None:
        """After the durable write: queue after-send and offline push."""
        if self._after:

            async def build() -> list[Payload]:
                return [{"message": message_payload(msg), "silent": silent}]

            self.hooks.emit(AFTER, build)
        if self._push is not None and not silent:
            self._push.message(msg, members)
