"""What the domain calls outward, as it sees it: webhooks to the app server
(before and after a change, the send path's hooks, offline push of notices)
and control of the users' open streams. The webhook client (hooks/) and
the stream gateway (realtime/) implement these; the null ones stand for "not
configured" (no hook URL) and for a process without streams (unit tests)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import grpc

from parley.domain.tokens import Identity
from parley.errors import ParleyError, R
from parley.msg.v1 import content_pb2, message_pb2

Payload = dict[str, Any]


class ChangeHooks(Protocol):
    """Hooks around relation, group and message changes."""

    async def before(self, subject: str, payload: Payload) -> Payload:
        """Calls `before.<subject>` and waits for the app server's verdict;
        raises ParleyError when it denies (or fails closed)."""
        ...

    def after(self, subject: str, payload: Payload) -> bool:
        """Queues `after.<subject>`; never waits."""
        ...


class NoChangeHooks:
    async def before(self, subject: str, payload: Payload) -> Payload:
        return {}

    def after(self, subject: str, payload: Payload) -> bool:
        return False


class MessageHooks(Protocol):
    """The send path's hooks. Read on every send: plain flags, so a server
    without hooks pays two attribute reads."""

    before_send: bool
    after_send: bool

    async def check(
        self, ident: Identity, om: message_pb2.OutgoingMessage
    ) -> content_pb2.Content | None:
        """The app server's replacement content, if any; raises ParleyError
        when it denies (or fails closed)."""
        ...

    def sent(self, msg: message_pb2.Message, members: Sequence[str], silent: bool) -> None:
        """After the durable write: after-send and offline push, queued."""
        ...


class NoMessageHooks:
    before_send = False
    after_send = False

    async def check(
        self, ident: Identity, om: message_pb2.OutgoingMessage
    ) -> content_pb2.Content | None:
        return None

    def sent(self, msg: message_pb2.Message, members: Sequence[str], silent: bool) -> None:
        pass


class NoticePush(Protocol):
    """Offline push of system notices, as (user, stored notice) pairs."""

    def notices(self, delivered: Sequence[tuple[str, message_pb2.Message]]) -> None: ...


class NoNoticePush:
    def notices(self, delivered: Sequence[tuple[str, message_pb2.Message]]) -> None:
        pass


class OpenStream(Protocol):
    """One of a user's open streams, as operators see it."""

    @property
    def device_id(self) -> str: ...
    @property
    def platform(self) -> int: ...
    @property
    def sdk_version(self) -> str: ...
    @property
    def connect_ms(self) -> int: ...


class StreamControl(Protocol):
    """The users' open streams (on every node of a cluster)."""

    def sessions_of(self, user_id: str) -> Sequence[OpenStream]:
        """The user's streams on this node."""
        ...

    async def close_user(self, user_id: str, platform: int, reason: int) -> int:
        """Closes the user's streams of `platform` (0: all) on every node with
        a kicked frame of `reason`; returns how many closed."""
        ...

    def close_token(self, jti: str) -> None:
        """Closes the streams opened with the token `jti` (revoked)."""
        ...


class NoStreams:
    def sessions_of(self, user_id: str) -> Sequence[OpenStream]:
        return ()

    async def close_user(self, user_id: str, platform: int, reason: int) -> int:
        return 0

    def close_token(self, jti: str) -> None:
        pass


NO_HOOKS: ChangeHooks = NoChangeHooks()
NO_MESSAGE_HOOKS: MessageHooks = NoMessageHooks()
NO_NOTICE_PUSH: NoticePush = NoNoticePush()
NO_STREAMS: StreamControl = NoStreams()


class MessageFiles(Protocol):
    """The files a message names (domain/files/access.py): the sender must
    be able to read each, and once stored the message grants its readers."""

    async def may_attach(self, user_id: str, ids: Sequence[str]) -> None:
        """Raises FILE_NOT_FOUND for a file the sender may not read."""
        ...

    async def attached(self, ids: Sequence[str], conversation_id: str, seq: int) -> None: ...


class NoMessageFiles:
    async def may_attach(self, user_id: str, ids: Sequence[str]) -> None:
        if ids:
            raise ParleyError(
                grpc.StatusCode.UNIMPLEMENTED, R.ERROR_REASON_UNIMPLEMENTED, "files are not enabled"
            )

    async def attached(self, ids: Sequence[str], conversation_id: str, seq: int) -> None:
        return None


NO_MESSAGE_FILES: MessageFiles = NoMessageFiles()
