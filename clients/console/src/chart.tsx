import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import type { PlatformStreams } from "@parley/client/gen/parley/admin/v1/admin_pb.js";
import { platformName } from "./platforms.js";

export interface Series {
  label: string;
  color: string;
  values: number[];
}

/** A line chart over days (UTC), with a text summary for screen readers. */
export function DayChart({ title, days, series }: { title: string; days: string[]; series: Series[] }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const xs = days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000);
  const data: uPlot.AlignedData = [xs, ...series.map((s) => s.values)];

  useEffect(() => {
    const el = box.current!;
    plot.current = new uPlot(
      {
        width: Math.max(el.clientWidth, 280),
        height: 220,
        legend: { show: true },
        scales: { x: { time: true } },
        axes: [{ stroke: "#333" }, { stroke: "#333" }],
        series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2 }))],
      },
      data,
      el,
    );
    return () => plot.current?.destroy();
  }, [series.map((s) => s.label).join()]);
  useEffect(() => plot.current?.setData(data), [JSON.stringify(data)]);

  const totals = series.map((s) => `${s.label}: ${s.values.reduce((a, b) => a + b, 0)}`).join(", ");
  return (
    <figure class="card chart">
      <figcaption>{title}</figcaption>
      <div ref={box} role="img" aria-label={`${title}, ${days[0] ?? ""} to ${days.at(-1) ?? ""}. Totals: ${totals}`} />
    </figure>
  );
}

/** Streams open now per platform, as horizontal bars: the figures are text,
 * so screen readers read them as a list. */
export function PlatformBars({ title, counts }: { title: string; counts: PlatformStreams[] }) {
  const most = counts.reduce((a, c) => Math.max(a, Number(c.streams)), 0);
  return (
    <figure class="card chart" data-testid="by-platform">
      <figcaption>{title}</figcaption>
      {counts.length === 0 ? <p class="muted">No stream open.</p> : (
        <ul class="bars">
          {counts.map((c) => (
            <li key={c.platform}>
              <span class="bar-label">{platformName(c.platform)}</span>
              <span class="bar" aria-hidden="true" style={{ width: `${(100 * Number(c.streams)) / most}%` }} />
              <span class="bar-value">{String(c.streams)}</span>
            </li>
          ))}
        </ul>
      )}
    </figure>
  );
}
