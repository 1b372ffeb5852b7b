// Files end to end: A uploads a file through a relay that cuts the connection
// mid-upload (the upload resumes from the server's committed offset), sends it
// as a file message; B gets the push and downloads the bytes (gRPC stream,
// whole, ranged and to disk, and the web entry's signed-URL GET).
//   PARLEY_TEST_ADDR, PARLEY_TEST_ADMIN_SECRET  as in e2e.test.ts
import assert from "node:assert/strict";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  bytesSource,
  connectParley,
  downloadFile,
  downloadFileTo,
  ErrorReason,
  errorReason,
  fileContent,
  fileSource,
  uploadFile,
} from "../client.js";
import { SessionType } from "../gen/parley/common/v1/common_pb.js";
import { fetchFile } from "../web.js";
import { call, errText, openSession, registerPair, serverUnderTest, shutDown, WAIT_MS, type FrameReader } from "./harness.js";

/**
 * A TCP relay to the server. Once armed, it passes that many more bytes from
 * the client and holds the rest (`held` resolves) until `drop()` cuts every
 * connection: a network lost mid-upload.
 */
class CuttingRelay {
  private budget: number | undefined;
  private readonly open = new Set<net.Socket>();
  private reached: () => void = () => undefined;
  /** Resolves when the armed budget is spent. */
  held: Promise<void> = Promise.resolve();

  private constructor(
    private readonly server: net.Server,
    readonly address: string,
  ) {}

  static async start(target: string): Promise<CuttingRelay> {
    const colon = target.lastIndexOf(":");
    const [host, port] = [target.slice(0, colon), Number(target.slice(colon + 1))];
    let relay: CuttingRelay | undefined;
    const server = net.createServer((client) => relay!.pipe(client, net.connect({ host, port })));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    relay = new CuttingRelay(server, `127.0.0.1:${(server.address() as net.AddressInfo).port}`);
    return relay;
  }

  arm(bytes: number): void {
    this.budget = bytes;
    this.held = new Promise((resolve) => (this.reached = resolve));
  }

  drop(): void {
    for (const socket of this.open) socket.destroy();
  }

  private pipe(client: net.Socket, upstream: net.Socket): void {
    for (const socket of [client, upstream]) {
      this.open.add(socket);
      socket.on("error", () => this.drop());
      socket.on("close", () => {
        this.open.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    upstream.pipe(client);
    client.on("data", (chunk: Buffer) => {
      if (this.budget === undefined) {
        upstream.write(chunk);
      } else if (chunk.length < this.budget) {
        this.budget -= chunk.length;
        upstream.write(chunk);
      } else {
        upstream.write(chunk.subarray(0, this.budget));
        this.budget = undefined;
        client.pause();
        this.reached();
      }
    });
  }

  close(): void {
    this.drop();
    this.server.close();
  }
}

/** Polls until `ok` gives true, at most WAIT_MS. */
async function until(what: string, ok: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await ok())) {
    if (Date.now() > deadline) assert.fail(`${what} within ${WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test("parley files: a resumed upload, sent as a file message, downloaded by the peer", { timeout: 120_000 }, async () => {
  const { addr, secret } = serverUnderTest();
  const admin = connectParley({ address: addr, timeoutMs: WAIT_MS });
  const relay = await CuttingRelay.start(addr);
  const dir = await mkdtemp(join(tmpdir(), "parley-ts-files-"));
  const readers: FrameReader[] = [];
  const { b, tokA, tokB } = await registerPair(admin, secret);
  const uploader = connectParley({ address: relay.address, token: tokA, timeoutMs: WAIT_MS });
  const sender = connectParley({ address: addr, token: tokA, timeoutMs: WAIT_MS }); // A's other connection, not relayed
  const peer = connectParley({ address: addr, token: tokB, timeoutMs: WAIT_MS });
  try {
    // Text, so that the server's sniffing finds an allowed type; 900 kB is
    // four chunks at the default 256 KiB.
    const bytes = Buffer.from(randomBytes(450_000).toString("hex"));
    const path = join(dir, "notes.txt");
    await writeFile(path, bytes);
    const progress: number[] = [];
    relay.arm(400_000);
    let uploadId = "";
    const uploading = uploadFile(uploader.file, await fileSource(path), {
      onStarted: (id) => (uploadId = id),
      onProgress: (done, total) => {
        assert.equal(total, bytes.length);
        progress.push(done);
      },
    }).catch((err: unknown) => assert.fail(`uploadFile failed: ${errText(err)}; progress ${progress.join(",")}`));
    // The relay holds the upload past its first chunk; once the server has
    // committed that chunk, the connection drops.
    await Promise.race([relay.held, uploading]);
    let committed = 0;
    await until("no committed bytes before the cut", async () => {
      committed = Number((await sender.file.getUploadStatus({ uploadId })).committedOffset);
      return committed > 0;
    });
    relay.drop();
    const info = await uploading;
    assert.equal(info.name, "notes.txt");
    assert.equal(info.size, BigInt(bytes.length));
    assert.equal(info.mimeType, "text/plain");
    assert.equal(info.sha256, createHash("sha256").update(bytes).digest("hex"));
    assert.equal(progress.at(-1), bytes.length, `progress ${progress.join(",")}`);
    // After the cut, progress restarts at the offset the server had committed
    // (behind what had been handed to the transport): a resume, not a restart.
    const back = progress.findIndex((done, i) => i > 0 && done < progress[i - 1]!);
    assert.ok(back > 0, `progress never went back to a committed offset: ${progress.join(",")}`);
    assert.equal(progress[back], committed, `progress ${progress.join(",")}: no resume from ${committed}`);

    const rb = await openSession(peer, "B", b, tokB);
    readers.push(rb);
    const clientMsgId = randomUUID();
    await call(
      "MsgService.SendMessage (file)",
      sender.msg.sendMessage({ message: { clientMsgId, sessionType: SessionType.SINGLE, recvId: b, content: fileContent(info) } }),
    );
    const pushed = await rb.waitFor("message", "pushed file message", { pred: (f) => f.body.value.message?.clientMsgId === clientMsgId });
    const kind = pushed.body.value.message?.content?.kind;
    assert.equal(kind?.case, "file", `pushed content: ${kind?.case}`);
    const fileId = kind.value.fileId;
    assert.equal(fileId, info.fileId);
    assert.equal(kind.value.name, "notes.txt");

    const whole = await downloadFile(peer.file, fileId);
    assert.ok(Buffer.from(whole.data).equals(bytes), "downloaded bytes differ from the uploaded ones");
    assert.equal(whole.file.sha256, info.sha256);
    const range = await downloadFile(peer.file, fileId, { offset: 300_000, length: 5_000 });
    assert.ok(Buffer.from(range.data).equals(bytes.subarray(300_000, 305_000)), "ranged download differs");
    const saved = join(dir, "saved.txt");
    await downloadFileTo(peer.file, fileId, saved);
    assert.ok((await readFile(saved)).equals(bytes), "the file saved to disk differs");
    // The web entry's path: a signed URL and a plain HTTP GET (with Range).
    const fetched = await fetchFile(peer.file, fileId);
    assert.ok(Buffer.from(fetched.data).equals(bytes), "bytes fetched by signed URL differ");
    assert.equal(fetched.contentType, "text/plain");
    const part = await fetchFile(peer.file, fileId, { range: [10, 19] });
    assert.ok(Buffer.from(part.data).equals(bytes.subarray(10, 20)), "ranged GET differs");

    // Nobody else may read it, and a lying hash is refused, not retried.
    const others = await registerPair(admin, secret);
    const asStranger = connectParley({ address: addr, token: others.tokA, timeoutMs: WAIT_MS });
    try {
      const denied = await downloadFile(asStranger.file, fileId).catch((err: unknown) => err);
      assert.equal(errorReason(denied), ErrorReason.FILE_NOT_FOUND, `a stranger's download: ${errText(denied)}`);
      const lying = { ...bytesSource(bytes.subarray(0, 1000), "lie.txt"), sha256: async () => "0".repeat(64) };
      const mismatch = await uploadFile(asStranger.file, lying).catch((err: unknown) => err);
      assert.equal(errorReason(mismatch), ErrorReason.FILE_HASH_MISMATCH, `a lying hash: ${errText(mismatch)}`);
    } finally {
      asStranger.close();
    }
  } finally {
    await shutDown(peer, readers);
    uploader.close();
    sender.close();
    admin.close();
    relay.close();
    await rm(dir, { recursive: true, force: true });
  }
});
