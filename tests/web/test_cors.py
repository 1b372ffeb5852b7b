"""CORS on the web listener (parley.web.cors): the preflight a browser sends
before a Connect or gRPC-Web call, allowed for the configured origin only,
and the headers that let the page read the answer."""

from __future__ import annotations

from parley.auth.v1 import auth_pb2
from tests.harness import ServerProcess
from tests.web.client import connect_json, post, web_url
from tests.web.conftest import ALLOWED_ORIGIN

PATH = "/parley.auth.v1.AuthService/GetAdminToken"
PREFLIGHT = {
    "access-control-request-method": "POST",
    "access-control-request-headers": "authorization,connect-protocol-version,content-type",
}


def preflight(url: str, origin: str) -> tuple[int, dict[str, str]]:
    reply = post(url, PATH, b"", {"origin": origin, **PREFLIGHT}, method="OPTIONS")
    return reply.status, reply.headers


def test_preflight_allowed_for_the_configured_origin(web_server: ServerProcess) -> None:
    status, headers = preflight(web_url(web_server), ALLOWED_ORIGIN)
    assert status == 204
    assert headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "POST" in headers["access-control-allow-methods"]
    allowed = {h.strip() for h in headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "connect-protocol-version", "content-type", "x-grpc-web"} <= allowed


def test_preflight_refused_for_another_origin(web_server: ServerProcess) -> None:
    status, headers = preflight(web_url(web_server), "http://evil.example")
    assert status == 403
    assert "access-control-allow-origin" not in headers


def test_call_from_the_allowed_origin_is_readable(web_server: ServerProcess) -> None:
    reply = connect_json(
        web_url(web_server),
        PATH,
        auth_pb2.GetAdminTokenRequest(secret=web_server.admin_secret),
        origin=ALLOWED_ORIGIN,
    )
    assert reply.status == 200
    assert reply.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "grpc-status-details-bin" in reply.headers["access-control-expose-headers"]


def test_call_from_another_origin_gets_no_cors_headers(web_server: ServerProcess) -> None:
    reply = connect_json(
        web_url(web_server),
        PATH,
        auth_pb2.GetAdminTokenRequest(secret=web_server.admin_secret),
        origin="http://evil.example",
    )
    assert "access-control-allow-origin" not in reply.headers
