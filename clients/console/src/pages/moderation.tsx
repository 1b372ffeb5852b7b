import type { Message } from "@parley/client/gen/parley/msg/v1/message_pb.js";
import { MessageStatus } from "@parley/client/gen/parley/msg/v1/message_pb.js";
import { useState } from "preact/hooks";
import { when } from "../platforms.js";
import { api, describe } from "../session.js";

function preview(m: Message): string {
  if (m.placeholder) return "(nothing stored at this seq)";
  if (m.status === MessageStatus.REVOKED) return "(message revoked)";
  if (m.status === MessageStatus.DELETED) return "(message deleted for everyone)";
  const c = m.content?.kind;
  if (c?.case === "text") return c.value.text;
  if (c) return `(${c.case})`;
  if (m.notification) return `(event: ${m.notification.event.case ?? "notification"})`;
  return "";
}

export function Moderation() {
  const [conversationId, setConversationId] = useState("");
  const [userA, setUserA] = useState("");
  const [userB, setUserB] = useState("");
  const [shown, setShown] = useState("");
  const [messages, setMessages] = useState<Message[]>([]);
  const [status, setStatus] = useState("");
  const [error, setError] = useState("");

  async function look(e?: Event) {
    e?.preventDefault();
    setError("");
    try {
      const byPair = !conversationId.trim();
      const r = await api.admin.listConversationMessages({
        conversationId: conversationId.trim(),
        userIds: byPair ? [userA.trim(), userB.trim()] : [],
      });
      setShown(r.conversationId);
      setMessages(r.messages);
    } catch (f) {
      setError(describe(f));
    }
  }

  async function revoke(m: Message) {
    setError("");
    try {
      await api.msg.revokeMessage({ conversationId: m.conversationId, seq: m.seq });
      setStatus(`Message ${m.seq} revoked.`);
      await look();
    } catch (f) {
      setError(describe(f));
    }
  }

  return (
    <section>
      <form class="card row" onSubmit={look}>
        <label for="conv-id">Conversation id</label>
        <input id="conv-id" value={conversationId} onInput={(e) => setConversationId(e.currentTarget.value)} />
        <span class="muted">or between</span>
        <label for="user-a" class="sr-only">First user</label>
        <input id="user-a" placeholder="first user" value={userA} onInput={(e) => setUserA(e.currentTarget.value)} />
        <label for="user-b" class="sr-only">Second user</label>
        <input id="user-b" placeholder="second user" value={userB} onInput={(e) => setUserB(e.currentTarget.value)} />
        <button type="submit">Look up</button>
      </form>
      <p role="status" class="ok-text">{status}</p>
      {error && <p role="alert" class="error">{error}</p>}
      {shown && (
        <table class="card">
          <caption>{shown}: newest first</caption>
          <thead><tr><th scope="col">Seq</th><th scope="col">Sender</th><th scope="col">Sent</th><th scope="col">Content</th><th scope="col">Action</th></tr></thead>
          <tbody>
            {messages.map((m) => {
              const gone = m.placeholder || m.status === MessageStatus.REVOKED || m.status === MessageStatus.DELETED;
              return (
                <tr key={String(m.seq)} class={gone ? "gone" : ""}>
                  <td>{String(m.seq)}</td>
                  <td>{m.senderId || "system"}</td>
                  <td>{when(m.serverTimeMs)}</td>
                  <td>{preview(m)}</td>
                  <td>{!gone && m.content && (
                    <button type="button" class="danger" aria-label={`Revoke message ${m.seq}`} onClick={() => revoke(m)}>Revoke</button>
                  )}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
