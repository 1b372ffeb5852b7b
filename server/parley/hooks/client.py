"""HTTP webhooks to the app server: signed JSON POSTs.

Before-hooks are awaited by the action they guard (a send, a friend or group
change) and bounded by `timeout_seconds`; their failure lets the action
through or refuses it (`fail_open`). After-hooks and notifications (online,
offline, offline push) are queued to a bounded queue and sent by a worker
pool with retries, off the caller's path: a full queue drops the call and
counts it, so a slow or dead endpoint never slows messaging."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from fnmatch import fnmatchcase
from typing import Any

import aiohttp

from parley.clock import now_ms
from parley.config.settings import HookSettings
from parley.errors import R, denied, unavailable
from parley.hooks.signing import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sign,
)
from parley.observability import metrics

log = logging.getLogger("parley.hooks")

Payload = dict[str, Any]
# Builds the payloads of a queued call when a worker takes it (so expensive
# lookups, e.g. who is offline, run off the caller's path); [] sends nothing.
Builder = Callable[[], Awaitable[list[Payload]]]
MAX_ANSWER_BYTES = 1 << 20


class BadAnswer(Exception):
    """The hook answered, but not with a usable verdict."""


class Hooks:
    def __init__(self, settings: HookSettings, node_id: str = "") -> None:
        self.settings = settings
        self.url = settings.url
        self.enabled = bool(settings.url)
        self.node_id = node_id
        self._patterns = list(settings.events)
        self._wanted: dict[str, bool] = {}
        self._session: aiohttp.ClientSession | None = None
        self._queue: asyncio.Queue[tuple[str, Payload | Builder]] | None = None
        self._workers: list[asyncio.Task[None]] = []
        self.dropped = 0
        self._last_drop_log = 0.0

    # -- life cycle -------------------------------------------------------

    async def start(self) -> None:
        if not self.enabled:
            return
        s = self.settings
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=max(64, s.workers * 4), ttl_dns_cache=60),
            headers={"User-Agent": "parley-hooks/1", "Content-Type": "application/json"},
        )
        self._queue = asyncio.Queue(max(1, s.queue_size))
        loop = asyncio.get_running_loop()
        self._workers = [
            loop.create_task(self._work(), name=f"hook-worker-{i}")
            for i in range(max(1, s.workers))
        ]

    async def stop(self, drain_seconds: float = 2.0) -> None:
        """Gives queued calls `drain_seconds` to go out, then stops."""
        if self._queue is not None and self._workers:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._queue.join(), drain_seconds)
        for w in self._workers:
            w.cancel()
        for w in self._workers:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await w
        self._workers = []
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- which events -----------------------------------------------------

    def wants(self, event: str) -> bool:
        if not self.enabled:
            return False
        hit = self._wanted.get(event)
        if hit is None:
            hit = any(fnmatchcase(event, p) for p in self._patterns)
            self._wanted[event] = hit
        return hit

    def queue_depth(self) -> int:
        return self._queue.qsize() if self._queue is not None else 0

    # -- before-hooks -----------------------------------------------------

    async def before(self, subject: str, payload: Payload) -> Payload:
        """Calls `before.<subject>` and waits for its verdict. Returns the
        answer (`{}` when the event is off, or failed open); raises
        PERMISSION_DENIED / ERROR_REASON_DENIED_BY_HOOK with the hook's
        message on `deny`, and UNAVAILABLE / ERROR_REASON_DENIED_BY_HOOK when
        the hook failed and `fail_open` is false."""
        event = "before." + subject
        if not self.wants(event):
            return {}
        return await self.call_before(event, payload)

    async def call_before(self, event: str, payload: Payload) -> Payload:
        body = self._encode(event, payload)
        started = time.perf_counter()
        result = "ok"
        try:
            async with asyncio.timeout(self.settings.timeout_seconds):
                status, data = await self._post(event, body, uuid.uuid4().hex)
            answer = parse_answer(status, data)
        except TimeoutError:
            result = "timeout"
        except (aiohttp.ClientError, OSError, BadAnswer) as e:
            result = "error"
            log.warning("hook %s failed: %s", event, _brief(e), extra={"event": event})
        finally:
            metrics.HOOK_SECONDS.labels("before").observe(time.perf_counter() - started)
        if result != "ok":
            metrics.HOOK_CALLS.labels(event, result).inc()
            if self.settings.fail_open:
                return {}
            raise unavailable(
                R.ERROR_REASON_DENIED_BY_HOOK, "the app server's hook did not answer; try again"
            )
        action = answer.get("action", "allow")
        if action == "deny":
            metrics.HOOK_CALLS.labels(event, "denied").inc()
            message = answer.get("message")
            raise denied(
                R.ERROR_REASON_DENIED_BY_HOOK,
                message if isinstance(message, str) and message else "denied by the app server",
            )
        metrics.HOOK_CALLS.labels(event, "ok").inc()
        return answer

    # -- after-hooks ------------------------------------------------------

    def after(self, subject: str, payload: Payload | Builder) -> bool:
        """Queues `after.<subject>`; never waits."""
        return self.emit("after." + subject, payload)

    def emit(self, event: str, payload: Payload | Builder) -> bool:
        """Queues a call of `event`; never waits. False when the event is off
        or the queue is full (then the call is dropped and counted)."""
        if not self.wants(event) or self._queue is None:
            return False
        try:
            self._queue.put_nowait((event, payload))
        except asyncio.QueueFull:
            self.dropped += 1
            metrics.HOOK_CALLS.labels(event, "dropped").inc()
            now = time.monotonic()
            if now - self._last_drop_log > 10:
                self._last_drop_log = now
                log.warning("hook queue full: dropping calls (%d dropped so far)", self.dropped)
            return False
        return True

    async def _work(self) -> None:
        assert self._queue is not None
        while True:
            event, item = await self._queue.get()
            try:
                payloads = await item() if callable(item) else [item]
                for p in payloads:
                    await self._deliver(event, p)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("hook %s could not be built or sent", event)
            finally:
                self._queue.task_done()

    async def _deliver(self, event: str, payload: Payload) -> None:
        body = self._encode(event, payload)
        delivery = uuid.uuid4().hex  # the same on retries: the app can de-duplicate
        attempts = max(0, self.settings.retries) + 1
        result = "error"
        for attempt in range(attempts):
            started = time.perf_counter()
            try:
                async with asyncio.timeout(self.settings.after_timeout_seconds):
                    status, _ = await self._post(event, body, delivery)
                if 200 <= status < 300:
                    metrics.HOOK_CALLS.labels(event, "ok").inc()
                    return
                result = "error"
                if status < 500 and status != 429:
                    break  # the app refused it; sending it again will not help
            except TimeoutError:
                result = "timeout"
            except (aiohttp.ClientError, OSError):
                result = "error"
            finally:
                metrics.HOOK_SECONDS.labels("after").observe(time.perf_counter() - started)
            if attempt + 1 < attempts:
                await asyncio.sleep(min(0.2 * 2**attempt, 5.0))
        metrics.HOOK_CALLS.labels(event, result).inc()
        log.warning("hook %s failed after %d attempt(s): %s", event, attempts, result)

    # -- HTTP -------------------------------------------------------------

    def _encode(self, event: str, payload: Payload) -> bytes:
        doc = {"event": event, "time_ms": now_ms(), "node_id": self.node_id, **payload}
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()

    async def _post(self, event: str, body: bytes, delivery: str) -> tuple[int, bytes]:
        if self._session is None:
            raise aiohttp.ClientConnectionError("hooks are not started")
        ts = str(now_ms())
        headers = {EVENT_HEADER: event, DELIVERY_HEADER: delivery, TIMESTAMP_HEADER: ts}
        if self.settings.secret:
            headers[SIGNATURE_HEADER] = sign(self.settings.secret, ts, body)
        async with self._session.post(self.url, data=body, headers=headers) as resp:
            data = await resp.content.read(MAX_ANSWER_BYTES)
            return resp.status, data


def parse_answer(status: int, data: bytes) -> Payload:
    """A before-hook's verdict: 2xx with an empty body or
    `{"action": "allow" | "deny" | "replace", ...}`."""
    if not 200 <= status < 300:
        raise BadAnswer(f"HTTP {status}")
    if not data.strip():
        return {"action": "allow"}
    try:
        answer = json.loads(data)
    except ValueError as e:
        raise BadAnswer("answer is not JSON") from e
    if not isinstance(answer, dict):
        raise BadAnswer("answer is not a JSON object")
    action = answer.get("action", "allow")
    if action not in ("allow", "deny", "replace"):
        raise BadAnswer(f"unknown action {str(action)[:32]!r}")
    return answer


def _brief(e: BaseException) -> str:
    return f"{type(e).__name__}: {str(e)[:200]}"
