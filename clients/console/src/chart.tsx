import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";

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
