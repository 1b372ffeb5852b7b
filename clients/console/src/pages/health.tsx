import { useState } from "preact/hooks";
import { when } from "../platforms.js";
import { usePolling } from "../poll.js";
import { api } from "../session.js";

const REFRESH_MS = 5000;

function uptime(startMs: bigint): string {
  const s = Math.max(0, Math.floor((Date.now() - Number(startMs)) / 1000));
  const [d, h, m] = [Math.floor(s / 86400), Math.floor((s % 86400) / 3600), Math.floor((s % 3600) / 60)];
  return d ? `${d} d ${h} h` : h ? `${h} h ${m} min` : `${m} min ${s % 60} s`;
}

export function Health() {
  const [latency, setLatency] = useState(0);
  const { value: info, error } = usePolling(async () => {
    const t0 = performance.now();
    const reply = await api.admin.getServerInfo({});
    setLatency(Math.round(performance.now() - t0));
    return reply;
  }, REFRESH_MS, []);

  return (
    <section>
      {error && <p role="alert" class="error">Not answering: {error}</p>}
      {info && (
        <div class="card">
          <dl class="pairs" data-testid="health">
            <dt>State</dt><dd><span class="tag ok">Answering</span> in {latency} ms</dd>
            <dt>Health check</dt>
            <dd><span class={`tag ${info.healthStatus === "SERVING" ? "ok" : "bad"}`}>{info.healthStatus || "UNKNOWN"}</span> (grpc.health.v1)</dd>
            <dt>Version</dt><dd>{info.version}</dd>
            <dt>Mode</dt><dd>{info.mode}</dd>
            <dt>Node</dt><dd>{info.nodeId}{info.role && ` (${info.role})`}</dd>
            <dt>Started</dt><dd>{when(info.startTimeMs)}, up {uptime(info.startTimeMs)}</dd>
            {info.mode === "cluster" && (<>
              <dt>Other gateways</dt>
              <dd>{info.peerNodeIds.length ? info.peerNodeIds.join(", ") : "none heard from"}</dd>
              <dt>Workers</dt>
              <dd>{info.workerNodeIds.length ? info.workerNodeIds.join(", ") : "none heard from"}</dd>
            </>)}
          </dl>
        </div>
      )}
    </section>
  );
}
