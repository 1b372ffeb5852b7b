import { useState } from "preact/hooks";
import { DayChart, PlatformBars } from "../chart.js";
import { usePolling } from "../poll.js";
import { api } from "../session.js";

const REFRESH_MS = 5000;

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function daysAgo(n: number): string {
  return isoDay(new Date(Date.now() - n * 86_400_000));
}

export function Dashboard() {
  const [start, setStart] = useState(daysAgo(13));
  const [end, setEnd] = useState(daysAgo(0));
  const { value: stats, error, updated } = usePolling(
    () => api.admin.getStatistics({ startDate: start, endDate: end }),
    REFRESH_MS,
    [start, end],
  );

  const days = stats?.days ?? [];
  const sum = (pick: (d: (typeof days)[number]) => bigint) => days.reduce((a, d) => a + Number(pick(d)), 0);
  const figures: [string, number | string][] = stats
    ? [
        ["Registered users", Number(stats.totalUsers)],
        ["Users online now", Number(stats.onlineUsers)],
        ["Open streams", Number(stats.openStreams)],
        ["Messages in range", sum((d) => d.singleMessages + d.groupMessages)],
        ["New users in range", sum((d) => d.newUsers)],
        ["Groups created in range", sum((d) => d.groupsCreated)],
        ["Active users today", days.length ? Number(days.at(-1)!.activeUsers) : 0],
      ]
    : [];
  const labels = days.map((d) => d.date);

  return (
    <section aria-labelledby="page-title">
      <form class="row" onSubmit={(e) => e.preventDefault()}>
        <label for="from">From</label>
        <input id="from" type="date" value={start} max={end} onChange={(e) => setStart(e.currentTarget.value)} />
        <label for="to">To</label>
        <input id="to" type="date" value={end} min={start} onChange={(e) => setEnd(e.currentTarget.value)} />
        <span class="muted">{updated && `Live, every ${REFRESH_MS / 1000} s; updated ${updated}`}</span>
      </form>
      {error && <p role="alert" class="error">{error}</p>}
      <dl class="figures" data-testid="figures">
        {figures.map(([label, value]) => (
          <div class="card figure" key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {stats && (
        <div class="charts">
          <PlatformBars title="Online streams by platform" counts={stats.streamsByPlatform} />
          <DayChart title="Messages per day" days={labels} series={[
            { label: "One-to-one", color: "#1d4ed8", values: days.map((d) => Number(d.singleMessages)) },
            { label: "Group", color: "#b45309", values: days.map((d) => Number(d.groupMessages)) },
          ]} />
          <DayChart title="Users per day" days={labels} series={[
            { label: "Active", color: "#047857", values: days.map((d) => Number(d.activeUsers)) },
            { label: "New", color: "#7c3aed", values: days.map((d) => Number(d.newUsers)) },
          ]} />
          <DayChart title="Groups per day" days={labels} series={[
            { label: "Created", color: "#be123c", values: days.map((d) => Number(d.groupsCreated)) },
            { label: "Active", color: "#0e7490", values: days.map((d) => Number(d.activeGroups)) },
          ]} />
        </div>
      )}
    </section>
  );
}
