"""Latency counts from each message's scheduled send time: a generator that
falls behind cannot hide the delay (no coordinated omission)."""

from __future__ import annotations

import time
from typing import Any, cast

from bench.loadgen import Worker
from bench.protocol import PlanEntry
from bench.schedule import due_by, scheduled_ns, total_for
from bench.stats import merge_phase
from parley.gateway.v1 import gateway_pb2


def test_schedule_is_open_loop() -> None:
    t0 = 1_000_000_000
    assert scheduled_ns(t0, 0, 100.0) == t0
    assert scheduled_ns(t0, 250, 100.0) == t0 + 2_500_000_000
    assert due_by(0.0, 100.0, 1000) == 1  # message 0 is due at once
    assert due_by(0.0099, 100.0, 1000) == 1
    assert due_by(0.01, 100.0, 1000) == 2
    # After a 3 s stall every message due meanwhile is owed at once.
    assert due_by(3.0, 100.0, 1000) == 301
    assert due_by(60.0, 100.0, 1000) == 1000
    assert due_by(-1.0, 100.0, 1000) == 0
    assert total_for(2.5, 40.0) == 100


class _Stream:
    def __init__(self) -> None:
        self.frames: list[gateway_pb2.ClientFrame] = []

    def send(self, frame: gateway_pb2.ClientFrame) -> bool:
        self.frames.append(frame)
        return True


def test_a_late_send_carries_its_scheduled_time() -> None:
    """A message queued 300 ms after it was due is stamped with its due time
    (the receiver's latency includes the 300 ms) and the lag is recorded."""
    worker = Worker(cast(Any, None), 0, ["127.0.0.1:1"])
    stream = _Stream()
    due = time.time_ns() - 300_000_000
    assert worker._send(cast(Any, stream), 7, PlanEntry(sender="a", recv_id="b"), "x", due)
    (frame,) = stream.frames
    assert frame.send.message.extensions["t"] == str(due)
    assert worker.state.pending[7][0] == due  # the ack latency counts from it too
    (lag,) = worker.state.gen_lag
    assert 300 <= lag < 2_000


def test_generator_lag_is_reported() -> None:
    worker = Worker(cast(Any, None), 0, ["127.0.0.1:1"])
    now = time.time_ns()
    for i, behind_ms in enumerate([0, 0, 0, 50]):
        worker._send(cast(Any, _Stream()), i, PlanEntry(sender="a"), "x", now - behind_ms * 10**6)
    s = worker.state
    from bench.protocol import PhaseResult

    st = merge_phase([PhaseResult(worker=0, phase=0, sent=s.sent, gen_lag_ms=s.gen_lag)], 4, 1)
    assert st.gen_lag_max_ms is not None and st.gen_lag_max_ms >= 50
    assert st.gen_late_fraction == 0.25
    assert st.figures()["latency_from"] == "scheduled send time"
