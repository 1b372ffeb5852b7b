// End-to-end test against a running Parley server.
//   PARLEY_TEST_ADDR          host:port of the server (plaintext gRPC); required
//   PARLEY_TEST_ADMIN_SECRET  the server's admin secret
// Run: npm test (builds first). tests/clients/test_ts.py runs it under pytest.
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { connectParley, ErrorReason, errorInfo, errorReason, isReason, openGateway, withToken } from "../client.js";
import { Platform, SessionType } from "../gen/parley/common/v1/common_pb.js";
import {
  call,
  describeFrame,
  errText,
  FrameReader,
  onlinePair,
  openSession,
  registerPair,
  SDK_VERSION,
  sendText,
  serverUnderTest,
  shutDown,
  textOf,
  WAIT_MS,
} from "./harness.js";

test("parley e2e: tokens, gateway send/push, pull", { timeout: 120_000 }, async () => {
  const { addr, secret } = serverUnderTest();
  const api = connectParley({ address: addr, timeoutMs: WAIT_MS });
  const readers: FrameReader[] = [];
  try {
    const { a, b, tokB, ra, rb } = await onlinePair(api, secret, readers);

    // Heartbeat.
    const t0 = BigInt(Date.now());
    ra.stream.send({ requestId: "p1", body: { case: "ping", value: { clientTimeMs: t0 } } });
    const pong = await ra.waitFor("pong", "pong (answer to ping)", { requestId: "p1" });
    assert.equal(pong.body.value.clientTimeMs, t0, "pong does not echo the ping's client time");
    assert.ok(pong.body.value.serverTimeMs > 0n, "pong has no server time");

    // A sends a text to B.
    const text = "hello from ts";
    const clientMsgId = sendText(ra, "2", b, text);
    const ackFrame = await ra.waitFor("sendAck", "send ack", { requestId: "2" });
    const ack = ackFrame.body.value.ack;
    assert.ok(ack, "send ack frame has no ack");
    const [lo, hi] = [a, b].sort();
    const conversationId = `si_${lo}_${hi}`;
    assert.equal(ack.clientMsgId, clientMsgId);
    assert.equal(ack.conversationId, conversationId);
    assert.ok(ack.seq >= 1n, `ack seq ${ack.seq} < 1`);
    assert.ok(ack.serverMsgId, "ack has no server message id");

    // B gets it pushed.
    const pushed = await rb.waitFor("message", "pushed message", {
      pred: (f) => f.body.value.message?.clientMsgId === clientMsgId,
    });
    const pm = pushed.body.value.message!;
    assert.equal(pushed.requestId, "", "pushes carry no request id");
    assert.equal(pm.seq, ack.seq);
    assert.equal(pm.conversationId, conversationId);
    assert.equal(pm.senderId, a);
    assert.equal(textOf(pm.content), text);

    // B pulls it.
    const pulled = await call(
      "MsgService.PullMessages",
      api.msg.pullMessages({ ranges: [{ conversationId, begin: 1n, end: ack.seq }] }, withToken(tokB)),
    );
    assert.equal(pulled.results.length, 1, "one result per range");
    const got = pulled.results[0]!.messages.find((m) => m.seq === ack.seq);
    assert.ok(got, `pulled messages lack seq ${ack.seq}: ${pulled.results[0]!.messages.map((m) => m.seq).join(",")}`);
    assert.equal(got.clientMsgId, clientMsgId);
    assert.equal(got.serverMsgId, ack.serverMsgId);
    assert.equal(textOf(got.content), text);
  } finally {
    await shutDown(api, readers);
  }
});

test("parley e2e: error reasons of a unary call, an ErrorFrame and a refused stream", { timeout: 120_000 }, async () => {
  const { addr, secret } = serverUnderTest();
  const api = connectParley({ address: addr, timeoutMs: WAIT_MS });
  const readers: FrameReader[] = [];
  try {
    const { a, tokA } = await registerPair(api, secret);
    const nobody = `ts-nobody-${randomBytes(6).toString("hex")}`;
    const toNobody = (clientMsgId: string) => ({
      clientMsgId,
      sessionType: SessionType.SINGLE,
      recvId: nobody,
      content: { kind: { case: "text" as const, value: { text: "anyone there?" } } },
    });

    // Unary: the reason travels as a google.rpc.ErrorInfo detail of the status.
    const unaryFailure = await api.msg.sendMessage({ message: toNobody(randomUUID()) }, withToken(tokA)).then(
      (ok) => assert.fail(`SendMessage to an unknown user succeeded: ${JSON.stringify(ok.ack?.serverMsgId)}`),
      (err: unknown) => err,
    );
    assert.ok(unaryFailure instanceof ConnectError, `SendMessage failed with a non-ConnectError: ${errText(unaryFailure)}`);
    const unary = errorInfo(unaryFailure);
    assert.equal(unary?.reasonName, "ERROR_REASON_USER_NOT_FOUND", `unary failure: ${errText(unaryFailure)}`);
    assert.equal(errorReason(unaryFailure), ErrorReason.USER_NOT_FOUND);
    assert.ok(isReason(unaryFailure, ErrorReason.USER_NOT_FOUND));
    assert.equal(unary?.code, Code.NotFound);

    // Stream: the same refusal as an ErrorFrame; the stream stays open.
    const ra = await openSession(api, "A", a, tokA);
    readers.push(ra);
    const clientMsgId = randomUUID();
    ra.stream.send({ requestId: "s1", body: { case: "send", value: { message: toNobody(clientMsgId) } } });
    const frame = await ra.waitFor("error", "error frame (answer to a send to an unknown user)", { requestId: "s1" });
    assert.equal(errorReason(frame), ErrorReason.USER_NOT_FOUND, `error frame: ${describeFrame(frame)}`);
    assert.ok(isReason(frame.body.value, ErrorReason.USER_NOT_FOUND));
    const framed = errorInfo(frame);
    assert.equal(framed?.code, Code.NotFound);
    assert.equal(framed?.clientMsgId, clientMsgId);
    ra.stream.send({ requestId: "p1", body: { case: "ping", value: { clientTimeMs: 1n } } });
    await ra.waitFor("pong", "pong after the error frame (the stream stays open)", { requestId: "p1" });

    // A stream the server refuses ends with a status, read the same way as a unary failure.
    const refused = new FrameReader("bad-token", openGateway(api.gateway));
    readers.push(refused);
    refused.stream.send({
      requestId: "1",
      body: { case: "auth", value: { token: "not-a-token", platform: Platform.WEB, deviceId: "ts-bad", sdkVersion: SDK_VERSION } },
    });
    const ending = await refused.end();
    assert.ok(ending instanceof ConnectError, `a stream with a bad token ended with: ${ending === undefined ? "no error" : errText(ending)}`);
    assert.equal(errorReason(ending), ErrorReason.TOKEN_INVALID, `refused stream: ${errText(ending)}`);
    assert.equal(ending.code, Code.Unauthenticated);
  } finally {
    await shutDown(api, readers);
  }
});
