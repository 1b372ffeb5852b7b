// The web listener (Connect and gRPC-Web) from Node, as a browser app's code
// would call it: Connect-ES transports over HTTP/1.1 (and HTTP/2 cleartext).
//   PARLEY_TEST_WEB_URL       the server's web listener, e.g. http://127.0.0.1:8080
//   PARLEY_TEST_ADMIN_SECRET  the server's admin secret
// tests/web/test_node.py builds the package and runs it under pytest.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { createParleyClients, ErrorReason, errorInfo, withToken } from "../core.js";

const baseUrl = process.env.PARLEY_TEST_WEB_URL ?? "";
const secret = process.env.PARLEY_TEST_ADMIN_SECRET ?? "";

const transports: [string, () => Transport][] = [
  ["Connect JSON over HTTP/1.1", () => createConnectTransport({ baseUrl, httpVersion: "1.1" })],
  ["Connect binary over HTTP/1.1", () => createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: true })],
  ["gRPC-Web over HTTP/1.1", () => createGrpcWebTransport({ baseUrl, httpVersion: "1.1" })],
  ["Connect over HTTP/2", () => createConnectTransport({ baseUrl, httpVersion: "2" })],
  ["gRPC-Web over HTTP/2", () => createGrpcWebTransport({ baseUrl, httpVersion: "2" })],
];

for (const [name, make] of transports) {
  test(`${name}: a user registered and read back, a refusal with its reason`, async () => {
    assert.ok(baseUrl, "PARLEY_TEST_WEB_URL is not set");
    const c = createParleyClients(make());
    const { token } = await c.auth.getAdminToken({ secret });
    const userId = `web-${randomUUID().slice(0, 8)}`;
    await c.user.registerUsers({ users: [{ userId, nickname: name }] }, withToken(token));
    const got = await c.user.getUsers({ userIds: [userId] }, withToken(token));
    assert.deepEqual(
      got.users.map((u) => [u.userId, u.nickname]),
      [[userId, name]],
    );

    // No token: the same refusal, and the same ErrorInfo reason, as over gRPC.
    const refused = await c.user.getUsers({ userIds: [userId] }).then(
      () => assert.fail("a call without a token was answered"),
      (err: unknown) => err,
    );
    assert.ok(refused instanceof ConnectError, String(refused));
    assert.equal(refused.code, Code.Unauthenticated);
    assert.equal(errorInfo(refused)?.reason, ErrorReason.TOKEN_MISSING);
  });
}
