import type { ListGroupMembersResponse } from "@parley/client/gen/parley/admin/v1/admin_pb.js";
import type { GroupInfo } from "@parley/client/gen/parley/group/v1/group_pb.js";
import { GroupRole, GroupStatus } from "@parley/client/gen/parley/group/v1/group_pb.js";
import { useEffect, useState } from "preact/hooks";
import { when } from "../platforms.js";
import { api, describe } from "../session.js";

const PAGE_SIZE = 20;
const MEMBERS_PAGE = 100;

const STATUS: Record<number, string> = {
  [GroupStatus.ACTIVE]: "Active",
  [GroupStatus.MUTED]: "Muted (owner and admins only)",
  [GroupStatus.DISMISSED]: "Dismissed",
};
const ROLE: Record<number, string> = {
  [GroupRole.OWNER]: "Owner",
  [GroupRole.ADMIN]: "Admin",
  [GroupRole.MEMBER]: "Member",
};
// The mute lengths offered; the server takes any number of seconds up to its limit.
const MUTES: [number, string][] = [
  [600, "10 minutes"],
  [3600, "1 hour"],
  [86_400, "1 day"],
  [7 * 86_400, "7 days"],
];

/** Groups as the operator sees them (AdminService.SearchGroups), and the
 * operator's actions on one: every one an admin RPC that runs the owners'
 * own code path, so members get the same events. */
export function Groups() {
  const [keyword, setKeyword] = useState("");
  const [query, setQuery] = useState({ keyword: "", token: "" });
  const [groups, setGroups] = useState<GroupInfo[]>([]);
  const [next, setNext] = useState("");
  const [total, setTotal] = useState(-1);
  const [selected, setSelected] = useState<string | null>(null);
  const [error, setError] = useState("");
  const [version, setVersion] = useState(0);

  useEffect(() => {
    api.admin
      .searchGroups({ keyword: query.keyword, page: { pageToken: query.token, pageSize: PAGE_SIZE } })
      .then((r) => {
        setGroups(r.groups);
        setNext(r.page?.nextPageToken ?? "");
        if (!query.token) setTotal(Number(r.page?.total ?? -1));
        setError("");
      })
      .catch((f) => setError(describe(f)));
  }, [query, version]);

  return (
    <section class="split">
      <div>
        <form role="search" class="row" onSubmit={(e) => { e.preventDefault(); setQuery({ keyword, token: "" }); }}>
          <label for="group-search">Group id or name prefix</label>
          <input id="group-search" type="search" value={keyword} onInput={(e) => setKeyword(e.currentTarget.value)} />
          <button type="submit">Search</button>
        </form>
        {error && <p role="alert" class="error">{error}</p>}
        <table class="card">
          <caption>{total >= 0 ? `${total} group(s) found` : "Groups"}</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Group</th><th scope="col">Owner</th><th scope="col">Members</th><th scope="col">State</th><th scope="col">Created</th></tr></thead>
          <tbody>
            {groups.map((g) => (
              <tr key={g.groupId} class={g.groupId === selected ? "selected" : ""}>
                <td><button type="button" class="link" aria-label={`Open group ${g.name}`} onClick={() => setSelected(g.groupId)}>{g.name}</button></td>
                <td>{g.groupId}</td><td>{g.ownerUserId}</td><td>{String(g.memberCount)}</td>
                <td>{g.status === GroupStatus.DISMISSED ? <span class="tag bad">Dismissed</span> : STATUS[g.status] ?? "—"}</td>
                <td>{when(g.createTimeMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <div class="row">
          <button type="button" disabled={!query.token} onClick={() => setQuery({ ...query, token: "" })}>First page</button>
          <button type="button" disabled={!next} onClick={() => setQuery({ ...query, token: next })}>Next page</button>
        </div>
      </div>
      {selected && <GroupDetail groupId={selected} onChange={() => setVersion(version + 1)} />}
    </section>
  );
}

function GroupDetail({ groupId, onChange }: { groupId: string; onChange: () => void }) {
  const [view, setView] = useState<ListGroupMembersResponse | null>(null);
  const [muteFor, setMuteFor] = useState(MUTES[0][0]);
  const [newOwner, setNewOwner] = useState("");
  const [confirmDismiss, setConfirmDismiss] = useState(false);
  const [status, setStatus] = useState("");
  const [error, setError] = useState("");

  async function load() {
    try {
      setView(await api.admin.listGroupMembers({ groupId, page: { pageSize: MEMBERS_PAGE } }));
    } catch (f) {
      setError(describe(f));
    }
  }
  useEffect(() => { setStatus(""); setError(""); setConfirmDismiss(false); setNewOwner(""); void load(); }, [groupId]);

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

  if (!view?.group) return <aside class="card" aria-label="Group">{error || "Loading…"}</aside>;
  const group = view.group;
  const dismissed = group.status === GroupStatus.DISMISSED;
  const now = BigInt(Date.now());
  const others = view.members.filter((m) => m.role !== GroupRole.OWNER);
  return (
    <aside class="card detail" aria-labelledby="group-title">
      <h2 id="group-title">{group.name}</h2>
      <dl class="pairs">
        <dt>Group</dt><dd>{group.groupId}</dd>
        <dt>Owner</dt><dd>{group.ownerUserId}</dd>
        <dt>State</dt><dd data-testid="group-state">{STATUS[group.status] ?? "—"}</dd>
        <dt>Created</dt><dd>{when(group.createTimeMs)}</dd>
      </dl>
      <h3>Members</h3>
      <table>
        <caption class="sr-only">Members of {group.name}</caption>
        <thead><tr><th scope="col">User</th><th scope="col">Role</th><th scope="col">Muted until</th><th scope="col"><span class="sr-only">Action</span></th></tr></thead>
        <tbody>
          {view.members.map((m) => {
            const userId = m.user?.userId ?? "";
            const muted = m.muteEndTimeMs > now;
            return (
              <tr key={userId} data-user={userId}>
                <td>{userId}</td>
                <td>{ROLE[m.role] ?? "—"}</td>
                <td>{muted ? when(m.muteEndTimeMs) : "—"}</td>
                <td>
                  {!dismissed && m.role === GroupRole.MEMBER && (muted ? (
                    <button type="button" aria-label={`Unmute ${userId}`} onClick={() => act(async () => {
                      await api.admin.muteGroupMember({ groupId, userId, durationSeconds: 0n });
                      return `${userId} unmuted.`;
                    })}>Unmute</button>
                  ) : (
                    <button type="button" aria-label={`Mute ${userId}`} onClick={() => act(async () => {
                      await api.admin.muteGroupMember({ groupId, userId, durationSeconds: BigInt(muteFor) });
                      return `${userId} muted for ${MUTES.find(([s]) => s === muteFor)?.[1]}.`;
                    })}>Mute</button>
                  ))}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {!dismissed && (<>
        <div class="row">
          <label for="mute-for">Mute members for</label>
          <select id="mute-for" value={muteFor} onChange={(e) => setMuteFor(Number(e.currentTarget.value))}>
            {MUTES.map(([s, label]) => <option key={s} value={s}>{label}</option>)}
          </select>
        </div>
        <h3>Group</h3>
        <div class="row">
          <button type="button" onClick={() => act(async () => {
            const muted = group.status !== GroupStatus.MUTED;
            await api.admin.muteGroup({ groupId, muted });
            return muted ? "The group is muted: only the owner and admins speak." : "The group is unmuted.";
          })}>{group.status === GroupStatus.MUTED ? "Unmute the group" : "Mute the group"}</button>
        </div>
        <form class="row" onSubmit={(e) => { e.preventDefault(); void act(async () => {
          await api.admin.transferGroupOwner({ groupId, newOwnerUserId: newOwner });
          setNewOwner("");
          return `${newOwner} now owns the group.`;
        }); }}>
          <label for="new-owner">New owner</label>
          <select id="new-owner" required value={newOwner} onChange={(e) => setNewOwner(e.currentTarget.value)}>
            <option value="">Choose a member</option>
            {others.map((m) => <option key={m.user?.userId} value={m.user?.userId}>{m.user?.userId}</option>)}
          </select>
          <button type="submit">Transfer ownership</button>
        </form>
        {confirmDismiss ? (
          <div class="row notice" role="group" aria-label="Confirm dismissal">
            <span>Dismiss {group.name}? Members can no longer write in it.</span>
            <button type="button" class="danger" onClick={() => act(async () => {
              await api.admin.dismissGroup({ groupId });
              setConfirmDismiss(false);
              return `${group.name} dismissed.`;
            })}>Dismiss now</button>
            <button type="button" onClick={() => setConfirmDismiss(false)}>Cancel</button>
          </div>
        ) : (
          <button type="button" class="danger" onClick={() => setConfirmDismiss(true)}>Dismiss the group</button>
        )}
      </>)}
      <p role="status" id="group-status" class="ok-text">{status}</p>
      <p role="alert" class="error">{error}</p>
    </aside>
  );
}
