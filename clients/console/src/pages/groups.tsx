import type { GroupInfo } from "@parley/client/gen/parley/group/v1/group_pb.js";
import { GroupStatus } from "@parley/client/gen/parley/group/v1/group_pb.js";
import { useState } from "preact/hooks";
import { when } from "../platforms.js";
import { api, describe } from "../session.js";

const STATUS: Record<number, string> = {
  [GroupStatus.ACTIVE]: "Active",
  [GroupStatus.MUTED]: "Muted (owner and admins only)",
  [GroupStatus.DISMISSED]: "Dismissed",
};

/** Groups by id (GroupService.GetGroups, which admin tokens may call). Members,
 * mute, dismiss and transfer are group owners' RPCs: the contract has no admin
 * variant yet, so the console offers none. */
export function Groups() {
  const [ids, setIds] = useState("");
  const [groups, setGroups] = useState<GroupInfo[] | null>(null);
  const [error, setError] = useState("");

  async function look(e: Event) {
    e.preventDefault();
    setError("");
    try {
      const groupIds = ids.split(/[\s,]+/).filter(Boolean);
      setGroups((await api.group.getGroups({ groupIds })).groups);
    } catch (f) {
      setError(describe(f));
    }
  }

  return (
    <section>
      <form class="card row" onSubmit={look}>
        <label for="group-ids">Group ids (separated by spaces or commas)</label>
        <input id="group-ids" required value={ids} onInput={(e) => setIds(e.currentTarget.value)} />
        <button type="submit">Look up</button>
      </form>
      {error && <p role="alert" class="error">{error}</p>}
      {groups && (
        <table class="card">
          <caption>{groups.length} group(s) found</caption>
          <thead><tr><th scope="col">Group</th><th scope="col">Name</th><th scope="col">Owner</th><th scope="col">Members</th><th scope="col">State</th><th scope="col">Created</th></tr></thead>
          <tbody>
            {groups.map((g) => (
              <tr key={g.groupId}>
                <td>{g.groupId}</td><td>{g.name}</td><td>{g.ownerUserId}</td><td>{String(g.memberCount)}</td>
                <td>{STATUS[g.status] ?? "—"}</td><td>{when(g.createTimeMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
