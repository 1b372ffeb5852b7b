import { useState } from "preact/hooks";
import { describe, signIn } from "../session.js";

export function SignIn({ notice }: { notice: string }) {
  const [secret, setSecret] = useState("");
  const [adminId, setAdminId] = useState("admin");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      await signIn(secret, adminId.trim());
    } catch (failure) {
      setError(describe(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" class="signin">
      <h1 id="page-title" tabIndex={-1}>Parley console</h1>
      {notice && <p role="status" class="notice">{notice}</p>}
      <form onSubmit={submit} class="card">
        <label for="admin-id">Operator name</label>
        <input id="admin-id" name="admin-id" autocomplete="username" value={adminId}
          onInput={(e) => setAdminId(e.currentTarget.value)} />
        <label for="secret">Admin secret</label>
        <input id="secret" name="secret" type="password" autocomplete="current-password" required
          value={secret} onInput={(e) => setSecret(e.currentTarget.value)} />
        <p class="hint">Exchanged for a short-lived admin token, held in this tab's memory only.</p>
        <button type="submit" disabled={busy}>{busy ? "Signing in…" : "Sign in"}</button>
        {error && <p role="alert" class="error">{error}</p>}
      </form>
    </main>
  );
}
