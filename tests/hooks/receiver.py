"""A real HTTP webhook receiver (aiohttp) in the test process, on loopback:
records every call, verifies its signature, and answers before-hooks with
whatever the test decides."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from parley.hooks.signing import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify,
)

Answer = Callable[[dict[str, Any]], dict[str, Any] | None]


@dataclass
class Call:
    path: str
    event: str
    body: bytes
    doc: dict[str, Any]
    headers: dict[str, str]
    signed: bool


@dataclass
class HookReceiver:
    secret: str
    calls: list[Call] = field(default_factory=list)
    # Answers before-hooks: None -> empty 200 (allow).
    answer: Answer | None = None
    # Seconds the /slow path waits before answering.
    slow_seconds: float = 5.0
    port: int = 0
    _runner: web.AppRunner | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    @property
    def slow_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slow"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        app.router.add_post("/slow", self._slow)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _record(self, request: web.Request) -> Call:
        body = await request.read()
        headers = dict(request.headers)
        signed = verify(
            self.secret,
            headers.get(TIMESTAMP_HEADER, ""),
            body,
            headers.get(SIGNATURE_HEADER, ""),
        )
        call = Call(
            request.path, headers.get(EVENT_HEADER, ""), body, json.loads(body), headers, signed
        )
        self.calls.append(call)
        self._changed.set()
        return call

    async def _handle(self, request: web.Request) -> web.Response:
        call = await self._record(request)
        if call.event.startswith("before.") and self.answer is not None:
            answer = self.answer(call.doc)
            if answer is not None:
                return web.json_response(answer)
        return web.Response(status=200)

    async def _slow(self, request: web.Request) -> web.Response:
        await self._record(request)
        await asyncio.sleep(self.slow_seconds)
        return web.Response(status=200)

    def of(self, event: str, pred: Callable[[dict[str, Any]], bool] | None = None) -> list[Call]:
        return [c for c in self.calls if c.event == event and (pred is None or pred(c.doc))]

    async def wait_for(
        self,
        event: str,
        pred: Callable[[dict[str, Any]], bool] | None = None,
        timeout: float = 10.0,
    ) -> Call:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = self.of(event, pred)
            if found:
                return found[0]
            left = deadline - loop.time()
            if left <= 0:
                seen = sorted({c.event for c in self.calls})
                raise AssertionError(f"no {event} call within {timeout}s (seen: {seen})")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), left)
            except TimeoutError:
                pass


def dead_url() -> str:
    """A loopback URL where nothing listens (the port was just free)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


def delivery_id(call: Call) -> str:
    return call.headers.get(DELIVERY_HEADER, "")
