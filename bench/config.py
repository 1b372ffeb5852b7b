"""Run options: the command line, with the defaults of the full run and of
`--short` (a quick pass of every scenario)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from bench.grown import default_cache_dir

RESULTS_DIR = Path(__file__).resolve().parent / "results"
SCENARIOS = ("one-to-one", "group", "connections", "unary", "search", "search-grown")


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
    group_rate: float = 60.0  # messages/s into the group (x online members = deliveries/s)
    group_senders: int = 20
    # connections
    connections: int = 10_000
    streams_per_channel: int = 100
    connect_concurrency: int = 200
    hold: float = 10.0
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
    search_factor: float = 1.25
    search_step_s: float = 10.0
    search_max_steps: int = 14
    search_refine: int = 2
    search_p99_ms: float = 200.0
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
    "group_rate": 50.0,
    "group_senders": 10,
    "connections": 2000,
    "hold": 3.0,
    "unary_conversations": 20,
    "unary_duration": 5.0,
    "unary_concurrency": 32,
    "search_users": 200,
    "search_start": 500.0,
    "search_factor": 1.6,
    "search_step_s": 4.0,
    "search_max_steps": 6,
    "search_refine": 0,
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
    wait_quiet: float = 0.0
    # Cluster mode without --target: the local cluster's process counts, and
    # the engines' URLs (filled in once they answer).
    gateways: int = 2
    cluster_workers: int = 2
    engines: dict[str, str] = field(default_factory=dict)
    results_dir: Path = RESULTS_DIR
    # Where bench.grown keeps the grown databases it built.
    grown_cache: Path = field(default_factory=default_cache_dir)
    profile: bool = False
    profile_native: bool = False
    progress: bool = True
    plot: bool = True
    params: Params = field(default_factory=Params)

    @property
    def external(self) -> bool:
        return self.target is not None
