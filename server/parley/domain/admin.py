"""Operator actions: user listing with live devices, blocking, forced
logout and system notifications."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from parley.admin.v1 import admin_pb2
from parley.common.v1 import common_pb2
from parley.config import Settings
from parley.domain.auth import Auth
from parley.domain.ports import NO_NOTICE_PUSH, NoticePush, StreamControl
from parley.domain.users import Users, user_info
from parley.errors import R, invalid, not_found
from parley.ids import check_user_id, notification_conversation_id, parse_conversation_id
from parley.log.conversation_log import ConversationLog
from parley.msg.v1 import message_pb2, notification_pb2
from parley.storage.records import User

log = logging.getLogger("parley.admin")
P = common_pb2.Platform
DEFAULT_PAGE = 50
MAX_PAGE = 500
# Users per round of a system notification: their appends share group commits.
NOTIFY_CHUNK = 500
MAX_NOTIFY_USERS = 10_000
TOKEN_PREFIX = "u:"


class Admin:
    def __init__(
        self,
        settings: Settings,
        users: Users,
        streams: StreamControl,
        auth: Auth,
        log: ConversationLog,
        push: NoticePush = NO_NOTICE_PUSH,
    ) -> None:
        self.settings = settings
        self.users = users
        self.streams = streams
        self.auth = auth
        self.log = log
        self.push = push

    # -- users ------------------------------------------------------------

    def admin_user(self, row: User) -> admin_pb2.AdminUser:
        out = admin_pb2.AdminUser(
            user=user_info(row), blocked=row.blocked, last_active_time_ms=row.last_active_ms
        )
        for s in self.streams.sessions_of(row.user_id):
            out.devices.add(
                device_id=s.device_id,
                platform=s.platform,  # type: ignore[arg-type]
                sdk_version=s.sdk_version,
                connect_time_ms=s.connect_ms,
                node_id=self.settings.node_id,
            )
        return out

    async def list_users(
        self, keyword: str, page: common_pb2.PageRequest, blocked_only: bool
    ) -> tuple[list[admin_pb2.AdminUser], common_pb2.PageResponse]:
        """Pages in user id order with a keyset token (the last id seen), so
        paging through millions of users stays cheap at any depth."""
        size = page.page_size or DEFAULT_PAGE
        if size < 0:
            raise invalid("page_size is negative")
        size = min(size, MAX_PAGE)
        after = ""
        if page.page_token:
            if not page.page_token.startswith(TOKEN_PREFIX):
                raise invalid("malformed page_token")
            after = check_user_id(page.page_token[len(TOKEN_PREFIX) :], "page_token")
        keyword = keyword.strip()
        if len(keyword) > 128:
            raise invalid("keyword longer than 128 chars")
        store = self.users.store
        rows = await store.list_users_after(keyword, after, size + 1, blocked_only)
        more = len(rows) > size
        rows = rows[:size]
        # The total costs a count: only on the first page (-1 = not computed).
        total = await store.count_matching(keyword, blocked_only) if not after else -1
        resp = common_pb2.PageResponse(
            next_page_token=TOKEN_PREFIX + rows[-1].user_id if more and rows else "", total=total
        )
        return [self.admin_user(r) for r in rows], resp

    async def _row(self, user_id: str) -> User:
        check_user_id(user_id)
        rows = await self.users.store.get_users([user_id])
        if not rows:
            raise not_found(R.ERROR_REASON_USER_NOT_FOUND, f"user {user_id} not found")
        return rows[0]

    async def get_user(self, user_id: str) -> admin_pb2.AdminUser:
        return self.admin_user(await self._row(user_id))

    async def block(self, user_id: str, reason: str) -> int:
        """Blocks the user (their tokens are refused from now on) and closes
        their open streams with a kicked frame (USER_BLOCKED)."""
        check_user_id(user_id)
        if len(reason) > 512:
            raise invalid("reason longer than 512 chars")
        await self.users.set_blocked(user_id, True, reason)
        closed = await self.streams.close_user(
            user_id, P.PLATFORM_UNSPECIFIED, R.ERROR_REASON_USER_BLOCKED
        )
        log.info("user %s blocked; %d stream(s) closed", user_id, closed)
        return closed

    async def unblock(self, user_id: str) -> None:
        check_user_id(user_id)
        await self.users.set_blocked(user_id, False, "")
        log.info("user %s unblocked", user_id)

    async def logout(self, user_id: str, platform: int) -> int:
        await self._row(user_id)
        if platform not in P.values() or platform == P.PLATFORM_ADMIN:
            raise invalid("platform must be a device platform or PLATFORM_UNSPECIFIED (all)")
        return await self.auth.logout(user_id, platform)

    # -- system notifications ---------------------------------------------

    async def notify(self, req: admin_pb2.SendSystemNotificationRequest) -> int:
        if not req.text:
            raise invalid("text is required")
        if len(req.text.encode()) > self.settings.limits.max_content_bytes:
            raise invalid("text is too long", R.ERROR_REASON_CONTENT_TOO_LARGE)
        if len(req.title) > 256:
            raise invalid("title longer than 256 chars")
        if len(req.url) > 2048:
            raise invalid("url longer than 2048 chars")
        if len(req.extension) > 4096:
            raise invalid("extension longer than 4096 chars")
        notice = notification_pb2.SystemNotice(
            title=req.title, text=req.text, url=req.url, extension=req.extension
        )
        if req.all_users:
            return await self._notify_all(notice)
        if not req.user_ids:
            raise invalid("user_ids is empty and all_users is false")
        if len(req.user_ids) > MAX_NOTIFY_USERS:
            raise invalid(f"at most {MAX_NOTIFY_USERS} user ids; use all_users for everyone")
        ids = list(dict.fromkeys(check_user_id(u, "user_ids") for u in req.user_ids))
        # Check every receiver first, so a typo stores nothing for anyone.
        for i in range(0, len(ids), NOTIFY_CHUNK):
            chunk = ids[i : i + NOTIFY_CHUNK]
            found = {r.user_id for r in await self.users.store.get_users(chunk)}
            for u in chunk:
                if u not in found:
                    raise not_found(R.ERROR_REASON_USER_NOT_FOUND, f"user {u} not found")
        for i in range(0, len(ids), NOTIFY_CHUNK):
            await self._deliver(ids[i : i + NOTIFY_CHUNK], notice)
        return len(ids)

    async def _notify_all(self, notice: notification_pb2.SystemNotice) -> int:
        total = await self.users.store.count_users()
        log.info("system notification to all users: starting (%d users)", total)
        after = ""
        done = 0
        while True:
            rows = await self.users.store.list_users_after("", after, NOTIFY_CHUNK)
            if not rows:
                break
            done += await self._deliver([r.user_id for r in rows], notice)
            after = rows[-1].user_id
            if done % (NOTIFY_CHUNK * 20) == 0:
                log.info("system notification to all users: %d/%d", done, total)
        log.info("system notification to all users: done, %d users", done)
        return done

    async def _deliver(self, user_ids: Sequence[str], notice: notification_pb2.SystemNotice) -> int:
        """Stores the notice in each user's notification conversation (counted
        as unread) and pushes it; every append is enqueued before any is
        awaited, so the chunk shares a few group commits."""
        futures = []
        stored: list[tuple[str, message_pb2.Message]] = []
        for u in user_ids:
            ref = parse_conversation_id(notification_conversation_id(u))
            msg = message_pb2.Message(counts_unread=True)
            msg.notification.system_notice.CopyFrom(notice)
            fut = await self.log.append(ref, msg, [u])
            if fut is not None:
                futures.append(fut)
            stored.append((u, msg))
        if futures:
            await asyncio.gather(*futures)
        self.push.notices(stored)
        return len(stored)
