"""A dead or slow hook endpoint: fail-open lets sends through, fail-closed
refuses them, and neither slows messaging beyond the before-hook timeout."""

from __future__ import annotations

import re
import time
import urllib.request
import uuid

import grpc
import pytest
from prometheus_client.parser import text_string_to_metric_families

from parley.msg.v1 import message_pb2, msg_pb2
from tests.harness import ST, Api, bearer, error_reason, new_user_id
from tests.hooks.conftest import SECRET, start_server, stop_server
from tests.hooks.receiver import HookReceiver, dead_url


def text_to(recv: str, text: str) -> msg_pb2.SendMessageRequest:
    om = message_pb2.OutgoingMessage(
        client_msg_id=uuid.uuid4().hex, session_type=ST.SESSION_TYPE_SINGLE, recv_id=recv
    )
    om.content.text.text = text
    return msg_pb2.SendMessageRequest(message=om)


async def pair(api: Api) -> tuple[str, str, str]:
    a, b = new_user_id("f"), new_user_id("f")
    await api.register(a, b)
    return a, await api.token(a), b


async def test_dead_endpoint_fail_closed(tmp_path) -> None:
    proc, api = await start_server(
        tmp_path / "data",
        {
            "PARLEY_HOOKS__URL": dead_url(),
            "PARLEY_HOOKS__SECRET": SECRET,
            "PARLEY_HOOKS__FAIL_OPEN": "false",
            "PARLEY_HOOKS__TIMEOUT_SECONDS": "1",
        },
    )
    try:
        _, ta, b = await pair(api)
        started = time.monotonic()
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await api.msg.SendMessage(text_to(b, "hi"), metadata=bearer(ta))
        assert time.monotonic() - started < 1.5
        assert info.value.code() == grpc.StatusCode.UNAVAILABLE
        assert error_reason(info.value) == "ERROR_REASON_DENIED_BY_HOOK"
    finally:
        await stop_server(proc, api)


async def test_dead_endpoint_fail_open(tmp_path) -> None:
    proc, api = await start_server(
        tmp_path / "data",
        {"PARLEY_HOOKS__URL": dead_url(), "PARLEY_HOOKS__SECRET": SECRET},
    )
    try:
        _, ta, b = await pair(api)
        for i in range(3):
            resp = await api.msg.SendMessage(text_to(b, f"hi {i}"), metadata=bearer(ta))
            assert resp.ack.seq == i + 1
    finally:
        await stop_server(proc, api)


def scrape(log_text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    port = re.findall(r"metrics on http://127\.0\.0\.1:(\d+)/metrics", log_text)[-1]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        text = r.read().decode()
    out = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


async def test_slow_endpoint_bounded_by_timeout_and_queue(tmp_path, receiver: HookReceiver) -> None:
    receiver.slow_seconds = 5.0
    proc, api = await start_server(
        tmp_path / "data",
        {
            "PARLEY_HOOKS__URL": receiver.slow_url,
            "PARLEY_HOOKS__SECRET": SECRET,
            "PARLEY_HOOKS__TIMEOUT_SECONDS": "0.3",
            "PARLEY_HOOKS__AFTER_TIMEOUT_SECONDS": "10",
            "PARLEY_HOOKS__RETRIES": "0",
            "PARLEY_HOOKS__QUEUE_SIZE": "3",
            "PARLEY_HOOKS__WORKERS": "1",
            "PARLEY_METRICS__ENABLED": "true",
            "PARLEY_METRICS__LISTEN": "127.0.0.1:0",
            # Stopping waits this long for queued after-hooks to drain.
            "PARLEY_GRACE_SECONDS": "1",
        },
    )
    try:
        a, ta, b = await pair(api)
        # Before-send waits at most the timeout, then fails open.
        started = time.monotonic()
        await api.msg.SendMessage(text_to(b, "slow hook"), metadata=bearer(ta))
        assert 0.25 < time.monotonic() - started < 1.5
        await stop_server(proc, api)

        # After-hooks only: sends do not wait for the slow endpoint at all,
        # and what does not fit the queue is dropped and counted.
        proc.env["PARLEY_HOOKS__EVENTS"] = '["after.*", "push.offline"]'
        proc, api = await start_server(proc.data_dir, proc.env)
        ta = await api.token(a)
        started = time.monotonic()
        for i in range(20):
            await api.msg.SendMessage(text_to(b, f"fast {i}"), metadata=bearer(ta))
        assert time.monotonic() - started < 3.0
        metrics = scrape(proc.log_tail(200))
        dropped = sum(
            v
            for (name, labels), v in metrics.items()
            if name == "parley_hook_calls_total" and ("result", "dropped") in labels
        )
        assert dropped > 0
    finally:
        await stop_server(proc, api)
