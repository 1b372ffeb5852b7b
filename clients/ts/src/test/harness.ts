// Helpers of the end-to-end tests (e2e, tls, files): the server under test,
// users and tokens, and a reader of gateway streams that waits for frames.
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import { openGateway, withToken, type GatewayStream, type ParleyClients } from "../client.js";
import { Platform, SessionType } from "../gen/parley/common/v1/common_pb.js";
import type { ServerFrame } from "../gen/parley/gateway/v1/gateway_pb.js";
import type { Content } from "../gen/parley/msg/v1/content_pb.js";

export const WAIT_MS = 10_000;
export const SDK_VERSION = "parley-ts-test/0.1";

export type Case = NonNullable<ServerFrame["body"]["case"]>;
export type FrameOf<C extends Case> = ServerFrame & { body: Extract<ServerFrame["body"], { case: C }> };

export function describeFrame(f: ServerFrame): string {
  const err = f.body.case === "error" ? `, error: code ${f.body.value.code} reason ${f.body.value.reason} ${f.body.value.message}` : "";
  return `{requestId: ${JSON.stringify(f.requestId)}, case: ${f.body.case}${err}}`;
}

export function textOf(content: Content | undefined): string | undefined {
  return content?.kind.case === "text" ? content.kind.value.text : undefined;
}

/** Reads one gateway stream in the background and lets the test wait for frames. */
export class FrameReader {
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

export function errText(err: unknown): string {
  if (err instanceof ConnectError) return `ConnectError ${Code[err.code]} (${err.code}): ${err.rawMessage}`;
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** Runs a unary call, labelling its failure with what it was. */
export async function call<T>(what: string, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    assert.fail(`${what} failed: ${errText(err)}`);
  }
}

export async function openSession(
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
export function serverUnderTest(): { addr: string; secret: string } {
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
export interface Pair {
  a: string;
  b: string;
  tokA: string;
  tokB: string;
}

export async function registerPair(api: ParleyClients, secret: string): Promise<Pair> {
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
export async function shutDown(api: ParleyClients & { close(): void }, readers: FrameReader[]): Promise<void> {
  for (const r of readers) r.stream.close();
  await Promise.race([Promise.all(readers.map((r) => r.done)), new Promise((r) => setTimeout(r, 2_000).unref())]);
  for (const r of readers) r.stream.close(true);
  api.close();
}


/** Two users, each online on a gateway stream (B first); the readers are added to `readers` for shutDown. */
export async function onlinePair(
  api: ParleyClients,
  secret: string,
  readers: FrameReader[],
): Promise<Pair & { ra: FrameReader; rb: FrameReader }> {
  const pair = await registerPair(api, secret);
  const rb = await openSession(api, "B", pair.b, pair.tokB);
  readers.push(rb);
  const ra = await openSession(api, "A", pair.a, pair.tokA);
  readers.push(ra);
  return { ...pair, ra, rb };
}

/** Sends a text to a user on the gateway stream; returns its client_msg_id. */
export function sendText(reader: FrameReader, requestId: string, recvId: string, text: string): string {
  const clientMsgId = randomUUID();
  reader.stream.send({
    requestId,
    body: {
      case: "send",
      value: {
        message: { clientMsgId, sessionType: SessionType.SINGLE, recvId, content: { kind: { case: "text", value: { text } } } },
      },
    },
  });
  return clientMsgId;
}
