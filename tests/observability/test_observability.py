"""Metrics scraped and parsed, JSON logs with request ids and no message
content, and the health service while serving and draining."""

from __future__ import annotations

import asyncio
import json
import signal
import uuid

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from parley.admin.v1 import admin_pb2, admin_pb2_grpc
from parley.msg.v1 import message_pb2, msg_pb2
from tests.harness import ST, Api, Device, P, ServerProcess, bearer, scrape, value


async def start(proc: ServerProcess) -> Api:
    await asyncio.to_thread(proc.start)
    api = Api(proc.address, proc.admin_secret)
    await api.login_admin()
    return api


def text_to(recv: str, text: str) -> msg_pb2.SendMessageRequest:
    om = message_pb2.OutgoingMessage(
        client_msg_id=uuid.uuid4().hex, session_type=ST.SESSION_TYPE_SINGLE, recv_id=recv
    )
    om.content.text.text = text
    return msg_pb2.SendMessageRequest(message=om)


async def test_metrics_endpoint(fresh_server: ServerProcess) -> None:
    fresh_server.env.update(
        {"PARLEY_METRICS__ENABLED": "true", "PARLEY_METRICS__LISTEN": "127.0.0.1:0"}
    )
    api = await start(fresh_server)
    try:
        await api.register("m1", "m2")
        t1 = await api.token("m1")
        d = Device(api.address, await api.token("m2", P.PLATFORM_ANDROID), P.PLATFORM_ANDROID, "d")
        await d.open()
        before = scrape(fresh_server)
        for i in range(7):
            await api.msg.SendMessage(text_to("m2", f"n{i}"), metadata=bearer(t1))
        for _ in range(7):
            await d.next_frame("message")
        after = scrape(fresh_server)
        await d.close()
    finally:
        await api.close()

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("parley_messages_total", session="single", kind="text") == 7
    assert delta("parley_send_latency_seconds_count") == 7
    assert delta("parley_push_frames_total") == 7
    assert delta("parley_commit_latency_seconds_count") >= 1
    assert delta("parley_commit_batch_messages_sum") == 7
    assert delta("parley_rpc_requests_total", method="SendMessage", code="OK") == 7
    assert value(after, "parley_streams_open") == 1
    assert value(after, "parley_online_users") == 1
    assert value(after, "parley_stream_opens_total") == 1
    assert value(after, "parley_commit_batches_total") >= 1
    assert value(after, "parley_hook_queue_depth") == 0


async def test_json_logs_carry_request_ids_and_no_content(fresh_server: ServerProcess) -> None:
    fresh_server.env.update({"PARLEY_LOG_FORMAT": "json", "PARLEY_LOG_LEVEL": "DEBUG"})
    api = await start(fresh_server)
    secret_text = f"do-not-log-{uuid.uuid4().hex}"
    rid = f"req-{uuid.uuid4().hex[:8]}"
    try:
        await api.register("j1", "j2")
        t1 = await api.token("j1")
        await api.msg.SendMessage(text_to("j2", secret_text), metadata=bearer(t1))
        stub = admin_pb2_grpc.AdminServiceStub(api.channel)
        with pytest.raises(grpc.aio.AioRpcError):
            await stub.GetUser(
                admin_pb2.GetUserRequest(user_id="nobody"),
                metadata=(("authorization", f"Bearer {api.admin_token}"), ("x-request-id", rid)),
            )
    finally:
        await api.close()
        await asyncio.to_thread(fresh_server.stop)
    assert fresh_server.log_path is not None
    lines = fresh_server.log_path.read_text().splitlines()
    records = [json.loads(line) for line in lines if line.startswith("{")]
    assert records, lines
    for r in records:
        assert {"ts", "level", "logger", "msg"} <= r.keys()
    failed = [r for r in records if r.get("request_id") == rid]
    assert failed and failed[0]["code"] == "NOT_FOUND"
    assert "GetUser" in failed[0]["method"]
    # Every RPC got a request id (DEBUG logs the successful ones too).
    rpcs = [r for r in records if r["logger"] == "parley.rpc"]
    assert any("SendMessage" in r["msg"] for r in rpcs)
    assert all(r.get("request_id") for r in rpcs)
    assert secret_text not in fresh_server.log_path.read_text()


async def test_health_not_serving_while_draining(fresh_server: ServerProcess) -> None:
    fresh_server.env["PARLEY_GRACE_SECONDS"] = "3"
    await asyncio.to_thread(fresh_server.start)
    channel = grpc.aio.insecure_channel(fresh_server.address)
    health = health_pb2_grpc.HealthStub(channel)
    try:
        names = ["", "parley.msg.v1.MsgService", "parley.admin.v1.AdminService"]
        watches = [health.Watch(health_pb2.HealthCheckRequest(service=n)) for n in names]
        for w in watches:
            first = await asyncio.wait_for(w.read(), 5)
            assert first.status == health_pb2.HealthCheckResponse.SERVING
        assert fresh_server.proc is not None
        fresh_server.proc.send_signal(signal.SIGTERM)
        for w in watches:
            nxt = await asyncio.wait_for(w.read(), 5)
            assert nxt.status == health_pb2.HealthCheckResponse.NOT_SERVING
        for w in watches:
            w.cancel()
    finally:
        await channel.close()
        await asyncio.to_thread(fresh_server.stop)
