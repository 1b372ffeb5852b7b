"""The benchmark runs end to end: a short one-to-one scenario against a
server it starts, with every message accounted for."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
from pathlib import Path

import grpc
import pytest

from bench.cluster import (
    EnginesUnavailable,
    LocalCluster,
    Namespaces,
    ensure_engines,
    namespaces_left,
)
from bench.config import Options, Params
from bench.context import Context
from bench.pool import WorkerPool
from bench.protocol import PlanEntry
from bench.provision import GroupsUnavailable, create_group
from bench.result import REQUIRED_KEYS
from bench.server import LocalServer
from parley.group.v1 import group_pb2_grpc

REPO = Path(__file__).resolve().parents[2]


def run_bench(results: Path, *args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """`python -m bench` with `args`, short drains, no bars or plots."""
    return subprocess.run(
        [
            *(sys.executable, "-m", "bench", *args),
            *("--drain-cap", "10", "--results", str(results), "--no-progress", "--no-plot"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_one_to_one_smoke(tmp_path: Path) -> None:
    proc = run_bench(
        tmp_path,
        *("--scenario", "one-to-one", "--users", "20", "--rate", "40", "--duration", "2"),
        *("--workers", "2"),
        timeout=55,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads((tmp_path / "one-to-one-embedded.json").read_text())
    missing = [k for k in REQUIRED_KEYS if k not in data]
    assert not missing, missing
    assert data["scenario"] == "one-to-one"
    assert data["mode"] == "embedded"
    assert data["target_rate"] == 40
    assert data["online"] == 20
    assert data["sent"] == 80
    assert data["acked"] == data["sent"]
    assert data["delivered"] == data["acked"]
    assert data["lost"] == 0
    assert data["duplicated"] == 0
    assert data["p50_ms"] is not None and data["p99_ms"] >= data["p50_ms"]
    assert data["cpu_count"] >= 1
    assert "one-to-one" in proc.stdout  # the table


def test_subscribe_smoke(tmp_path: Path) -> None:
    """The browser's Subscribe stream beside the bidi stream: memory per idle
    stream and push latency of each, every message accounted for."""
    proc = run_bench(
        tmp_path,
        *("--scenario", "subscribe", "--connections", "100", "--subscribe-users", "20"),
        *("--subscribe-rate", "20", "--duration", "2"),
        timeout=90,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads((tmp_path / "subscribe-embedded.json").read_text())
    assert not [k for k in REQUIRED_KEYS if k not in data]
    for transport in ("connect", "subscribe"):
        push = data["push_by_transport"][transport]
        assert push["sent"] == 40 and push["delivered"] == push["acked"] == 40, push
        assert push["lost"] == push["duplicated"] == 0
        assert push["p99_ms"] >= push["p50_ms"] > 0
        assert data["kb_per_stream_by_transport"][transport] is not None
    assert data["p99_ms"] == data["push_p99_ms"]["subscribe"]
    assert "push via subscribe" in proc.stdout and "idle subscribe" in proc.stdout


@pytest.mark.cluster
def test_cluster_mode_runs_a_local_cluster(tmp_path: Path) -> None:
    """`--mode cluster` starts two gateways and two workers on the engines,
    spreads the pairs over the gateways (every message crosses them), sums
    CPU and memory over the processes and drops its namespaces afterwards."""
    proc = run_bench(
        tmp_path,
        *("--mode", "cluster", "--scenario", "one-to-one", "--users", "20", "--rate", "40"),
        *("--duration", "2"),
        timeout=90,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads((tmp_path / "one-to-one-cluster.json").read_text())
    assert data["mode"] == "cluster"
    assert data["mode_label"] == "cluster 2gw+2wk"
    assert "cluster 2gw+2wk" in proc.stdout  # the table's mode column
    assert data["online"] == 20, (data.get("connect_failed"), proc.stderr[-3000:])
    assert data["online_by_gateway"] == {"gw1": 10, "gw2": 10}
    assert (data["sent"], data["acked"], data["delivered"]) == (80, 80, 80)
    assert data["lost"] == 0 and data["duplicated"] == 0
    assert set(data["server_cpu_by_process"]) == {"gw1", "gw2", "wk1", "wk2"}
    assert set(data["cluster"]["rss_mb_by_process"]) == {"gw1", "gw2", "wk1", "wk2"}
    by_process = data["cluster"]["rss_mb_by_process"].values()
    assert data["server_rss_mb"] == pytest.approx(sum(by_process), abs=2.0)
    assert data["cluster"]["exit_codes"] == {"gw1": 0, "gw2": 0, "wk1": 0, "wk2": 0}
    assert "not_removed" not in data["cluster"]
    left = asyncio.run(
        namespaces_left(Namespaces(data["cluster"]["namespaces"]), ensure_engines(start=False))
    )
    assert left == {"schema": 0, "mongo_db": 0, "redis_keys": 0, "streams": 0}


@pytest.mark.cluster
async def test_local_cluster_sends_across_gateways_and_cleans_up() -> None:
    """A LocalCluster owns a schema, a Mongo database, Redis keys and a
    stream while it runs, carries a message from a device on one gateway to
    one on the other, and leaves nothing behind."""
    urls = ensure_engines(start=False)
    cluster = LocalCluster(urls, gateways=2, workers=1)
    target = await cluster.start()
    pool = WorkerPool(1, target.gateway_addresses())
    try:
        assert len(set(target.gateway_addresses())) == 2
        assert set(target.server_pids()) == {"gw1", "gw2", "wk1"}
        held = await namespaces_left(cluster.ns, urls)
        assert (held["schema"], held["mongo_db"], held["streams"]) == (1, 1, 1)
        assert held["redis_keys"] >= 1  # the warm-up's seq counter, leases, presence
        await pool.start()
        ctx = Context(Options(progress=False, params=Params(drain_cap=5.0)), target, pool, "x")
        pop = await ctx.populate(2)
        a, b = pop.users
        assert (pop.gateway(a, 2), pop.gateway(b, 2)) == (0, 1)
        plan = [PlanEntry(sender=a, recv_id=b), PlanEntry(sender=b, recv_id=a)]
        st = await ctx.message_phase(pop, plan, rate=4, duration=1.0, label="t", profile=False)
        assert (st.sent, st.acked, st.delivered, st.lost, st.duplicated) == (4, 4, 4, 0, 0)
        assert set(st.cpu["server_cpu_by_process"]) == {"gw1", "gw2", "wk1"}
    finally:
        await pool.stop()
        assert set(cluster.stop().values()) == {0}
        assert await cluster.remove_namespaces() == []
    assert await namespaces_left(cluster.ns, urls) == {
        "schema": 0,
        "mongo_db": 0,
        "redis_keys": 0,
        "streams": 0,
    }


def test_missing_engine_fails_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    """An engine that does not answer is an error naming it, never a skip."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens
    monkeypatch.setenv("PARLEY_TEST_REDIS_URL", f"redis://127.0.0.1:{port}/0")
    with pytest.raises(EnginesUnavailable, match=f"redis at 127.0.0.1:{port}"):
        ensure_engines(start=False)


async def test_groups_unimplemented_is_detected() -> None:
    """A server whose GroupService answers UNIMPLEMENTED makes the group
    scenario skip instead of fail."""
    server = grpc.aio.server()
    group_pb2_grpc.add_GroupServiceServicer_to_server(group_pb2_grpc.GroupServiceServicer(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        with pytest.raises(GroupsUnavailable):
            await create_group(f"127.0.0.1:{port}", "token", ["a", "b"])
    finally:
        await server.stop(None)


async def test_undelivered_messages_count_as_lost() -> None:
    """Messages to a user who is not online are acked but never pushed: the
    accounting reports them lost, and the lookup finds them stored."""
    opts = Options(progress=False, params=Params(drain_cap=5.0))
    server = LocalServer()
    target = server.start()
    pool = WorkerPool(2, target.address)
    try:
        await pool.start()
        ctx = Context(opts, target, pool, "accounting")
        pop = await ctx.register(4)
        await ctx.connect(pop, pop.users[:3])
        a, b, c, offline = pop.users
        plan = [PlanEntry(sender=a, recv_id=b), PlanEntry(sender=c, recv_id=offline)]
        st = await ctx.message_phase(pop, plan, rate=10, duration=1.0, label="t", profile=False)
    finally:
        await pool.stop()
        server.stop()
    assert (st.sent, st.acked, st.delivered, st.lost, st.duplicated) == (10, 10, 5, 5, 0)
    assert len(st.lost_detail) == 5
    assert all(d["stored"] and d["receiver"] == offline for d in st.lost_detail)
