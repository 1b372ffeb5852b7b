"""Open-loop pacing: when each message of a phase is due.

Latency is measured from a message's scheduled send time, not from the moment
the generator got round to sending it: when the generator's loop falls behind
(a GC pause, a busy core), the delay is the server's backlog as a client would
feel it, and hiding it would be coordinated omission. How far the generator
fell behind is reported beside the latency (`gen_lag_*`)."""

from __future__ import annotations

import math


def scheduled_ns(t0_ns: int, n: int, rate: float) -> int:
    """Wall-clock time (ns) at which message `n` (from 0) of a phase that
    started at `t0_ns` is due, at `rate` messages/s."""
    return t0_ns + round(n * 1e9 / rate)


def due_by(elapsed_s: float, rate: float, total: int) -> int:
    """How many messages (of `total`) are due `elapsed_s` seconds into the
    phase: message n is due at n / rate, so message 0 at once."""
    if elapsed_s < 0:
        return 0
    return min(total, math.floor(elapsed_s * rate + 1e-9) + 1)


def total_for(duration_s: float, rate: float) -> int:
    return round(duration_s * rate)
