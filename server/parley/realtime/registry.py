"""Who is online where: sessions by user and device, multi-login policy,
presence watchers, and push."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from parley.common.v1 import common_pb2
from parley.config import MultiLoginPolicy
from parley.gateway.v1 import gateway_pb2
from parley.realtime.sessions import Session
from parley.user.v1 import user_pb2

P = common_pb2.Platform
_PC = {P.PLATFORM_WINDOWS, P.PLATFORM_MACOS, P.PLATFORM_LINUX}
_MOBILE = {P.PLATFORM_IOS, P.PLATFORM_ANDROID}
_PAD = {P.PLATFORM_IPAD, P.PLATFORM_ANDROID_PAD}
_WEB = {P.PLATFORM_WEB, P.PLATFORM_MINI_PROGRAM}


def platform_class(platform: int) -> str:
    if platform in _PC:
        return "pc"
    if platform in _MOBILE:
        return "mobile"
    if platform in _PAD:
        return "pad"
    if platform in _WEB:
        return "web"
    return "other"


def conflicts(policy: MultiLoginPolicy, new: int, old: int) -> bool:
    """Whether a new login on platform `new` kicks an existing one on `old`."""
    if policy == MultiLoginPolicy.NO_KICK:
        return False
    if policy == MultiLoginPolicy.ONE_PER_PLATFORM:
        return new == old
    if policy == MultiLoginPolicy.ONE_PER_CLASS:
        return platform_class(new) == platform_class(old)
    if policy == MultiLoginPolicy.PCS_COEXIST:
        return new not in _PC and old not in _PC
    return False


class Registry:
    """Listeners subscribe (`on_connect`, `on_streams`, `on_presence`) as
    they are built; each is told independently, in subscription order."""

    def __init__(
        self, policy: MultiLoginPolicy, watch_limit: int = 1000, notify_presence: bool = True
    ) -> None:
        self.policy = policy
        # Users one stream may watch the presence of (further ones are ignored).
        self.watch_limit = watch_limit
        # A user's streams here, one per device: a list (a user has a few
        # devices; a one-entry dict costs 232 bytes per online user, a list 64).
        self._by_user: dict[str, list[Session]] = {}
        self._watchers: dict[str, set[Session]] = {}
        # A user's first stream here opened, or the last closed.
        self._presence: list[Callable[[str, bool], None]] = []
        # Any stream of the user opened or closed (cluster routes).
        self._streams: list[Callable[[str], None]] = []
        # Whether a presence change notifies watchers here (cluster mode:
        # parley.realtime.presence does, with the merged status).
        self.notify_presence = notify_presence
        # Every stream that registers (statistics and metrics).
        self._connect: list[Callable[[Session], None]] = []

    def on_presence(self, listener: Callable[[str, bool], None]) -> None:
        self._presence.append(listener)

    def on_streams(self, listener: Callable[[str], None]) -> None:
        self._streams.append(listener)

    def on_connect(self, listener: Callable[[Session], None]) -> None:
        self._connect.append(listener)

    def __len__(self) -> int:
        return sum(len(d) for d in self._by_user.values())

    def online_users(self) -> int:
        return len(self._by_user)

    def is_online(self, user_id: str) -> bool:
        return user_id in self._by_user

    def sessions(self) -> list[Session]:
        return [s for d in self._by_user.values() for s in d]

    def sessions_of(self, user_id: str) -> list[Session]:
        return list(self._by_user.get(user_id, ()))

    def add(self, session: Session) -> tuple[list[Session], list[Session]]:
        """Registers the session. Returns (replaced, kicked): sessions of the
        same device that it replaces, and other devices the policy logs out."""
        devices = self._by_user.setdefault(session.user_id, [])
        was_online = bool(devices)
        replaced, kicked = [], []
        for old in list(devices):
            if old.device_id == session.device_id:
                replaced.append(old)
                devices.remove(old)
            elif conflicts(self.policy, session.platform, old.platform):
                kicked.append(old)
                devices.remove(old)
        devices.append(session)
        for connected in self._connect:
            connected(session)
        for changed in self._streams:
            changed(session.user_id)
        if not was_online:
            self._presence_changed(session.user_id)
        return replaced, kicked

    def remove(self, session: Session) -> None:
        if session.watching:
            self._unwatch(session, list(session.watching))
        devices = self._by_user.get(session.user_id)
        if devices is None or not any(s is session for s in devices):
            return
        devices[:] = [s for s in devices if s is not session]
        for changed in self._streams:
            changed(session.user_id)
        if not devices:
            del self._by_user[session.user_id]
            self._presence_changed(session.user_id)

    def status(self, user_id: str) -> user_pb2.OnlineStatus:
        devices = self._by_user.get(user_id, ())
        return user_pb2.OnlineStatus(
            user_id=user_id,
            online=bool(devices),
            platforms=sorted({s.platform for s in devices}),  # type: ignore[misc]
        )

    def watch(self, session: Session, add: Iterable[str], remove: Iterable[str]) -> None:
        self._unwatch(session, remove)
        for target in add:
            if session.watching is None:
                session.watching = set()
            if len(session.watching) >= self.watch_limit:
                break
            session.watching.add(target)
            self._watchers.setdefault(target, set()).add(session)

    def _unwatch(self, session: Session, targets: Iterable[str]) -> None:
        # An emptied watcher set goes too: ids watched once would otherwise
        # keep an entry each, for the life of the process.
        for target in targets:
            if session.watching is not None:
                session.watching.discard(target)
            watchers = self._watchers.get(target)
            if watchers is not None:
                watchers.discard(session)
                if not watchers:
                    del self._watchers[target]

    def _presence_changed(self, user_id: str) -> None:
        online = user_id in self._by_user
        for listener in self._presence:
            listener(user_id, online)
        if self.notify_presence:
            self.notify_watchers(user_id, self.status(user_id))

    def watched_users(self) -> int:
        """Users some stream here watches (their watcher sets)."""
        return len(self._watchers)

    def has_watchers(self, user_id: str) -> bool:
        return bool(self._watchers.get(user_id))

    def notify_watchers(self, user_id: str, status: user_pb2.OnlineStatus) -> None:
        watchers = self._watchers.get(user_id)
        if not watchers:
            return
        frame = gateway_pb2.ServerFrame()
        frame.presence.status.CopyFrom(status)
        data = frame.SerializeToString()
        for s in list(watchers):
            s.send(data)

    def push(
        self, user_ids: Iterable[str], frame: gateway_pb2.ServerFrame, exclude: object | None = None
    ) -> int:
        data: bytes | None = None
        n = 0
        for u in user_ids:
            devices = self._by_user.get(u)
            if not devices:
                continue
            if data is None:
                data = frame.SerializeToString()
            for s in devices:
                if s is not exclude and s.send(data):
                    n += 1
        return n

    def push_data(self, user_ids: Iterable[str], data: bytes, exclude: object | None = None) -> int:
        """push() of an already serialized frame (one that came from another node)."""
        n = 0
        for u in user_ids:
            for s in self._by_user.get(u, ()):
                if s is not exclude and s.send(data):
                    n += 1
        return n
