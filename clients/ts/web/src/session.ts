// One user's chat with one peer over Parley's browser path: the realtime
// frames come on GatewayService.Subscribe (a server stream, which fetch can
// read), and what a native client would send on the bidirectional stream
// goes through unary calls (SendMessage, SendTyping, MarkRead, AckDelivery,
// Heartbeat).
// Every seq of the conversation passes through `receive` in order, so a push
// that skips seqs, a reload and a reconnect all catch up the same way: pull
// the seqs after the last one seen.
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorReason, Platform, SessionType } from "../../src/gen/parley/common/v1/common_pb.js";
import type { ServerFrame } from "../../src/gen/parley/gateway/v1/gateway_pb.js";
import type { Message } from "../../src/gen/parley/msg/v1/message_pb.js";
import { connectParleyWeb, errorInfo, type ParleyClients } from "../../src/web.js";
import { emptyHistory, loadHistory, saveHistory, type History } from "./history.js";

export interface ChatOptions {
  /** Base URL of Parley's web listener. */
  server: string;
  token: string;
  peer: string;
  deviceId: string;
}

export interface ChatEvents {
  session(userId: string): void;
  changed(history: History): void;
  peerTyping(typing: boolean): void;
  synced(from: number, to: number, pulled: number): void;
  status(text: string): void;
}

const SDK_VERSION = "parley-web-chat/0.1.0";
const PULL_PAGE = 100n;
const TYPING_REFRESH_MS = 3_000;
const TYPING_IDLE_MS = 4_000;
const RESUBSCRIBE_MS = 2_000;

/** The single-chat conversation id (`si_<lower id>_<higher id>`, message.proto). */
export function singleConversationId(a: string, b: string): string {
  return a < b ? `si_${a}_${b}` : `si_${b}_${a}`;
}

export function describeError(err: unknown): string {
  const info = errorInfo(err);
  if (info) return `${info.reasonName || Code[info.code]}: ${info.message}`;
  return err instanceof Error ? err.message : String(err);
}

export class ChatSession {
  readonly api: ParleyClients;
  userId = "";
  conversationId = "";
  history: History = emptyHistory();
  private readonly stop = new AbortController();
  // Applies seqs one at a time, in order, whatever pushed or pulled them.
  private queue: Promise<void> = Promise.resolve();
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private typingSentAt = 0;
  private typingIdle: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly opts: ChatOptions,
    private readonly events: ChatEvents,
  ) {
    this.api = connectParleyWeb({ baseUrl: opts.server, token: opts.token, timeoutMs: 15_000 });
  }

  /** Subscribes, and subscribes again after a dropped stream, until `close` or a kick. */
  async run(): Promise<void> {
    while (!this.stop.signal.aborted) {
      const ended = await this.subscribeOnce();
      clearInterval(this.heartbeat);
      if (this.stop.signal.aborted) return;
      if (ended === "kicked") return;
      this.events.status(`Disconnected (${ended}); reconnecting...`);
      await new Promise((resolve) => setTimeout(resolve, RESUBSCRIBE_MS));
    }
  }

  close(): void {
    this.stop.abort();
    clearInterval(this.heartbeat);
  }

  private async subscribeOnce(): Promise<string> {
    const auth = { token: this.opts.token, platform: Platform.WEB, deviceId: this.opts.deviceId, sdkVersion: SDK_VERSION };
    try {
      // No deadline: the stream lives as long as the page (kept open by Heartbeat).
      for await (const frame of this.api.gateway.subscribe({ auth }, { signal: this.stop.signal, timeoutMs: 0 })) {
        if (this.onFrame(frame) === "kicked") return "kicked";
      }
      return "the server ended the stream";
    } catch (err) {
      if (err instanceof ConnectError && (err.code === Code.Unauthenticated || err.code === Code.PermissionDenied)) {
        this.events.status(`Refused: ${describeError(err)}`);
        return "kicked";
      }
      return describeError(err);
    }
  }

  private onFrame(frame: ServerFrame): "kicked" | undefined {
    const body = frame.body;
    switch (body.case) {
      case "session": {
        this.userId = body.value.userId;
        this.conversationId = singleConversationId(this.userId, this.opts.peer);
        this.history = loadHistory(this.userId, this.conversationId);
        this.events.session(this.userId);
        this.events.changed(this.history);
        const every = Math.max(1_000, Number(body.value.heartbeatIntervalMs));
        this.heartbeat = setInterval(() => void this.beat(), every);
        this.enqueue(() => this.catchUp());
        return undefined;
      }
      case "message":
      case "notification": {
        const m = body.value.message;
        if (m) this.enqueue(() => this.receive(m));
        return undefined;
      }
      case "deliveryReceipt":
        if (body.value.conversationId === this.conversationId && body.value.userId === this.opts.peer) {
          this.history.peerDeliveredSeq = Math.max(this.history.peerDeliveredSeq, Number(body.value.deliveredSeq));
          saveHistory(this.userId, this.conversationId, this.history);
          this.events.changed(this.history);
        }
        return undefined;
      case "typing":
        if (body.value.conversationId === this.conversationId && body.value.userId === this.opts.peer) {
          this.events.peerTyping(body.value.typing);
        }
        return undefined;
      case "kicked":
        this.events.status(`Logged out by the server: ${ErrorReason[body.value.reason] ?? body.value.reason}`);
        return "kicked";
      default:
        return undefined;
    }
  }

  private enqueue(step: () => Promise<void>): void {
    this.queue = this.queue.then(step).catch((err: unknown) => this.events.status(`Sync failed: ${describeError(err)}`));
  }

  /** Pulls every seq after the last one this page saw (all of them on a first visit). */
  private async catchUp(): Promise<void> {
    const from = this.history.lastSeq + 1;
    const pulled = await this.pullUpTo(undefined);
    this.events.synced(from, this.history.lastSeq, pulled);
    this.events.status(`Connected as ${this.userId}.`);
  }

  /** Pulls from lastSeq + 1 up to `until` (the visible max when undefined); gives how many seqs came. */
  private async pullUpTo(until: bigint | undefined): Promise<number> {
    let count = 0;
    for (;;) {
      const begin = BigInt(this.history.lastSeq + 1);
      let end = begin + PULL_PAGE - 1n;
      if (until !== undefined && until < end) end = until;
      if (end < begin) return count;
      const res = await this.api.msg.pullMessages({ ranges: [{ conversationId: this.conversationId, begin, end }] });
      const page = res.results[0];
      const messages = page?.messages ?? [];
      for (const m of messages) this.apply(m);
      count += messages.length;
      if (messages.length === 0 || page?.isEnd) break;
    }
    this.commit();
    return count;
  }

  private async receive(m: Message): Promise<void> {
    if (m.conversationId !== this.conversationId || Number(m.seq) <= this.history.lastSeq) return;
    // A push past a gap: fetch the seqs in between first, so nothing is skipped.
    if (Number(m.seq) > this.history.lastSeq + 1) await this.pullUpTo(m.seq - 1n);
    this.apply(m);
    this.commit();
    if (m.senderId === this.opts.peer && m.content) this.events.peerTyping(false);
  }

  private apply(m: Message): void {
    const seq = Number(m.seq);
    if (seq <= this.history.lastSeq) return;
    this.history.lastSeq = seq;
    if (m.placeholder) return;
    const event = m.notification?.event;
    if (event?.case === "readReceipt" && event.value.readerUserId === this.opts.peer) {
      this.history.peerReadSeq = Math.max(this.history.peerReadSeq, Number(event.value.hasReadSeq));
      return;
    }
    const kind = m.content?.kind;
    if (!kind || kind.case === undefined) return;
    const text = kind.case === "text" ? kind.value.text : `[${kind.case}]`;
    this.history.messages.push({ seq, senderId: m.senderId, text });
  }

  private commit(): void {
    saveHistory(this.userId, this.conversationId, this.history);
    this.events.changed(this.history);
    void this.ackDelivery();
    void this.markRead();
  }

  /**
   * Tells the peer (a delivery receipt) that this device got their messages,
   * on screen or not: the unary twin of the stream's delivery ack.
   */
  private async ackDelivery(): Promise<void> {
    const h = this.history;
    const upTo = h.lastSeq;
    if (!h.messages.some((m) => m.senderId === this.opts.peer && m.seq > h.ackedSeq)) return;
    const before = h.ackedSeq;
    h.ackedSeq = upTo; // once per seq, as in markRead
    try {
      await this.api.msg.ackDelivery({ conversationId: this.conversationId, deliveredSeq: BigInt(upTo) });
      saveHistory(this.userId, this.conversationId, h);
    } catch (err) {
      h.ackedSeq = before;
      console.warn("delivery not acknowledged:", describeError(err));
    }
  }

  /** Marks read what the peer sent, while the page is on screen (which sends them a read receipt). */
  async markRead(): Promise<void> {
    if (document.visibilityState !== "visible") return;
    const h = this.history;
    const unread = h.messages.some((m) => m.senderId === this.opts.peer && m.seq > h.readSeq);
    if (!unread) return;
    const upTo = h.lastSeq;
    h.readSeq = upTo; // once per seq, even if another commit comes before the answer
    try {
      const res = await this.api.msg.markRead({ conversationId: this.conversationId, hasReadSeq: BigInt(upTo) });
      h.readSeq = Math.max(h.readSeq, Number(res.hasReadSeq));
      saveHistory(this.userId, this.conversationId, h);
    } catch (err) {
      h.readSeq = 0;
      this.events.status(`Mark read failed: ${describeError(err)}`);
    }
  }

  async send(text: string): Promise<void> {
    this.typingStopped();
    const ack = await this.api.msg.sendMessage({
      message: {
        clientMsgId: crypto.randomUUID(),
        sessionType: SessionType.SINGLE,
        recvId: this.opts.peer,
        content: { kind: { case: "text", value: { text } } },
      },
    });
    const seq = ack.ack?.seq;
    // The push of one's own message may come or not (it goes to the other devices): pull it.
    if (seq !== undefined) this.enqueue(() => this.pullUpTo(seq).then(() => undefined));
  }

  /** Call on every keystroke in the composer: sends typing=true now and then, typing=false when idle. */
  typed(): void {
    const now = Date.now();
    if (now - this.typingSentAt > TYPING_REFRESH_MS) {
      this.typingSentAt = now;
      void this.sendTyping(true);
    }
    clearTimeout(this.typingIdle);
    this.typingIdle = setTimeout(() => this.typingStopped(), TYPING_IDLE_MS);
  }

  private typingStopped(): void {
    clearTimeout(this.typingIdle);
    if (this.typingSentAt === 0) return;
    this.typingSentAt = 0;
    void this.sendTyping(false);
  }

  private async sendTyping(typing: boolean): Promise<void> {
    if (!this.conversationId) return;
    try {
      await this.api.gateway.sendTyping({ conversationId: this.conversationId, typing });
    } catch (err) {
      console.warn("typing not sent:", describeError(err));
    }
  }

  private async beat(): Promise<void> {
    try {
      await this.api.gateway.heartbeat({ deviceId: this.opts.deviceId, clientTimeMs: BigInt(Date.now()) });
    } catch (err) {
      // The stream is gone (SESSION_NOT_FOUND): `run` notices it ending and subscribes again.
      console.warn("heartbeat failed:", describeError(err));
    }
  }
}
