"""Offline push: after a message is stored, the recipients with no open
stream are handed to the app server's push service through the
`push.offline` hook, unless they muted it (NO_NOTIFY or NOT_RECEIVE, globally
or for the conversation) or the sender marked the message silent.

Who is offline and their receive options are looked up by the hook worker,
off the send path, and only when the hook is enabled."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from parley.common.v1 import common_pb2
from parley.domain.content import summary
from parley.hooks.client import Hooks, Payload
from parley.hooks.payloads import enum_name, session_type_name
from parley.msg.v1 import message_pb2
from parley.observability import metrics
from parley.storage.interfaces import PushStore, UserStore

RO = common_pb2.ReceiveOption
MUTED = {RO.RECEIVE_OPTION_NO_NOTIFY, RO.RECEIVE_OPTION_NOT_RECEIVE}
# Recipients per push.offline request (a group message to many offline
# members becomes several requests).
CHUNK = 500


def _chunks(items: Sequence[str], n: int) -> list[Sequence[str]]:
    return [items[i : i + n] for i in range(0, len(items), n)]


class OfflinePush:
    def __init__(
        self,
        hooks: Hooks,
        offline: Callable[[Sequence[str]], Awaitable[list[str]]],
        store: PushStore,
        users: UserStore,
    ) -> None:
        self.hooks = hooks
        self.enabled = hooks.wants("push.offline")
        # The users with no stream on any node (parley.realtime.presence).
        self._offline = offline
        self._store = store
        self._users = users

    def message(self, msg: message_pb2.Message, members: Sequence[str]) -> None:
        """Queues the offline push of a stored user message."""
        if not self.enabled:
            return

        async def build() -> list[Payload]:
            offline = await self._offline([u for u in members if u != msg.sender_id])
            if not offline:
                return []
            nickname = ""
            if msg.sender_id:
                rows = await self._users.get_users([msg.sender_id])
                nickname = rows[0].nickname if rows else ""
            text = summary(msg)
            out: list[Payload] = []
            for chunk in _chunks(offline, CHUNK):
                options = await self._store.receive_options(chunk, msg.conversation_id)
                entries = [
                    _entry(u, msg, text, nickname, "", RO.RECEIVE_OPTION_NORMAL)
                    for u in chunk
                    if _pushable(options.get(u))
                ]
                if entries:
                    out.append({"pushes": entries})
                    metrics.OFFLINE_PUSHES.inc(len(entries))
            return out

        self.hooks.emit("push.offline", build)

    def notices(self, delivered: Sequence[tuple[str, message_pb2.Message]]) -> None:
        """Queues the offline push of system notices (user, stored notice),
        each in the user's own notification conversation."""
        if not self.enabled or not delivered:
            return

        async def build() -> list[Payload]:
            away = set(await self._offline([u for u, _ in delivered]))
            offline = [(u, m) for u, m in delivered if u in away]
            out: list[Payload] = []
            for i in range(0, len(offline), CHUNK):
                part = offline[i : i + CHUNK]
                options = await self._store.receive_options([u for u, _ in part], None)
                entries = []
                for u, m in part:
                    if not _pushable(options.get(u)):
                        continue
                    notice = m.notification.system_notice
                    option = notice.receive_option or RO.RECEIVE_OPTION_NORMAL
                    entries.append(_entry(u, m, notice.text[:200], "", notice.title, option))
                if entries:
                    out.append({"pushes": entries})
                    metrics.OFFLINE_PUSHES.inc(len(entries))
            return out

        self.hooks.emit("push.offline", build)


def _pushable(options: tuple[int, int] | None) -> bool:
    """(global option, conversation option); None: no such user."""
    return options is not None and options[0] not in MUTED and options[1] not in MUTED


def _entry(
    user_id: str,
    msg: message_pb2.Message,
    text: str,
    sender_nickname: str,
    title: str,
    receive_option: int,
) -> Payload:
    return {
        "user_id": user_id,
        "conversation_id": msg.conversation_id,
        "session_type": session_type_name(msg.session_type),
        "server_msg_id": msg.server_msg_id,
        "seq": msg.seq,
        "sender_id": msg.sender_id,
        "sender_nickname": sender_nickname,
        "group_id": msg.group_id,
        "title": title,
        "summary": text,
        "receive_option": enum_name(RO, receive_option),
        "server_time_ms": msg.server_time_ms,
    }
