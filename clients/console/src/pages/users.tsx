import type { AdminUser } from "@parley/client/gen/parley/admin/v1/admin_pb.js";
import { useEffect, useState } from "preact/hooks";
import { PLATFORMS, Platform, platformName, when } from "../platforms.js";
import { api, describe } from "../session.js";

const PAGE_SIZE = 20;

export function Users() {
  const [keyword, setKeyword] = useState("");
  const [blockedOnly, setBlockedOnly] = useState(false);
  const [query, setQuery] = useState({ keyword: "", blockedOnly: false, token: "" });
  const [users, setUsers] = useState<AdminUser[]>([]);
  const [next, setNext] = useState("");
  const [total, setTotal] = useState(-1);
  const [selected, setSelected] = useState<string | null>(null);
  const [error, setError] = useState("");
  const [version, setVersion] = useState(0);

  useEffect(() => {
    api.admin
      .listUsers({ keyword: query.keyword, blockedOnly: query.blockedOnly, page: { pageToken: query.token, pageSize: PAGE_SIZE } })
      .then((r) => {
        setUsers(r.users);
        setNext(r.page?.nextPageToken ?? "");
        setTotal(Number(r.page?.total ?? -1));
        setError("");
      })
      .catch((f) => setError(describe(f)));
  }, [query, version]);

  return (
    <section class="split">
      <div>
        <form role="search" class="row" onSubmit={(e) => { e.preventDefault(); setQuery({ keyword, blockedOnly, token: "" }); }}>
          <label for="user-search">User id or nickname</label>
          <input id="user-search" type="search" value={keyword} onInput={(e) => setKeyword(e.currentTarget.value)} />
          <label class="check"><input type="checkbox" checked={blockedOnly} onChange={(e) => setBlockedOnly(e.currentTarget.checked)} /> Blocked only</label>
          <button type="submit">Search</button>
        </form>
        {error && <p role="alert" class="error">{error}</p>}
        <table class="card">
          <caption>{total >= 0 ? `${total} users` : "Users"}</caption>
          <thead><tr><th scope="col">User</th><th scope="col">Nickname</th><th scope="col">State</th><th scope="col">Registered</th></tr></thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.user?.userId} class={u.user?.userId === selected ? "selected" : ""}>
                <td><button type="button" class="link" onClick={() => setSelected(u.user!.userId)}>{u.user?.userId}</button></td>
                <td>{u.user?.nickname}</td>
                <td>{u.blocked ? <span class="tag bad">Blocked</span> : u.devices.length ? <span class="tag ok">Online ({u.devices.length})</span> : "Offline"}</td>
                <td>{when(u.user?.createTimeMs ?? 0n)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <div class="row">
          <button type="button" disabled={!query.token} onClick={() => setQuery({ ...query, token: "" })}>First page</button>
          <button type="button" disabled={!next} onClick={() => setQuery({ ...query, token: next })}>Next page</button>
        </div>
      </div>
      {selected && <UserDetail userId={selected} onChange={() => setVersion(version + 1)} />}
    </section>
  );
}

function UserDetail({ userId, onChange }: { userId: string; onChange: () => void }) {
  const [user, setUser] = useState<AdminUser | null>(null);
  const [reason, setReason] = useState("");
  const [platform, setPlatform] = useState<Platform>(Platform.UNSPECIFIED);
  const [status, setStatus] = useState("");
  const [error, setError] = useState("");

  async function load() {
    try {
      setUser((await api.admin.getUser({ userId })).user ?? null);
    } catch (f) {
      setError(describe(f));
    }
  }
  useEffect(() => { setStatus(""); setError(""); void load(); }, [userId]);

  async function act(run: () => Promise<string>) {
    setError("");
    try {
      setStatus(await run());
      await load();
      onChange();
    } catch (f) {
      setError(describe(f));
    }
  }

  if (!user) return <aside class="card" aria-label="User">{error || "Loading…"}</aside>;
  const info = user.user!;
  return (
    <aside class="card detail" aria-labelledby="user-title">
      <h2 id="user-title">{info.userId}</h2>
      <dl class="pairs">
        <dt>Nickname</dt><dd>{info.nickname || "—"}</dd>
        <dt>Registered</dt><dd>{when(info.createTimeMs)}</dd>
        <dt>Last active</dt><dd>{when(user.lastActiveTimeMs)}</dd>
        <dt>State</dt><dd>{user.blocked ? "Blocked" : "Active"}</dd>
      </dl>
      <h3>Devices online</h3>
      {user.devices.length === 0 ? <p key="none">None.</p> : (
        <table>
          <thead><tr><th scope="col">Platform</th><th scope="col">Device</th><th scope="col">SDK</th><th scope="col">Since</th><th scope="col">Node</th></tr></thead>
          <tbody>
            {user.devices.map((d) => (
              <tr key={d.deviceId}><td>{platformName(d.platform)}</td><td>{d.deviceId}</td><td>{d.sdkVersion}</td><td>{when(d.connectTimeMs)}</td><td>{d.nodeId}</td></tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Account</h3>
      {user.blocked ? (
        <button type="button" onClick={() => act(async () => { await api.admin.unblockUser({ userId }); return `${userId} unblocked.`; })}>Unblock</button>
      ) : (
        <form class="stack" onSubmit={(e) => { e.preventDefault(); void act(async () => {
          const r = await api.admin.blockUser({ userId, reason });
          return `${userId} blocked; ${r.closedStreams} stream(s) closed.`;
        }); }}>
          <label for="block-reason">Reason for blocking</label>
          <input id="block-reason" required value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          <button type="submit" class="danger">Block</button>
        </form>
      )}
      <form class="row" onSubmit={(e) => { e.preventDefault(); void act(async () => {
        const r = await api.admin.forceLogout({ userId, platform });
        return `Logged out of ${platform ? platformName(platform) : "every platform"}; ${r.closedStreams} stream(s) closed.`;
      }); }}>
        <label for="logout-platform">Force logout on</label>
        <select id="logout-platform" value={platform} onChange={(e) => setPlatform(Number(e.currentTarget.value) as Platform)}>
          <option value={Platform.UNSPECIFIED}>All platforms</option>
          {PLATFORMS.map(([p, name]) => <option key={p} value={p}>{name}</option>)}
        </select>
        <button type="submit">Log out</button>
      </form>
      <p role="status" id="user-status" class="ok-text">{status}</p>
      <p role="alert" class="error">{error}</p>
    </aside>
  );
}
