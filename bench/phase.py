"""What a worker counts during one messaging phase."""

from __future__ import annotations

import resource
import time
from array import array
from collections import Counter

from bench import protocol as p


def cpu_seconds() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


class PhaseState:
    """Counters of the current phase (what this worker sent and received)."""

    def __init__(self, phase: int) -> None:
        self.phase = phase
        self.start_ns = time.time_ns()
        self.cpu0 = cpu_seconds()
        self.sent = 0
        self.send_failed = 0
        self.send_s = 0.0
        self.acked = 0
        self.pending: dict[int, tuple[int, p.PlanEntry]] = {}  # key -> (send ns, entry)
        self.acked_keys: dict[int, int] = {}  # key -> expected deliveries
        # key -> (plan entry, conversation id, seq) from the ack.
        self.ack_info: dict[int, tuple[p.PlanEntry, str, int]] = {}
        # key -> latency ms of pushes that came after the phase was collected.
        self.after_collect: dict[int, float] = {}
        self.ack_lat = array("d")
        self.errors: Counter[str] = Counter()
        self.delivered: dict[int, int] = {}
        self.n_delivered = 0
        # (key << 20 | device index) of every delivery, to spot duplicates.
        self.seen: set[int] = set()
        self.duplicated = 0
        self.late = 0
        self.lat = array("d")
        # Per message sent: how late (ms) the generator queued it after its
        # scheduled time.
        self.gen_lag = array("d")
        self.recv_t = array("d")
        self.last_push = time.time_ns()
        self.streams_closed = 0
        self.close_reasons: Counter[str] = Counter()
