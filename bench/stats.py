"""Figures from the workers' raw results: percentiles, message accounting,
per-second time series."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench import protocol as p

LOST_SAMPLE = 20
GEN_LATE_MS = 10.0


def percentile(sorted_values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of an ascending sequence."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(q / 100.0 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def rounded(v: float | None, nd: int = 2) -> float | None:
    return None if v is None else round(v, nd)


@dataclass
class Series:
    """Per-second buckets of (receive time, latency) samples."""

    t: list[float] = field(default_factory=list)
    count: list[int] = field(default_factory=list)
    p50: list[float | None] = field(default_factory=list)
    p99: list[float | None] = field(default_factory=list)

    def as_json(self) -> list[dict[str, Any]]:
        return [
            {"t": t, "n": n, "p50_ms": rounded(a), "p99_ms": rounded(b)}
            for t, n, a, b in zip(self.t, self.count, self.p50, self.p99, strict=True)
        ]


def series(times: Iterable[float], values: Iterable[float], bucket: float = 1.0) -> Series:
    buckets: dict[int, list[float]] = {}
    for t, v in zip(times, values, strict=True):
        buckets.setdefault(int(t // bucket), []).append(v)
    out = Series()
    for b in sorted(buckets):
        vals = sorted(buckets[b])
        out.t.append(b * bucket)
        out.count.append(len(vals))
        out.p50.append(percentile(vals, 50))
        out.p99.append(percentile(vals, 99))
    return out


@dataclass
class PhaseStats:
    """One messaging phase, every worker merged."""

    target_rate: float
    duration: float
    sent: int = 0
    send_failed: int = 0
    acked: int = 0
    delivered: int = 0  # (device, message) deliveries
    messages_delivered: int = 0  # distinct messages delivered at least once
    expected: int = 0  # deliveries owed for the acked messages
    lost: int = 0  # owed deliveries that never came
    lost_messages: int = 0  # acked messages with at least one missing delivery
    lost_keys: list[int] = field(default_factory=list)  # a sample of them
    lost_detail: list[dict[str, Any]] = field(default_factory=list)
    unacked_delivered: int = 0
    duplicated: int = 0
    late: int = 0
    drained: bool = True
    window_s: float = 0.0
    send_s: float = 0.0
    p50_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None
    ack_p50_ms: float | None = None
    ack_p99_ms: float | None = None
    # How far behind its schedule the generator queued the messages (ms);
    # already inside the latencies above, reported so that a slow generator
    # is seen for what it is.
    gen_lag_p50_ms: float | None = None
    gen_lag_p99_ms: float | None = None
    gen_lag_max_ms: float | None = None
    gen_late_fraction: float = 0.0  # share of messages queued > GEN_LATE_MS late
    errors: dict[str, int] = field(default_factory=dict)
    streams_closed: int = 0
    close_reasons: dict[str, int] = field(default_factory=dict)
    cpu: dict[str, Any] = field(default_factory=dict)
    timeline: Series = field(default_factory=Series)

    @property
    def sent_per_s(self) -> float:
        return self.sent / self.send_s if self.send_s else 0.0

    @property
    def msgs_per_s(self) -> float:
        return self.messages_delivered / self.window_s if self.window_s else 0.0

    @property
    def deliveries_per_s(self) -> float:
        return self.delivered / self.window_s if self.window_s else 0.0

    def sustained(self, p99_limit_ms: float, min_fraction: float = 0.95) -> bool:
        """Kept up with the target: everything acked and delivered, the send
        rate reached, and the p99 latency under the limit."""
        return (
            self.sent > 0
            and self.lost == 0
            and self.duplicated == 0
            and self.acked == self.sent
            and self.sent_per_s >= min_fraction * self.target_rate
            and self.p99_ms is not None
            and self.p99_ms <= p99_limit_ms
        )

    def figures(self) -> dict[str, Any]:
        return {
            "target_rate": self.target_rate,
            "duration_s": self.duration,
            "sent_per_s": round(self.sent_per_s, 1),
            "msgs_per_s": round(self.msgs_per_s, 1),
            "deliveries_per_s": round(self.deliveries_per_s, 1),
            "p50_ms": rounded(self.p50_ms),
            "p99_ms": rounded(self.p99_ms),
            "max_ms": rounded(self.max_ms),
            "ack_p50_ms": rounded(self.ack_p50_ms),
            "ack_p99_ms": rounded(self.ack_p99_ms),
            "latency_from": "scheduled send time",
            "gen_lag_p50_ms": rounded(self.gen_lag_p50_ms),
            "gen_lag_p99_ms": rounded(self.gen_lag_p99_ms),
            "gen_lag_max_ms": rounded(self.gen_lag_max_ms),
            "gen_late_fraction": round(self.gen_late_fraction, 4),
            "sent": self.sent,
            "send_failed": self.send_failed,
            "acked": self.acked,
            "delivered": self.delivered,
            "expected": self.expected,
            "lost": self.lost,
            "lost_messages": self.lost_messages,
            "duplicated": self.duplicated,
            "late": self.late,
            "drained": self.drained,
            "unacked_delivered": self.unacked_delivered,
            "lost_detail": self.lost_detail,
            "errors": self.errors,
            "streams_closed": self.streams_closed,
            "close_reasons": self.close_reasons,
            "window_s": round(self.window_s, 2),
            **self.cpu,
        }


def merge_phase(
    results: Sequence[p.PhaseResult], target_rate: float, duration: float
) -> PhaseStats:
    st = PhaseStats(target_rate=target_rate, duration=duration)
    delivered: Counter[int] = Counter()
    acked: dict[int, int] = {}
    errors: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    lat: list[float] = []
    times: list[float] = []
    ack_lat: list[float] = []
    gen_lag: list[float] = []
    for r in results:
        gen_lag.extend(r.gen_lag_ms)
        st.sent += r.sent
        st.send_failed += r.send_failed
        st.send_s = max(st.send_s, r.send_s)
        acked.update(r.acked)
        delivered.update(r.delivered)
        st.duplicated += r.duplicated
        st.late += r.late
        errors.update(r.errors)
        reasons.update(r.close_reasons)
        st.streams_closed += r.streams_closed
        lat.extend(r.lat_ms)
        times.extend(r.recv_t)
        ack_lat.extend(r.ack_lat_ms)
        st.drained = st.drained and r.drained
    st.acked = len(acked)
    st.delivered = sum(delivered.values())
    st.messages_delivered = len(delivered)
    for key, expected in acked.items():
        got = delivered.get(key, 0)
        st.expected += expected
        if got < expected:
            st.lost += expected - got
            st.lost_messages += 1
            if len(st.lost_keys) < LOST_SAMPLE:
                st.lost_keys.append(key)
    st.unacked_delivered = sum(1 for k in delivered if k not in acked)
    st.errors = dict(errors)
    st.close_reasons = dict(reasons)
    st.window_s = max([duration, *times]) if times else duration
    slat = sorted(lat)
    st.p50_ms = percentile(slat, 50)
    st.p99_ms = percentile(slat, 99)
    st.max_ms = slat[-1] if slat else None
    sack = sorted(ack_lat)
    st.ack_p50_ms = percentile(sack, 50)
    st.ack_p99_ms = percentile(sack, 99)
    st.timeline = series(times, lat)
    slag = sorted(gen_lag)
    st.gen_lag_p50_ms = percentile(slag, 50)
    st.gen_lag_p99_ms = percentile(slag, 99)
    st.gen_lag_max_ms = slag[-1] if slag else None
    if slag:
        st.gen_late_fraction = sum(1 for x in slag if x > GEN_LATE_MS) / len(slag)
    return st


@dataclass
class UnaryStats:
    kind: str
    calls: int = 0
    items: int = 0
    elapsed: float = 0.0
    p50_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None
    errors: dict[str, int] = field(default_factory=dict)
    cpu: dict[str, Any] = field(default_factory=dict)
    timeline: Series = field(default_factory=Series)

    @property
    def calls_per_s(self) -> float:
        return self.calls / self.elapsed if self.elapsed else 0.0

    @property
    def items_per_s(self) -> float:
        return self.items / self.elapsed if self.elapsed else 0.0

    def figures(self) -> dict[str, Any]:
        return {
            "calls": self.calls,
            "calls_per_s": round(self.calls_per_s, 1),
            "items": self.items,
            "items_per_s": round(self.items_per_s, 1),
            "p50_ms": rounded(self.p50_ms),
            "p99_ms": rounded(self.p99_ms),
            "max_ms": rounded(self.max_ms),
            "errors": self.errors,
            "elapsed_s": round(self.elapsed, 2),
            **self.cpu,
        }


def merge_unary(results: Sequence[p.UnaryResult]) -> UnaryStats:
    st = UnaryStats(kind=results[0].kind if results else "")
    errors: Counter[str] = Counter()
    lat: list[float] = []
    times: list[float] = []
    for r in results:
        st.calls += r.calls
        st.items += r.items
        st.elapsed = max(st.elapsed, r.elapsed)
        errors.update(r.errors)
        lat.extend(r.lat_ms)
        times.extend(r.done_t)
    st.errors = dict(errors)
    slat = sorted(lat)
    st.p50_ms = percentile(slat, 50)
    st.p99_ms = percentile(slat, 99)
    st.max_ms = slat[-1] if slat else None
    st.timeline = series(times, lat)
    return st
