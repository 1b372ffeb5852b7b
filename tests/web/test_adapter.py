"""Parley's services over the web protocols, on a real `parley serve`: the
same handlers as the gRPC port answer Connect (JSON and binary) and gRPC-Web
over HTTP/1.1, with the same authentication and the same error reasons."""

from __future__ import annotations

import http.client
import struct
from urllib.parse import urlsplit

import grpc
import pytest
from grpc_health.v1 import health_pb2

from parley.auth.v1 import auth_pb2
from parley.gateway.v1 import gateway_pb2
from parley.user.v1 import user_pb2
from tests.harness import Api, ServerProcess, new_user_id
from tests.web.client import (
    connect_json,
    connect_proto,
    connect_reason,
    envelope,
    grpc_reason_of,
    grpc_web,
    grpc_web_reason,
    post,
    web_url,
)

GET_USERS = "/parley.user.v1.UserService/GetUsers"


def test_connect_json_unary_gets_an_admin_token(web_server: ServerProcess) -> None:
    reply = connect_json(
        web_url(web_server),
        "/parley.auth.v1.AuthService/GetAdminToken",
        auth_pb2.GetAdminTokenRequest(secret=web_server.admin_secret),
    )
    assert reply.status == 200, reply.body
    assert reply.headers["content-type"] == "application/json"
    assert reply.json()["token"].count(".") == 2


async def test_connect_binary_unary_reads_what_grpc_wrote(
    web_server: ServerProcess, web_api: Api
) -> None:
    user = new_user_id("web")
    await web_api.register(user)
    reply = connect_proto(
        web_url(web_server),
        GET_USERS,
        user_pb2.GetUsersRequest(user_ids=[user]),
        web_api.admin_token,
    )
    assert reply.status == 200, reply.body
    got = user_pb2.GetUsersResponse.FromString(reply.body)
    assert [u.user_id for u in got.users] == [user]


async def test_grpc_web_unary(web_server: ServerProcess, web_api: Api) -> None:
    user = new_user_id("gw")
    await web_api.register(user)
    reply = grpc_web(
        web_url(web_server),
        GET_USERS,
        user_pb2.GetUsersRequest(user_ids=[user]),
        web_api.admin_token,
    )
    assert reply.status == 200
    assert reply.headers["content-type"] == "application/grpc-web+proto"
    assert reply.trailers["grpc-status"] == "0"
    [message] = reply.messages
    assert [u.user_id for u in user_pb2.GetUsersResponse.FromString(message).users] == [user]


async def test_unauthenticated_call_refused_with_the_reason_grpc_gives(
    web_server: ServerProcess, web_api: Api
) -> None:
    request = user_pb2.GetUsersRequest(user_ids=["x"])
    with pytest.raises(grpc.aio.AioRpcError) as native:
        await web_api.users.GetUsers(request)
    assert native.value.code() == grpc.StatusCode.UNAUTHENTICATED
    grpc_reason = grpc_reason_of(native.value)
    assert grpc_reason == "ERROR_REASON_TOKEN_MISSING"

    url = web_url(web_server)
    connect = connect_json(url, GET_USERS, request)
    assert connect.status == 401
    assert connect.json()["code"] == "unauthenticated"
    assert connect_reason(connect.json()) == grpc_reason

    web = grpc_web(url, GET_USERS, request)
    assert web.trailers["grpc-status"] == str(grpc.StatusCode.UNAUTHENTICATED.value[0])
    assert grpc_web_reason(web.trailers) == grpc_reason


def test_bad_token_refused_with_its_reason(web_server: ServerProcess) -> None:
    reply = connect_json(
        web_url(web_server), GET_USERS, user_pb2.GetUsersRequest(user_ids=["x"]), "not-a-token"
    )
    assert reply.status == 401
    assert connect_reason(reply.json()) == "ERROR_REASON_TOKEN_INVALID"


async def test_validation_runs_as_on_grpc(web_server: ServerProcess, web_api: Api) -> None:
    # Over the page size bound: api/validation.py refuses it before the servicer.
    request = user_pb2.GetUsersRequest(user_ids=[f"u{i}" for i in range(2000)])
    with pytest.raises(grpc.aio.AioRpcError) as native:
        await web_api.users.GetUsers(
            request, metadata=(("authorization", f"Bearer {web_api.admin_token}"),)
        )
    reply = connect_proto(web_url(web_server), GET_USERS, request, web_api.admin_token)
    assert reply.json()["code"] == native.value.code().name.lower()
    assert connect_reason(reply.json()) == grpc_reason_of(native.value)


def test_undecodable_json_is_invalid_argument_with_a_reason(web_server: ServerProcess) -> None:
    reply = post(
        web_url(web_server),
        "/parley.auth.v1.AuthService/GetAdminToken",
        b'{"secret": 12',
        {"content-type": "application/json", "connect-protocol-version": "1"},
    )
    assert reply.status == 400
    assert reply.json()["code"] == "invalid_argument"
    assert connect_reason(reply.json()) == "ERROR_REASON_INVALID_ARGUMENT"


def test_undecodable_binary_is_invalid_argument_with_a_reason(web_server: ServerProcess) -> None:
    reply = post(
        web_url(web_server),
        "/parley.auth.v1.AuthService/GetAdminToken",
        b"\xff\xff\xff",
        {"content-type": "application/proto", "connect-protocol-version": "1"},
    )
    assert reply.json()["code"] == "invalid_argument"
    assert connect_reason(reply.json()) == "ERROR_REASON_INVALID_ARGUMENT"


def test_bidi_stream_is_unimplemented_with_a_reason(web_server: ServerProcess) -> None:
    reply = grpc_web(
        web_url(web_server), "/parley.gateway.v1.GatewayService/Connect", gateway_pb2.ClientFrame()
    )
    assert reply.trailers["grpc-status"] == str(grpc.StatusCode.UNIMPLEMENTED.value[0])
    assert grpc_web_reason(reply.trailers) == "ERROR_REASON_UNIMPLEMENTED"
    assert "gRPC port" in reply.trailers["grpc-message"]


def test_unknown_method_is_not_found(web_server: ServerProcess) -> None:
    reply = connect_json(
        web_url(web_server), "/parley.user.v1.UserService/NoSuchMethod", user_pb2.GetUsersRequest()
    )
    assert reply.status == 404


def test_server_stream_over_connect(web_server: ServerProcess) -> None:
    """Health.Watch, a server-streaming method written with context.write,
    over the Connect streaming protocol: its first message is SERVING."""
    parts = urlsplit(web_url(web_server))
    conn = http.client.HTTPConnection(parts.netloc, timeout=15)
    try:
        conn.request(
            "POST",
            "/grpc.health.v1.Health/Watch",
            body=envelope(health_pb2.HealthCheckRequest().SerializeToString()),
            headers={"content-type": "application/connect+proto", "connect-protocol-version": "1"},
        )
        r = conn.getresponse()
        assert r.status == 200
        assert r.getheader("content-type") == "application/connect+proto"
        flags, size = struct.unpack(">BI", r.read(5))
        assert flags == 0
        first = health_pb2.HealthCheckResponse.FromString(r.read(size))
        assert first.status == health_pb2.HealthCheckResponse.SERVING
    finally:
        conn.close()
