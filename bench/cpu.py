"""CPU accounting over a phase, in percent of one core: the server, the load
generator (workers and coordinator), in cluster mode the engines, and
everything else on the host. The last one matters on a shared machine: other
work there skews the figures."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.server import read_cpu_seconds


def host_busy_seconds() -> float:
    """CPU seconds spent not idle since boot, all cores together."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


@dataclass
class CpuSnapshot:
    t: float
    host: float
    server: float | None
    loadgen: float
    # CPU seconds of each server process (a cluster has several).
    per_process: dict[str, float] = field(default_factory=dict)
    # Cluster mode: CPU seconds of the engines' processes by command name
    # (see engine_seconds).
    engines: dict[str, float] | None = None


def engine_seconds(comms: Collection[str]) -> dict[str, float]:
    """CPU seconds of every process on the host whose command name is one of
    `comms` (e.g. postgres, its backends included, and redis-server), by name."""
    total = dict.fromkeys(comms, 0.0)
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/comm") as f:
                comm = f.read().strip()
        except OSError:
            continue
        if comm in total:
            total[comm] += read_cpu_seconds(int(entry.name)) or 0.0
    return total


def snapshot(
    server_pids: Mapping[str, int],
    loadgen_pids: Sequence[int],
    engine_comms: Collection[str] = (),
) -> CpuSnapshot:
    """`server_pids`: every server process by name (one embedded; the
    gateways and workers of a cluster, whose CPU is summed). `engine_comms`:
    the engines' command names, counted apart from the rest of the host."""
    gen = sum(read_cpu_seconds(p) or 0.0 for p in (os.getpid(), *loadgen_pids))
    per = {name: read_cpu_seconds(pid) for name, pid in server_pids.items()}
    known = {name: v for name, v in per.items() if v is not None}
    return CpuSnapshot(
        t=time.monotonic(),
        host=host_busy_seconds(),
        server=sum(known.values()) if known else None,
        loadgen=gen,
        per_process=known,
        engines=engine_seconds(engine_comms) if engine_comms else None,
    )


def usage(a: CpuSnapshot, b: CpuSnapshot) -> dict[str, Any]:
    """Percent of one core over the interval. `server_cpu_pct` is the sum over
    every server process; with more than one, `server_cpu_by_process` splits it."""
    dt = b.t - a.t
    if dt <= 0:
        return {}

    def pct(x: float) -> float:
        return round(100.0 * x / dt, 1)

    server = b.server - a.server if a.server is not None and b.server is not None else None
    gen = b.loadgen - a.loadgen
    host = b.host - a.host
    by_engine = (
        {name: max(0.0, v - a.engines.get(name, 0.0)) for name, v in b.engines.items()}
        if a.engines is not None and b.engines is not None
        else None
    )
    engines = sum(by_engine.values()) if by_engine is not None else None
    out: dict[str, Any] = {
        "server_cpu_pct": pct(server) if server is not None else None,
        "loadgen_cpu_pct": pct(gen),
        "host_cpu_pct": pct(host),
        "other_cpu_pct": pct(max(0.0, host - gen - (server or 0.0) - (engines or 0.0)))
        if server is not None
        else None,
        "host_capacity_pct": 100.0 * (os.cpu_count() or 1),
    }
    if by_engine is not None:
        out["engines_cpu_pct"] = pct(sum(by_engine.values()))
        out["engines_cpu_by_name"] = {name: pct(v) for name, v in by_engine.items()}
    if len(b.per_process) > 1:
        out["server_cpu_by_process"] = {
            name: pct(v - a.per_process[name])
            for name, v in b.per_process.items()
            if name in a.per_process
        }
    return out


async def background_pct(seconds: float = 1.0) -> float:
    """Host CPU in use (percent of one core) while the benchmark runs nothing:
    what other work on the machine takes from the measurement."""
    a = host_busy_seconds()
    t0 = time.monotonic()
    await asyncio.sleep(seconds)
    return round(100.0 * (host_busy_seconds() - a) / (time.monotonic() - t0), 1)
