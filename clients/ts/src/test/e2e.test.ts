// End-to-end test against a running Parley server.
//   PARLEY_TEST_ADDR          host:port of the server (plaintext gRPC); required
//   PARLEY_TEST_ADMIN_SECRET  the server's admin secret
// Run: npm test (builds first). tests/clients/test_ts.py runs it under pytest.
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  connectParley,
  ErrorReason,
  errorInfo,
  errorReason,
  isReason,
  openGateway,
  withToken,
  type GatewayStream,
  type ParleyClients,
} from "../client.js";
import { Platform, SessionType } from "../gen/parley/common/v1/common_pb.js";
import type { ServerFrame } from "../gen/parley/gateway/v1/gateway_pb.js";
import type { Content } from "../gen/parley/msg/v1/content_pb.js";

const WAIT_MS = 10_000;
const SDK_VERSION = "parley-ts-test/0.1";

type Case = NonNullable<ServerFrame["body"]["case"]>;
type FrameOf<C extends Case> = ServerFrame & { body: Extract<ServerFrame["body"], { case: C }> };

function describeFrame(f: ServerFrame): string {
  const err = f.body.case === "error" ? `, error: code ${f.body.value.code} reason ${f.body.value.reason} ${f.body.value.message}` : "";
  return `{requestId: ${JSON.stringify(f.requestId)}, case: ${f.body.case}${err}}`;
}

function textOf(content: Content | undefined): string | undefined {
  return content?.kind.case === "text" ? content.kind.value.text : undefined;
}

/** Reads one gateway stream in the background and lets the test wait for frames. */
class FrameReader {
  private readonly frames: ServerFrame[] = [];
  private readonly used = new Set<ServerFrame>();
  private ended = false;
  private failure: unknown;
  private notify: (() => void)[] = [];
  readonly done: Promise<void>;

  constructor(
    readonly name: string,
    readonly stream: GatewayStream,
  ) {
    this.done = (async () => {
      try {
        for await (const f of stream.frames) {
          this.frames.push(f);
          this.wakeAll();
        }
      } catch (err) {
        this.failure = err;
      } finally {
        this.ended = true;
        this.wakeAll();
      }
    })();
  }

  /** Waits (at most WAIT_MS) for the stream to end; gives the error it ended with, if any. */
  async end(): Promise<unknown> {
    const timeout = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), WAIT_MS).unref());
    if ((await Promise.race([this.done, timeout])) === "timeout") {
      assert.fail(`${this.name}: stream still open after ${WAIT_MS} ms; frames received: ${this.frames.map(describeFrame).join(", ") || "none"}`);
    }
    return this.failure;
  }

  private wakeAll(): void {
    const n = this.notify;
    this.notify = [];
    for (const fn of n) fn();
  }

  /**
   * Waits (at most WAIT_MS) for the first unread frame of kind `kind` that
   * matches `pred`. An error frame echoing `requestId` fails at once, unless
   * the error is what is awaited.
   */
  async waitFor<C extends Case>(
    kind: C,
    what: string,
    opts: { requestId?: string; pred?: (f: FrameOf<C>) => boolean } = {},
  ): Promise<FrameOf<C>> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      for (const f of this.frames) {
        if (this.used.has(f)) continue;
        if (kind !== "error" && opts.requestId !== undefined && f.requestId === opts.requestId && f.body.case === "error") {
          this.used.add(f);
          assert.fail(`${this.name}: waiting for ${what}, got error frame ${describeFrame(f)}`);
        }
        if (f.body.case !== kind) continue;
        if (opts.requestId !== undefined && f.requestId !== opts.requestId) continue;
        const typed = f as FrameOf<C>;
        if (opts.pred && !opts.pred(typed)) continue;
        this.used.add(f);
        return typed;
      }
      const seen = this.frames.map(describeFrame).join(", ") || "none";
      if (this.ended) {
        assert.fail(
          `${this.name}: stream ended while waiting for ${what}` +
            (this.failure === undefined ? "" : `: ${errText(this.failure)}`) +
            `; frames received: ${seen}`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        assert.fail(`${this.name}: no ${what} within ${WAIT_MS} ms; frames received: ${seen}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.notify.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

function errText(err: unknown): string {
  if (err instanceof ConnectError) return `ConnectError ${Code[err.code]} (${err.code}): ${err.rawMessage}`;
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** Runs a unary call, labelling its failure with what it was. */
async function call<T>(what: string, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    assert.fail(`${what} failed: ${errText(err)}`);
  }
}

async function openSession(
  api: ParleyClients,
  name: string,
  userId: string,
  token: string,
): Promise<FrameReader> {
  const stream = openGateway(api.gateway);
  const reader = new FrameReader(name, stream);
  stream.send({
    requestId: "1",
    body: {
      case: "auth",
      value: { token, platform: Platform.WEB, deviceId: `ts-test-${name}-${randomUUID()}`, sdkVersion: SDK_VERSION },
    },
  });
  const session = await reader.waitFor("session", "session frame (answer to auth)");
  assert.equal(session.body.value.userId, userId, `${name}: session is for the wrong user`);
  return reader;
}

/** The server under test, from the environment (see the top of this file). */
function serverUnderTest(): { addr: string; secret: string } {
  const addr = process.env.PARLEY_TEST_ADDR;
  if (!addr) {
    assert.fail(
      "PARLEY_TEST_ADDR is not set: this end-to-end test needs a running Parley server " +
        "(PARLEY_TEST_ADDR=host:port, PARLEY_TEST_ADMIN_SECRET=<secret>); run it through " +
        "`pytest tests/clients/test_ts.py`, which starts one.",
    );
  }
  return { addr, secret: process.env.PARLEY_TEST_ADMIN_SECRET ?? "" };
}

/** Two freshly registered users with their tokens. */
interface Pair {
  a: string;
  b: string;
  tokA: string;
  tokB: string;
}

async function registerPair(api: ParleyClients, secret: string): Promise<Pair> {
  const admin = await call("AuthService.GetAdminToken", api.auth.getAdminToken({ secret }));
  assert.ok(admin.token, "GetAdminToken returned an empty token");
  const asAdmin = withToken(admin.token);

  // Not `ts_a_<random>`: the server rejects "_" in user ids (it separates
  // the two users in a single-chat id `si_<a>_<b>`).
  const suffix = randomBytes(6).toString("hex");
  const a = `ts-a-${suffix}`;
  const b = `ts-b-${suffix}`;
  await call(
    "UserService.RegisterUsers",
    api.user.registerUsers({ users: [{ userId: a, nickname: "TS A" }, { userId: b, nickname: "TS B" }] }, asAdmin),
  );
  const tokA = await call("IssueUserToken(A)", api.auth.issueUserToken({ userId: a, platform: Platform.WEB }, asAdmin));
  const tokB = await call("IssueUserToken(B)", api.auth.issueUserToken({ userId: b, platform: Platform.WEB }, asAdmin));
  assert.ok(tokA.token && tokB.token, "IssueUserToken returned an empty token");
  return { a, b, tokA: tokA.token, tokB: tokB.token };
}

/** Half-closes the streams, gives the server a moment to end them, then cuts the connection. */
async function shutDown(api: ParleyClients & { close(): void }, readers: FrameReader[]): Promise<void> {
  for (const r of readers) r.stream.close();
  await Promise.race([Promise.all(readers.map((r) => r.done)), new Promise((r) => setTimeout(r, 2_000).unref())]);
  for (const r of readers) r.stream.close(true);
  api.close();
}

test("parley e2e: tokens, gateway send/push, pull", { timeout: 120_000 }, async () => {
  const { addr, secret } = serverUnderTest();
  const api = connectParley({ address: addr, timeoutMs: WAIT_MS });
  const readers: FrameReader[] = [];
  try {
    const { a, b, tokA, tokB } = await registerPair(api, secret);
    const rb = await openSession(api, "B", b, tokB);
    readers.push(rb);
    const ra = await openSession(api, "A", a, tokA);
    readers.push(ra);

    // Heartbeat.
    const t0 = BigInt(Date.now());
    ra.stream.send({ requestId: "p1", body: { case: "ping", value: { clientTimeMs: t0 } } });
    const pong = await ra.waitFor("pong", "pong (answer to ping)", { requestId: "p1" });
    assert.equal(pong.body.value.clientTimeMs, t0, "pong does not echo the ping's client time");
    assert.ok(pong.body.value.serverTimeMs > 0n, "pong has no server time");

    // A sends a text to B.
    const text = "hello from ts";
    const clientMsgId = randomUUID();
    ra.stream.send({
      requestId: "2",
      body: {
        case: "send",
        value: {
          message: {
            clientMsgId,
            sessionType: SessionType.SINGLE,
            recvId: b,
            content: { kind: { case: "text", value: { text } } },
          },
        },
      },
    });
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
