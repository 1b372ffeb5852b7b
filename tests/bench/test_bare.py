"""The transport ceiling's bare servers speak the gateway frames well enough
for the load generator's accounting: every send acked, every push counted."""

from __future__ import annotations

import pytest

from bench.config import Options, Params
from bench.context import Context
from bench.pool import WorkerPool
from bench.scenarios.group import group_plan
from bench.scenarios.pairs import pair_plan
from bench.server import BareServer


@pytest.mark.parametrize(("mode", "online", "expected"), [("echo", 4, 20), ("fanout", 5, 80)])
async def test_bare_server_accounting(mode: str, online: int, expected: int) -> None:
    server = BareServer(mode=mode)
    target = server.start()
    pool = WorkerPool(1, target.address)
    try:
        await pool.start()
        ctx = Context(Options(progress=False, params=Params(drain_cap=5.0)), target, pool, mode)
        pop = ctx.unregistered(online)
        users = await ctx.connect(pop)
        assert len(users) == online
        plan = pair_plan(pop.users, users) if mode == "echo" else group_plan(users, "g", senders=1)
        st = await ctx.message_phase(pop, plan, rate=20, duration=1.0, label="t", profile=False)
    finally:
        await pool.stop()
        server.stop()
    assert (st.sent, st.acked, st.lost, st.duplicated) == (20, 20, 0, 0)
    assert st.delivered == st.expected == expected
    assert st.p99_ms is not None and st.gen_lag_p99_ms is not None
