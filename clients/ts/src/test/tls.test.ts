// The client over TLS: a server with the certificate of `parley dev-cert`,
// trusted through its CA file (the `ca` node option), never by turning
// verification off.
//   PARLEY_TEST_TLS_ADDR          host:port of a TLS server
//   PARLEY_TEST_TLS_CA            the CA file to trust (dev-cert's cert.pem)
//   PARLEY_TEST_TLS_ADMIN_SECRET  that server's admin secret
// Skipped when PARLEY_TEST_TLS_ADDR is unset; tests/clients/test_ts.py sets all
// three and fails on a skip.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { ConnectError } from "@connectrpc/connect";
import { connectParley } from "../client.js";
import { errText, onlinePair, sendText, shutDown, textOf, WAIT_MS, type FrameReader } from "./harness.js";

const addr = process.env.PARLEY_TEST_TLS_ADDR ?? "";
const caFile = process.env.PARLEY_TEST_TLS_CA ?? "";
const secret = process.env.PARLEY_TEST_TLS_ADMIN_SECRET ?? "";
const skip = addr ? false : "PARLEY_TEST_TLS_ADDR is not set (pytest tests/clients/test_ts.py starts a TLS server)";

test("parley over TLS: an untrusted certificate and cleartext are refused", { skip, timeout: 60_000 }, async () => {
  for (const [what, api] of [
    ["system roots only", connectParley({ address: `https://${addr}`, timeoutMs: WAIT_MS })],
    ["cleartext", connectParley({ address: addr, timeoutMs: WAIT_MS })],
  ] as const) {
    try {
      const failure = await api.auth.getAdminToken({ secret }).then(
        () => assert.fail(`${what}: a call to the TLS port succeeded`),
        (err: unknown) => err,
      );
      assert.ok(failure instanceof ConnectError, `${what}: ${errText(failure)}`);
      // Node's TLS stack says why it refused the chain ("self-signed certificate").
      if (what === "system roots only") assert.match(failure.rawMessage, /certificate/, errText(failure));
    } finally {
      api.close();
    }
  }
});

test("parley over TLS: unary calls, the gateway stream's auth, a send and its push", { skip, timeout: 120_000 }, async () => {
  const api = connectParley({ address: `https://${addr}`, timeoutMs: WAIT_MS, nodeOptions: { ca: readFileSync(caFile) } });
  const readers: FrameReader[] = [];
  try {
    const { b, ra, rb } = await onlinePair(api, secret, readers);
    const clientMsgId = sendText(ra, "2", b, "over TLS");
    const ack = (await ra.waitFor("sendAck", "send ack", { requestId: "2" })).body.value.ack;
    assert.ok(ack && ack.seq >= 1n, "the send ack has no seq");
    const pushed = await rb.waitFor("message", "pushed message", { pred: (f) => f.body.value.message?.clientMsgId === clientMsgId });
    assert.equal(textOf(pushed.body.value.message?.content), "over TLS");
    assert.equal(pushed.body.value.message?.seq, ack.seq);
  } finally {
    await shutDown(api, readers);
  }
});
