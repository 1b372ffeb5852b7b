// The web chat page: log in with a user token (form, or ?server=&token=&peer=
// in the address for scripted use), then chat with one peer. See session.ts
// for the protocol; this file holds the DOM.
import type { History } from "./history.js";
import { ChatSession, describeError, type ChatOptions } from "./session.js";

const LOGIN_KEY = "parley-web-chat:login";
const DEVICE_KEY = "parley-web-chat:device";
const PEER_TYPING_TIMEOUT_MS = 6_000;

function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as T;
}

const status = byId<HTMLParagraphElement>("status");
const login = byId<HTMLFormElement>("login");
const chat = byId<HTMLElement>("chat");
const list = byId<HTMLOListElement>("messages");
const typing = byId<HTMLParagraphElement>("typing");
const composer = byId<HTMLFormElement>("composer");
const input = byId<HTMLInputElement>("text");
const sync = byId<HTMLParagraphElement>("sync");

/** A stable id of this browser profile, so that a reload is the same device (no kick, same session slot). */
function deviceId(): string {
  let id = localStorage.getItem(DEVICE_KEY);
  if (!id) {
    id = `web-${crypto.randomUUID()}`;
    localStorage.setItem(DEVICE_KEY, id);
  }
  return id;
}

/** Login from the address (?server=&token=&peer=[&device=]) or from this tab's earlier form login. */
function savedLogin(): ChatOptions | undefined {
  const q = new URLSearchParams(location.search);
  const server = q.get("server");
  const token = q.get("token");
  const peer = q.get("peer");
  if (server && token && peer) return { server, token, peer, deviceId: q.get("device") ?? deviceId() };
  const raw = sessionStorage.getItem(LOGIN_KEY);
  return raw ? (JSON.parse(raw) as ChatOptions) : undefined;
}

function render(history: History, me: string): void {
  const items = history.messages.map((m) => {
    const li = document.createElement("li");
    const mine = m.senderId === me;
    li.className = mine ? "mine" : "theirs";
    li.dataset.seq = String(m.seq);
    li.dataset.sender = m.senderId;
    const text = document.createElement("span");
    text.className = "text";
    text.textContent = m.text;
    li.append(text);
    const state = !mine ? "" : history.peerReadSeq >= m.seq ? "Read" : history.peerDeliveredSeq >= m.seq ? "Delivered" : "";
    if (state) {
      const receipt = document.createElement("span");
      receipt.className = "receipt";
      receipt.textContent = state;
      li.append(receipt);
    }
    li.setAttribute("aria-label", `${mine ? "You" : m.senderId}: ${m.text}${state ? ` (${state.toLowerCase()})` : ""}`);
    return li;
  });
  list.replaceChildren(...items);
  list.lastElementChild?.scrollIntoView({ block: "end" });
}

function start(opts: ChatOptions): void {
  login.hidden = true;
  chat.hidden = false;
  status.textContent = "Connecting...";
  let typingTimer: ReturnType<typeof setTimeout> | undefined;
  const session: ChatSession = new ChatSession(opts, {
    session: (userId) => (byId("chat-title").textContent = `${userId} with ${opts.peer}`),
    changed: (history) => render(history, session.userId),
    peerTyping: (on) => {
      clearTimeout(typingTimer);
      typing.textContent = on ? `${opts.peer} is typing...` : "";
      // A typing=false that never comes (the peer closed the page) must not leave it shown.
      if (on) typingTimer = setTimeout(() => (typing.textContent = ""), PEER_TYPING_TIMEOUT_MS);
    },
    synced: (from, to, pulled) => {
      sync.textContent = `Caught up from seq ${from}: ${pulled} pulled, now at seq ${to}.`;
      sync.dataset.from = String(from);
      sync.dataset.to = String(to);
    },
    status: (text) => (status.textContent = text),
  });
  input.addEventListener("input", () => session.typed());
  composer.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    session.send(text).catch((err: unknown) => (status.textContent = `Not sent: ${describeError(err)}`));
  });
  document.addEventListener("visibilitychange", () => void session.markRead());
  byId("logout").addEventListener("click", () => {
    session.close();
    sessionStorage.removeItem(LOGIN_KEY);
    location.assign(location.pathname);
  });
  void session.run();
}

login.addEventListener("submit", (ev) => {
  ev.preventDefault();
  const form = new FormData(login);
  const opts: ChatOptions = {
    server: String(form.get("server")).replace(/\/+$/, ""),
    token: String(form.get("token")),
    peer: String(form.get("peer")).trim(),
    deviceId: deviceId(),
  };
  // Per tab, so a reload stays logged in; the token never goes into the address.
  sessionStorage.setItem(LOGIN_KEY, JSON.stringify(opts));
  start(opts);
});

const saved = savedLogin();
if (saved) start(saved);
