import { useState } from "preact/hooks";
import { api, describe } from "../session.js";

export function Notifications() {
  const [everyone, setEveryone] = useState(false);
  const [recipients, setRecipients] = useState("");
  const [title, setTitle] = useState("");
  const [text, setText] = useState("");
  const [url, setUrl] = useState("");
  const [status, setStatus] = useState("");
  const [error, setError] = useState("");
  const userIds = recipients.split(/[\s,]+/).filter(Boolean);

  async function send(e: Event) {
    e.preventDefault();
    setError("");
    setStatus("");
    try {
      const r = await api.admin.sendSystemNotification({ allUsers: everyone, userIds: everyone ? [] : userIds, title, text, url });
      setStatus(`Sent: stored for ${r.deliveredUsers} user(s).`);
    } catch (f) {
      setError(describe(f));
    }
  }

  return (
    <section class="split">
      <form class="card stack" onSubmit={send}>
        <fieldset>
          <legend>Recipients</legend>
          <label class="check"><input type="radio" name="to" checked={!everyone} onChange={() => setEveryone(false)} /> Chosen users</label>
          <label class="check"><input type="radio" name="to" checked={everyone} onChange={() => setEveryone(true)} /> Everyone</label>
        </fieldset>
        {!everyone && (<>
          <label for="recipients">User ids (separated by spaces or commas)</label>
          <textarea id="recipients" rows={2} required value={recipients} onInput={(e) => setRecipients(e.currentTarget.value)} />
        </>)}
        <label for="n-title">Title</label>
        <input id="n-title" value={title} onInput={(e) => setTitle(e.currentTarget.value)} />
        <label for="n-text">Text</label>
        <textarea id="n-text" rows={4} required value={text} onInput={(e) => setText(e.currentTarget.value)} />
        <label for="n-url">Link (optional)</label>
        <input id="n-url" type="url" value={url} onInput={(e) => setUrl(e.currentTarget.value)} />
        <button type="submit">Send notification</button>
        <p role="status" class="ok-text">{status}</p>
        {error && <p role="alert" class="error">{error}</p>}
      </form>
      <aside class="card" aria-labelledby="preview-title">
        <h2 id="preview-title">Preview</h2>
        <p class="muted">To {everyone ? "every registered user" : userIds.length ? userIds.join(", ") : "nobody yet"}</p>
        <div class="bubble">
          <strong>{title || "System notification"}</strong>
          <p>{text || "Your text appears here."}</p>
          {url && <a href={url} rel="noreferrer noopener" target="_blank">{url}</a>}
        </div>
      </aside>
    </section>
  );
}
