"""The process's Prometheus metrics.

Module-level objects in a registry of our own (not prometheus_client's global
one), so importing a library that registers metrics cannot collide with ours.
Increments are a lock and an add: cheap enough for the send path. Figures
the code already keeps (open streams, commit counts) are read at scrape time
by `RuntimeCollector` instead of being counted twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from parley import bounded

REGISTRY = CollectorRegistry(auto_describe=True)

_LATENCY_BUCKETS = (
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)
_SIZE_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096)

MESSAGES = Counter(
    "parley_messages",
    "Messages and events stored, by session type and content kind ('event' for typed events).",
    ["session", "kind"],
    registry=REGISTRY,
)
SEND_SECONDS = Histogram(
    "parley_send_latency_seconds",
    "User message sends from enqueue (validation) to the durable ack.",
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
PUSH_FRAMES = Counter(
    "parley_push_frames",
    "Stored messages and events queued to online devices (one per device).",
    registry=REGISTRY,
)
OFFLINE_PUSHES = Counter(
    "parley_offline_pushes",
    "Recipients handed to the offline-push hook.",
    registry=REGISTRY,
)
STREAM_OPENS = Counter(
    "parley_stream_opens",
    "Streams that authenticated and registered.",
    registry=REGISTRY,
)
HOOK_CALLS = Counter(
    "parley_hook_calls",
    "Webhook calls by event and result (ok, denied, error, timeout, dropped).",
    ["event", "result"],
    registry=REGISTRY,
)
HOOK_SECONDS = Histogram(
    "parley_hook_latency_seconds",
    "Webhook HTTP round trips by phase (before: on the caller's path; after: queued).",
    ["phase"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
COMMIT_SECONDS = Histogram(
    "parley_commit_latency_seconds",
    "Group-commit transactions: time to write and commit one batch.",
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
COMMIT_MESSAGES = Histogram(
    "parley_commit_batch_messages",
    "Messages written per group-commit transaction.",
    buckets=_SIZE_BUCKETS,
    registry=REGISTRY,
)
RPCS = Counter(
    "parley_rpc_requests",
    "Unary RPCs by method and status code.",
    ["method", "code"],
    registry=REGISTRY,
)
RPC_SECONDS = Histogram(
    "parley_rpc_latency_seconds",
    "Unary RPC handling time by method.",
    ["method"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)

_SESSIONS = {1: "single", 2: "group", 3: "notification"}
_message_children: dict[tuple[int, str], Callable[[], None]] = {}


def count_message(session_type: int, kind: str) -> None:
    """MESSAGES.labels(...).inc() with the child looked up once per label pair."""
    inc = _message_children.get((session_type, kind))
    if inc is None:
        child = MESSAGES.labels(_SESSIONS.get(session_type, "other"), kind)
        inc = _message_children[(session_type, kind)] = child.inc
    inc()


class RuntimeCollector(Collector):
    """Gauges and counters read from live objects at scrape time. The scrape
    runs on the event loop (the metrics server is aiohttp), so reading the
    registry's dicts cannot race their mutation."""

    def __init__(self, read: Callable[[], dict[str, float]]) -> None:
        self._read = read

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        values = self._read()
        gauges = {
            "parley_streams_open": "Open device streams.",
            "parley_online_users": "Users with at least one open stream.",
            "parley_presence_watched_users": "Users whose presence a stream here watches.",
            "parley_hook_queue_depth": "After-hook calls waiting in the queue.",
        }
        counters = {
            "parley_commit_batches": "Group-commit batches written.",
            "parley_commit_writes": "Writes submitted to the group commit (merged into batches).",
            "parley_frames_in": "Client frames received on streams.",
        }
        for name, doc in gauges.items():
            if name in values:
                yield GaugeMetricFamily(name, doc, value=values[name])
        for name, doc in counters.items():
            if name in values:
                yield CounterMetricFamily(name, doc, value=values[name])
        caches = GaugeMetricFamily(
            "parley_cache_entries",
            "Entries in each bounded in-memory map (sizes: the [caches] settings).",
            labels=["cache"],
        )
        for cache, n in sorted(bounded.sizes().items()):
            caches.add_metric([cache], n)
        yield caches
