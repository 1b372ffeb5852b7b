"""Operator statistics: recorded with the writes they count, read per day.

Recording: every append to a conversation adds its counters (messages by
session type, groups created), the group's and sender's activity for the day
and the sender's last-active time to the same group-commit batch, so the
figures are exactly as durable as the messages. Stream opens add activity in
a batch of their own. Reading: a few index range reads per request (see
StatsStore), with days that are over cached, since they no longer change."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict

from parley.admin.v1 import admin_pb2
from parley.bounded import LruDict, track
from parley.clock import now_ms
from parley.common.v1 import common_pb2
from parley.errors import invalid
from parley.ids import ConversationRef
from parley.log.commit import CommitQueue
from parley.msg.v1 import message_pb2
from parley.observability import metrics
from parley.storage.batch import WriteBatch
from parley.storage.interfaces import StatsStore, UserStore

ST = common_pb2.SessionType
DAY_MS = 86_400_000
MAX_DAYS = 367  # start + at most 366 days after it
# Past days whose figures are kept: any date may be asked for, a few years are.
DAYS_CACHED = 4 * MAX_DAYS
SINGLE_MESSAGES = "msg.single"
GROUP_MESSAGES = "msg.group"
GROUPS_CREATED = "group.created"


def day_string(day_number: int) -> str:
    return dt.datetime.fromtimestamp(day_number * 86_400, dt.UTC).strftime("%Y-%m-%d")


def parse_day(value: str, field: str) -> int:
    """`YYYY-MM-DD` -> day number (days since the Unix epoch, UTC)."""
    try:
        d = dt.date.fromisoformat(value)
    except ValueError as e:
        raise invalid(f"{field} must be YYYY-MM-DD") from e
    if len(value) != 10:
        raise invalid(f"{field} must be YYYY-MM-DD")
    return (d - dt.date(1970, 1, 1)).days


class DayClock:
    """The UTC day of a timestamp, computed once per day instead of per call."""

    __slots__ = ("_day", "_end", "_start")

    def __init__(self) -> None:
        self._start = 0
        self._end = -1
        self._day = ""

    def day(self, ms: int) -> str:
        if self._start <= ms < self._end:
            return self._day
        start = ms - ms % DAY_MS
        self._start, self._end = start, start + DAY_MS
        self._day = day_string(start // DAY_MS)
        return self._day

    @property
    def start_ms(self) -> int:
        return self._start


class StatsRecorder:
    """ConversationLog's observer: counts what it appends and commits."""

    def __init__(
        self, commit: CommitQueue, touch_interval_ms: int = 60_000, remembered: int = 200_000
    ) -> None:
        self._commit = commit
        self._days = DayClock()
        self._touch_ms = touch_interval_ms
        self._cap = remembered
        # user -> when their activity and last-active time were last written:
        # a busy sender costs one users-row update a minute, not one per message.
        self._written: OrderedDict[str, int] = OrderedDict()
        track("active_users", self._written)

    def appending(
        self, ref: ConversationRef, msg: message_pb2.Message, batch: WriteBatch, now: int
    ) -> None:
        """Adds the statistics rows of one append to its batch."""
        day = self._days.day(now)
        counters = batch.counters
        if msg.HasField("content"):
            if ref.session_type == ST.SESSION_TYPE_SINGLE:
                key = (day, SINGLE_MESSAGES)
                counters[key] = counters.get(key, 0) + 1
            elif ref.session_type == ST.SESSION_TYPE_GROUP:
                key = (day, GROUP_MESSAGES)
                counters[key] = counters.get(key, 0) + 1
                batch.group_activity.add((day, ref.group_id))
        elif msg.notification.WhichOneof("event") == "group_created":
            key = (day, GROUPS_CREATED)
            counters[key] = counters.get(key, 0) + 1
        if msg.sender_id:
            self._touch(batch, msg.sender_id, now, day)

    def committed(self, ref: ConversationRef, msg: message_pb2.Message, pushed: int) -> None:
        """After the batch is durable and pushed to `pushed` device streams."""
        kind = msg.content.WhichOneof("kind") if msg.HasField("content") else "event"
        metrics.count_message(ref.session_type, kind or "empty")
        if pushed:
            metrics.PUSH_FRAMES.inc(pushed)

    def connected(self, user_id: str) -> None:
        """A stream of the user opened: they are active today."""
        metrics.STREAM_OPENS.inc()
        now = now_ms()
        batch = WriteBatch()
        self._touch(batch, user_id, now, self._days.day(now))
        if batch.is_empty():
            return
        try:
            self._commit.submit_nowait(batch, wait=False)
        except RuntimeError:
            pass  # shutting down: the commit queue is gone

    def _touch(self, batch: WriteBatch, user_id: str, now: int, day: str) -> None:
        last = self._written.get(user_id)
        if last is not None and now - last < self._touch_ms and last >= self._days.start_ms:
            return
        batch.activity.add((day, user_id))
        batch.last_active[user_id] = now
        self._written[user_id] = now
        self._written.move_to_end(user_id)
        if len(self._written) > self._cap:
            self._written.popitem(last=False)


class Statistics:
    """AdminService.GetStatistics."""

    def __init__(self, store: StatsStore, users: UserStore) -> None:
        self._store = store
        self._users = users
        # Figures that cannot change any more: users registered before a
        # past midnight, and whole past days.
        self._before: LruDict[int, int] = LruDict(DAYS_CACHED, "statistics_days")
        self._past: LruDict[int, admin_pb2.DayStatistics] = LruDict(DAYS_CACHED, "statistics_days")

    async def _users_before(self, day_number: int, today: int) -> int:
        if day_number <= today:
            found = self._before.get(day_number)
            if found is not None:
                return found
        n = await self._users.count_users(created_before_ms=day_number * DAY_MS)
        if day_number <= today:
            self._before[day_number] = n
        return n

    async def get(self, start_date: str, end_date: str) -> admin_pb2.GetStatisticsResponse:
        first = parse_day(start_date, "start_date")
        last = parse_day(end_date, "end_date")
        if last < first:
            raise invalid("end_date is before start_date")
        if last - first + 1 > MAX_DAYS:
            raise invalid("at most 366 days after start_date")
        now = now_ms()
        today = now // DAY_MS
        # Past days are cached once they ended more than a minute ago (late
        # commits of the last second of a day still land).
        settled = (now - 60_000) // DAY_MS
        days = {d: self._past[d] for d in range(first, last + 1) if d in self._past}
        missing = [d for d in range(first, last + 1) if d not in days]
        if missing:
            lo, hi = missing[0], missing[-1]
            lo_s, hi_s = day_string(lo), day_string(hi)
            base = await self._users_before(lo, today)
            new = await self._store.new_users_by_day(lo * DAY_MS, (hi + 1) * DAY_MS)
            active = await self._store.active_users_by_day(lo_s, hi_s)
            groups = await self._store.active_groups_by_day(lo_s, hi_s)
            counters = await self._store.counters(lo_s, hi_s)
            total = base
            for d in range(lo, hi + 1):
                s = day_string(d)
                total += new.get(d, 0)
                ds = admin_pb2.DayStatistics(
                    date=s,
                    total_users=total,
                    new_users=new.get(d, 0),
                    active_users=active.get(s, 0),
                    single_messages=counters.get((s, SINGLE_MESSAGES), 0),
                    group_messages=counters.get((s, GROUP_MESSAGES), 0),
                    groups_created=counters.get((s, GROUPS_CREATED), 0),
                    active_groups=groups.get(s, 0),
                )
                if d not in days:
                    days[d] = ds
                    if d < settled:
                        self._past[d] = ds
        registered_today = await self._store.new_users_by_day(today * DAY_MS, (today + 1) * DAY_MS)
        total_now = await self._users_before(today, today) + sum(registered_today.values())
        return admin_pb2.GetStatisticsResponse(
            days=[days[d] for d in range(first, last + 1)], total_users=total_now
        )
