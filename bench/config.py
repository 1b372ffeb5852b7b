"""Run options: the command line, with the defaults of the full run and of
`--short` (a quick pass of every scenario)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from bench.grown import default_cache_dir

RESULTS_DIR = Path(__file__).resolve().parent / "results"
# What a run does by default: the transport ceilings first (the Parley
# capacities are read against them), then the capacities and the rest.
SCENARIOS = (
    "ceiling-echo",
    "ceiling-fanout",
    "search",
    "group",
    "connections",
    "subscribe",
    "unary",
    "search-grown",
    "files",
)
# Also available: one-to-one at a single offered load (-s one-to-one --rate R),
# a probe (e.g. for --profile), not a capacity.
CHOICES = (*SCENARIOS, "one-to-one")


@dataclass
class Params:
    """Scenario parameters. Full-run defaults here; SHORT overrides some."""

    # one-to-one
    users: int = 2000
    rate: float = 6000.0
    duration: float = 30.0
    payload_bytes: int = 32
    # group
    group_size: int = 1000
    group_online: int = 500
    # messages/s into the group (x online members = deliveries/s): where the
    # group's rate search starts
    group_rate: float = 40.0
    group_senders: int = 20
    group_p99_ms: float = 100.0
    # connections
    connections: int = 10_000
    streams_per_channel: int = 100
    connect_concurrency: int = 200
    hold: float = 10.0
    # subscribe: push latency, Connect beside Subscribe receivers (half the
    # users each, in one-way pairs), at this total rate for `duration` s; the
    # memory per idle stream of each with `connections` streams
    subscribe_users: int = 2000
    subscribe_rate: float = 1000.0
    # unary
    # Conversations (user pairs) the unary sends fill, few enough that the
    # pulls get full pages.
    unary_conversations: int = 100
    unary_duration: float = 15.0
    unary_concurrency: int = 64
    pull_size: int = 50
    # search
    search_users: int = 2000
    search_start: float = 1000.0
    search_factor: float = 1.5
    search_step_s: float = 10.0
    search_max_steps: int = 12  # per p99 limit
    search_tolerance: float = 0.05  # bisect until failing / holding rate <= 1 + this
    search_p99_ms: float = 200.0
    search_tight_p99_ms: float = 50.0
    # search-grown: the search on a server whose database already holds this
    # many messages over this many one-to-one conversations (bench.grown)
    grown_messages: int = 1_000_000
    grown_conversations: int = 10_000
    # phases
    drain_cap: float = 30.0


SHORT: dict[str, Any] = {
    "users": 200,
    "rate": 1000.0,
    "duration": 8.0,
    "group_size": 200,
    "group_online": 100,
    "group_rate": 60.0,
    "group_senders": 10,
    "connections": 2000,
    "hold": 3.0,
    "subscribe_users": 200,
    "subscribe_rate": 200.0,
    "unary_conversations": 20,
    "unary_duration": 5.0,
    "unary_concurrency": 32,
    "search_users": 200,
    "search_start": 500.0,
    "search_step_s": 4.0,
    "search_max_steps": 10,
    "search_tolerance": 0.1,
    "grown_messages": 50_000,
    "grown_conversations": 1_000,
    "drain_cap": 10.0,
}


def param_names() -> list[str]:
    return [f.name for f in fields(Params)]


@dataclass
class Options:
    scenarios: list[str] = field(default_factory=lambda: list(SCENARIOS))
    mode: str = "embedded"
    short: bool = False
    workers: int = 1
    target: str | None = None
    admin_secret: str | None = None
    server_pid: int | None = None
    server_env: dict[str, str] = field(default_factory=dict)
    # A git revision whose server/ is exported and run instead of the work tree's.
    server_rev: str | None = None
    server_source: Path | None = None
    # Revisions whose servers run beside it, scenario by scenario.
    compare_revs: list[str] = field(default_factory=list)
    wait_quiet: float = 0.0
    # Cluster mode without --target: the local cluster's process counts, and
    # the engines' URLs (filled in once they answer).
    gateways: int = 2
    cluster_workers: int = 2
    engines: dict[str, str] = field(default_factory=dict)
    results_dir: Path = RESULTS_DIR
    # Where bench.grown keeps the grown databases it built.
    grown_cache: Path = field(default_factory=default_cache_dir)
    # CPUs the started server processes may run on (os.sched_setaffinity),
    # e.g. {0} to measure one core while the load generator has the other.
    server_cpus: frozenset[int] | None = None
    profile: bool = False
    profile_native: bool = False
    progress: bool = True
    plot: bool = True
    params: Params = field(default_factory=Params)

    @property
    def external(self) -> bool:
        return self.target is not None
