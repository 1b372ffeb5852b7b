"""The benchmark runs end to end: a short one-to-one scenario against a
server it starts, with every message accounted for."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import grpc
import pytest

from bench.config import Options, Params
from bench.context import Context
from bench.pool import WorkerPool
from bench.protocol import PlanEntry
from bench.provision import GroupsUnavailable, create_group
from bench.result import REQUIRED_KEYS
from bench.server import LocalServer
from parley.group.v1 import group_pb2_grpc

REPO = Path(__file__).resolve().parents[2]


def test_one_to_one_smoke(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--scenario",
            "one-to-one",
            "--users",
            "20",
            "--rate",
            "40",
            "--duration",
            "2",
            "--workers",
            "2",
            "--drain-cap",
            "10",
            "--results",
            str(tmp_path),
            "--no-progress",
            "--no-plot",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
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


def test_cluster_mode_is_reported_skipped(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--mode",
            "cluster",
            "--scenario",
            "group",
            "--results",
            str(tmp_path),
            "--no-progress",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=55,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads((tmp_path / "group-cluster.json").read_text())
    assert data["skipped"] == "skipped: cluster mode not implemented"
    assert "skipped: cluster mode not implemented" in proc.stdout


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
