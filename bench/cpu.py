"""CPU accounting over a phase, in percent of one core: the server, the load
generator (workers and coordinator), and everything else on the host. The
last one matters on a shared machine: other work there skews the figures."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass

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


def snapshot(server_pid: int | None, loadgen_pids: Sequence[int]) -> CpuSnapshot:
    gen = sum(read_cpu_seconds(p) or 0.0 for p in (os.getpid(), *loadgen_pids))
    return CpuSnapshot(
        t=time.monotonic(),
        host=host_busy_seconds(),
        server=read_cpu_seconds(server_pid) if server_pid else None,
        loadgen=gen,
    )


def usage(a: CpuSnapshot, b: CpuSnapshot) -> dict[str, float | None]:
    dt = b.t - a.t
    if dt <= 0:
        return {}

    def pct(x: float) -> float:
        return round(100.0 * x / dt, 1)

    server = b.server - a.server if a.server is not None and b.server is not None else None
    gen = b.loadgen - a.loadgen
    host = b.host - a.host
    return {
        "server_cpu_pct": pct(server) if server is not None else None,
        "loadgen_cpu_pct": pct(gen),
        "host_cpu_pct": pct(host),
        "other_cpu_pct": pct(max(0.0, host - gen - (server or 0.0)))
        if server is not None
        else None,
        "host_capacity_pct": 100.0 * (os.cpu_count() or 1),
    }


async def background_pct(seconds: float = 1.0) -> float:
    """Host CPU in use (percent of one core) while the benchmark runs nothing:
    what other work on the machine takes from the measurement."""
    a = host_busy_seconds()
    t0 = time.monotonic()
    await asyncio.sleep(seconds)
    return round(100.0 * (host_busy_seconds() - a) / (time.monotonic() - t0), 1)
