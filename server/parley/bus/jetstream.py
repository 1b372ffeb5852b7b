"""JetStream setup and the gateway side of the pipeline: publish an append
and wait for the stream's ack ("stored in the durable log")."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import NotFoundError

from parley.bus.codec import HOLE, TICK, Envelope
from parley.bus.subjects import (
    STREAM,
    message_subject,
    partition_filter,
    partition_of,
    stream_subjects,
    tick_subject,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BusConfig:
    url: str = "nats://127.0.0.1:4222"
    prefix: str = "parley"
    partitions: int = 8
    # JetStream de-duplicates publishes with the same Nats-Msg-Id this long.
    duplicate_window_seconds: float = 600.0
    # The log keeps messages this long (workers persist them long before).
    max_age_seconds: float = 7 * 86_400.0
    replicas: int = 1
    # A worker fetches at most this many messages of a partition at once, and
    # no other worker gets any of the partition until they are acked: one
    # batch in flight per partition keeps each conversation in order.
    batch: int = 256
    # Unacked messages go to another worker after this long.
    ack_wait_seconds: float = 10.0
    # The gateway acks a send only if the log acked it within this long of
    # the seq's allocation; workers refuse messages older than
    # publish_deadline + skew_margin when appended (the late rule).
    publish_deadline_seconds: float = 3.0
    skew_margin_seconds: float = 2.0

    @property
    def stream(self) -> str:
        return f"{STREAM}_{self.prefix.upper()}" if self.prefix != "parley" else STREAM

    @property
    def late_ms(self) -> int:
        return int((self.publish_deadline_seconds + self.skew_margin_seconds) * 1000)

    @property
    def restamp_after_ms(self) -> int:
        """A message persisted later than this after its allocation gets
        fresh conversation-list versions (docs/cluster.md)."""
        return self.late_ms + 2000

    @property
    def version_lag_ms(self) -> int:
        """How far conversation-list cursors stay behind the clock: the
        restamp bound, the skew of the three nodes involved (allocating,
        writing, listing) both ways, and the write itself (3 s)."""
        return self.restamp_after_ms + int(4 * self.skew_margin_seconds * 1000) + 3000

    def durable(self, partition: int) -> str:
        return f"{self.prefix}-worker-{partition}"


async def connect(url: str, name: str) -> Client:
    # Reconnect forever: a NATS restart must not take the process down.
    # pending_size=0: no buffering while reconnecting, a publish then fails at
    # once. A buffered append would reach the log when NATS is back, seconds
    # after its gateway gave up on it (too late: a hole), and the client's
    # resend would be de-duplicated against it.
    return await nats.connect(
        url,
        name=name,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        connect_timeout=5,
        allow_reconnect=True,
        pending_size=0,
    )


async def ensure_stream(js: JetStreamContext, cfg: BusConfig) -> None:
    """Creates (or updates) the stream and one durable pull consumer per partition."""
    sc = StreamConfig(
        name=cfg.stream,
        subjects=[stream_subjects(cfg.prefix)],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        max_age=cfg.max_age_seconds,
        duplicate_window=cfg.duplicate_window_seconds,
        num_replicas=cfg.replicas,
        discard=DiscardPolicy.OLD,
        allow_direct=True,
    )
    try:
        await js.stream_info(cfg.stream)
        await js.update_stream(sc)
    except NotFoundError:
        await js.add_stream(sc)
    for p in range(cfg.partitions):
        await js.add_consumer(cfg.stream, consumer_config(cfg, p))


def consumer_config(cfg: BusConfig, partition: int) -> ConsumerConfig:
    return ConsumerConfig(
        durable_name=cfg.durable(partition),
        filter_subject=partition_filter(cfg.prefix, partition),
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=cfg.ack_wait_seconds,
        max_ack_pending=cfg.batch,
        max_deliver=-1,
    )


class DuplicateAppend(Exception):
    """The log already holds this (sender, client_msg_id): `original` is it,
    appended at `appended_ms` (log time, Unix ms)."""

    def __init__(self, original: Envelope, appended_ms: int) -> None:
        super().__init__("duplicate append")
        self.original = original
        self.appended_ms = appended_ms

    def refused(self, cfg: BusConfig) -> bool:
        """The workers refuse the original (the late rule): it is a hole."""
        return self.appended_ms - self.original.alloc_ms > cfg.late_ms


class Publisher:
    def __init__(self, js: JetStreamContext, cfg: BusConfig) -> None:
        self._js = js
        self.cfg = cfg

    def subject(self, conversation_id: str) -> str:
        p = partition_of(conversation_id, self.cfg.partitions)
        return message_subject(self.cfg.prefix, p, conversation_id)

    async def append(self, env: Envelope, msg_id: str, timeout: float) -> int:
        """Publishes and waits for the log's ack; returns the stream sequence.
        Raises DuplicateAppend when the log de-duplicated it, TimeoutError
        (and NATS errors) when it could not be confirmed in time."""
        ack = await self._js.publish(
            self.subject(env.conversation_id),
            env.encode(),
            timeout=max(0.05, timeout),
            stream=self.cfg.stream,
            headers={"Nats-Msg-Id": msg_id},
        )
        if ack.duplicate:
            raw = await self._js.get_msg(self.cfg.stream, seq=ack.seq, direct=True)
            at = int(raw.time.timestamp() * 1000) if raw.time is not None else 0
            raise DuplicateAppend(Envelope.decode(raw.data or b""), at)
        return int(ack.seq)

    async def hole(self, conversation_id: str, seq: int, timeout: float = 2.0) -> None:
        """Tells the workers a seq will never be written (best effort: if
        this is lost, the workers' hole rule gets there a few seconds later)."""
        env = Envelope(HOLE, conversation_id, seq)
        try:
            await self._js.publish(
                self.subject(conversation_id), env.encode(), timeout=timeout, stream=self.cfg.stream
            )
        except Exception as e:
            log.warning("could not publish hole %s/%d: %s", conversation_id, seq, e)

    async def last_seq(self, conversation_id: str) -> int:
        """The highest seq the log holds for the conversation (0 if none):
        with the stores' max, where a lost seq counter starts again."""
        try:
            raw = await self._js.get_msg(
                self.cfg.stream, subject=self.subject(conversation_id), direct=True
            )
        except NotFoundError:
            return 0
        return Envelope.decode(raw.data or b"").seq

    async def tick(self, partition: int) -> None:
        await self._js.publish(
            tick_subject(self.cfg.prefix, partition),
            Envelope(TICK).encode(),
            timeout=2.0,
            stream=self.cfg.stream,
        )
