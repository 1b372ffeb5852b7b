"""What the coordinator and the load-generator worker processes say to each
other over their pipes (pickled dataclasses)."""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

# Message keys: phase (16 bits) | worker (8 bits) | counter (40 bits), sent as
# the hex client_msg_id so that acks and pushes can be matched without lookups.
PHASE_SHIFT = 48
WORKER_SHIFT = 40
COUNTER_MASK = (1 << WORKER_SHIFT) - 1


def make_key(phase: int, worker: int, n: int) -> int:
    return (phase << PHASE_SHIFT) | (worker << WORKER_SHIFT) | n


def key_phase(key: int) -> int:
    return key >> PHASE_SHIFT


def key_worker(key: int) -> int:
    return (key >> WORKER_SHIFT) & 0xFF


# -- commands -------------------------------------------------------------------


@dataclass
class Connect:
    """Issue tokens for `users` (unless given) and, if `open_streams`, open one
    authenticated stream per user, `streams_per_channel` per HTTP/2 connection.
    `gateways[i]` is the gateway (index into the worker's addresses) that
    user i talks to, streams and unary calls alike (default: the first)."""

    users: list[str]
    admin_token: str
    gateways: list[int] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)
    open_streams: bool = True
    # Open GatewayService.Subscribe (the browser's receive-only stream) instead of Connect.
    subscribe: bool = False
    streams_per_channel: int = 100
    concurrency: int = 200
    token_concurrency: int = 64


@dataclass
class PlanEntry:
    """One sender of a phase: to a user (single chat) or a group, with the
    number of online devices that should receive each of its messages."""

    sender: str
    recv_id: str = ""
    group_id: str = ""
    expected: int = 1


@dataclass
class Begin:
    """Start counting phase `phase` (sent to every worker before any Run, so
    that no worker sends while another still counts the previous phase)."""

    phase: int


@dataclass
class Run:
    """Send `rate` messages/s (this worker's share) for `duration` seconds,
    round-robin over the plan; reply once every ack is in (or `ack_wait` passed)."""

    phase: int
    rate: float
    duration: float
    plan: list[PlanEntry]
    payload_bytes: int = 32
    ack_wait: float = 15.0


@dataclass
class Collect:
    """Wait until no push came for `quiet` seconds (at most `cap`), then report
    the phase and start afresh."""

    quiet: float = 1.0
    cap: float = 30.0


@dataclass
class Unary:
    """Closed loop of unary calls for `duration` seconds, `concurrency` in
    flight: SendMessage over `pairs`, or PullMessages of `pull_size` messages
    from `conversations` (user, conversation id, max seq)."""

    kind: str
    duration: float
    concurrency: int
    pairs: list[tuple[str, str]] = field(default_factory=list)
    conversations: list[tuple[str, str, int]] = field(default_factory=list)
    pull_size: int = 50
    channels: int = 4


@dataclass
class Explain:
    """Look up messages of the last collected phase (keys this worker sent)."""

    keys: list[int] = field(default_factory=list)


@dataclass
class Status:
    """Report the streams' state."""


@dataclass
class Close:
    """Close every stream and channel."""


@dataclass
class Exit:
    """Stop the worker process."""


# -- replies --------------------------------------------------------------------


@dataclass
class Progress:
    worker: int
    sent: int = 0
    acked: int = 0
    delivered: int = 0
    connected: int = 0
    calls: int = 0


@dataclass
class Ready:
    worker: int


@dataclass
class Connected:
    worker: int
    connected: list[str]
    failed: dict[str, int]
    tokens_s: float
    connect_s: float


@dataclass
class Sent:
    worker: int
    sent: int
    acked: int
    send_s: float


@dataclass
class PhaseResult:
    worker: int
    phase: int
    sent: int = 0
    send_failed: int = 0
    send_s: float = 0.0
    # key -> online devices that should get it, for every acked message.
    acked: dict[int, int] = field(default_factory=dict)
    ack_lat_ms: array[float] = field(default_factory=lambda: array("d"))
    errors: dict[str, int] = field(default_factory=dict)
    # key -> distinct devices of this worker that got it.
    delivered: dict[int, int] = field(default_factory=dict)
    duplicated: int = 0
    late: int = 0
    lat_ms: array[float] = field(default_factory=lambda: array("d"))
    # Receive time of each latency sample, seconds since the phase started.
    recv_t: array[float] = field(default_factory=lambda: array("d"))
    streams_closed: int = 0
    close_reasons: dict[str, int] = field(default_factory=dict)
    cpu_s: float = 0.0
    # False when the collect cap ran out while acks or pushes were still coming.
    drained: bool = True
    # Per message sent: ms between its scheduled time and its queueing on the stream.
    gen_lag_ms: array[float] = field(default_factory=lambda: array("d"))


@dataclass
class UnaryResult:
    worker: int
    kind: str
    calls: int = 0
    items: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    lat_ms: array[float] = field(default_factory=lambda: array("d"))
    done_t: array[float] = field(default_factory=lambda: array("d"))
    elapsed: float = 0.0
    cpu_s: float = 0.0


@dataclass
class LostMessage:
    key: int
    sender: str = ""
    receiver: str = ""
    conversation_id: str = ""
    seq: int = 0
    # Whether PullMessages returns it at its seq (it is durable).
    stored: bool | None = None
    # Latency of its push if it came after the phase was collected.
    late_ms: float | None = None
    note: str = ""


@dataclass
class Explained:
    worker: int
    items: list[LostMessage] = field(default_factory=list)


@dataclass
class StreamStatus:
    worker: int
    open: int
    closed: int
    close_reasons: dict[str, int]
    rss_kb: int


@dataclass
class Failed:
    """A command raised in the worker."""

    worker: int
    error: str
