"""The adapter's handling of what Parley's services cannot be made to do on
demand, on a real web listener in this process: a server stream that fails
after its first message keeps its status and reason, and an unexpected
exception becomes INTERNAL with its reason (never Connect's UNKNOWN)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import grpc
from grpc_health.v1 import health_pb2

from parley.config import Settings
from parley.config.settings import WebSettings
from parley.errors import R, invalid
from parley.web.adapter import HandlerTable
from parley.web.serve import web_listener
from tests.web.client import connect_reason, envelope, envelopes, grpc_web, grpc_web_reason, post

HEALTH = "grpc.health.v1.Health"
STATUS = health_pb2.HealthCheckResponse


async def _watch(request: Any, context: Any) -> AsyncIterator[Any]:
    yield STATUS(status=STATUS.SERVING)
    await context.abort_with_status(
        invalid("watched too long", R.ERROR_REASON_RATE_LIMITED).to_status()
    )


async def _check(request: Any, context: Any) -> Any:
    raise RuntimeError("a bug")


def _table() -> HandlerTable:
    table = HandlerTable()
    table.add_generic_rpc_handlers(
        (
            grpc.method_handlers_generic_handler(
                HEALTH,
                {
                    "Watch": grpc.unary_stream_rpc_method_handler(
                        _watch,
                        request_deserializer=health_pb2.HealthCheckRequest.FromString,
                        response_serializer=STATUS.SerializeToString,
                    ),
                    "Check": grpc.unary_unary_rpc_method_handler(
                        _check,
                        request_deserializer=health_pb2.HealthCheckRequest.FromString,
                        response_serializer=STATUS.SerializeToString,
                    ),
                },
            ),
        )
    )
    return table


async def test_stream_failure_and_unexpected_error_keep_a_reason() -> None:
    settings = Settings(web=WebSettings(enabled=True, listen="127.0.0.1:0"))
    listener = await web_listener(settings, [HEALTH], _table(), [])
    assert listener is not None
    url = f"http://127.0.0.1:{listener.port}"
    request = health_pb2.HealthCheckRequest()
    try:
        reply = await asyncio.to_thread(
            post,
            url,
            f"/{HEALTH}/Watch",
            envelope(request.SerializeToString()),
            {"content-type": "application/connect+proto", "connect-protocol-version": "1"},
        )
        frames = list(envelopes(reply.body))
        assert [f for f, _ in frames] == [0, 0x02]
        assert STATUS.FromString(frames[0][1]).status == STATUS.SERVING
        end = json.loads(frames[1][1])["error"]
        assert end["code"] == "invalid_argument"
        assert connect_reason(end) == "ERROR_REASON_RATE_LIMITED"

        web = await asyncio.to_thread(grpc_web, url, f"/{HEALTH}/Watch", request)
        assert len(web.messages) == 1
        assert web.trailers["grpc-status"] == str(grpc.StatusCode.INVALID_ARGUMENT.value[0])
        assert grpc_web_reason(web.trailers) == "ERROR_REASON_RATE_LIMITED"

        check = await asyncio.to_thread(
            post,
            url,
            f"/{HEALTH}/Check",
            request.SerializeToString(),
            {"content-type": "application/proto", "connect-protocol-version": "1"},
        )
        assert check.json()["code"] == "internal"
        assert connect_reason(check.json()) == "ERROR_REASON_INTERNAL"
    finally:
        await listener.stop()
