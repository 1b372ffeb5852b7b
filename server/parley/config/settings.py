"""Typed settings: a TOML file plus `PARLEY_*` environment variables.

Nested sections are set from the environment with a double underscore, e.g.
`PARLEY_LIMITS__MAX_FRAME_BYTES=65536`. A few top-level shortcuts
(`PARLEY_LISTEN`, `PARLEY_DATA_DIR`, `PARLEY_ADMIN_SECRET`) cover the common case.
"""

from __future__ import annotations

import os
from enum import IntEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


class MultiLoginPolicy(IntEnum):
    """OpenIM's multi-login policies (same numbers)."""

    NO_KICK = 0
    ONE_PER_PLATFORM = 1
    ONE_PER_CLASS = 4
    PCS_COEXIST = 5


class AuthSettings(BaseModel):
    admin_secret: str = ""
    token_secret: str = ""
    user_token_ttl_seconds: int = 7 * 24 * 3600
    # Longest ttl_seconds IssueUserToken accepts; past it the expiry would
    # eventually overflow int64, and a token nobody can expire is a leak.
    max_user_token_ttl_seconds: int = 365 * 24 * 3600
    admin_token_ttl_seconds: int = 24 * 3600
    multi_login_policy: MultiLoginPolicy = MultiLoginPolicy.ONE_PER_PLATFORM


class LimitSettings(BaseModel):
    max_frame_bytes: int = 256 * 1024
    # gRPC's own cap, the memory bound per request: up to it an over-size
    # request or frame is read and answered FRAME_TOO_LARGE; past it gRPC
    # refuses it before Parley sees it (bare RESOURCE_EXHAUSTED).
    max_transport_bytes: int = 1024 * 1024
    max_content_bytes: int = 64 * 1024
    # Token bucket per connection: sustained sends per second and burst size.
    send_rate_per_second: float = 200.0
    send_burst: int = 400
    send_queue_frames: int = 1024
    # Admission control: sends accepted but not yet acked, over all streams.
    # At the bound the gateway stops reading frames, so HTTP/2 flow control
    # pushes back on the senders instead of server memory growing.
    max_inflight_sends: int = 4096
    # Users one stream may watch the presence of; the registry's watcher
    # sets are bounded by open streams times this.
    presence_watches_per_stream: Annotated[int, Field(ge=0)] = 1000
    auth_timeout_seconds: float = 10.0
    heartbeat_interval_seconds: float = 30.0
    idle_timeout_seconds: float = 90.0


class MessageSettings(BaseModel):
    revoke_window_seconds: int = 24 * 3600
    retention_days: int = 0
    retention_interval_seconds: float = 3600.0
    friends_only: bool = False
    # Group commit: how long the writer waits for more writes to join a batch.
    commit_delay_ms: float = 1.0
    commit_max_batch: int = 512
    # Conversations whose seq state stays in memory (embedded mode): the
    # least recently used with no write in flight are dropped beyond it and
    # reloaded from the stores (one query) when used again.
    seq_cache_conversations: int = Field(default=100_000, ge=1)


class GroupSettings(BaseModel):
    # False: a new member sees history from their join on; True: everything.
    new_member_full_history: bool = False
    max_members: int = 20_000
    # Users per CreateGroup / InviteMembers / KickMembers call.
    max_members_per_call: int = 2_000
    # Groups whose members are kept in memory (LRU), so sends touch no member rows.
    cached_groups: int = 10_000


class IdempotencySettings(BaseModel):
    """Idempotency keys of creating calls (domain/idempotency.py)."""

    # How long a key's first answer is kept for retries; purged after.
    retention_seconds: Annotated[float, Field(gt=0)] = 24 * 3600.0
    purge_interval_seconds: Annotated[float, Field(gt=0)] = 3600.0
    # A first attempt running longer is presumed dead (its server crashed):
    # a retry then runs the call again.
    lease_seconds: Annotated[float, Field(gt=0)] = 60.0
    # How long a retry waits for a first attempt still running, before
    # IDEMPOTENCY_KEY_IN_FLIGHT.
    wait_seconds: Annotated[float, Field(ge=0)] = 10.0


class CacheSettings(BaseModel):
    """Entries kept per in-memory cache (the least recently used go first).
    Each is a copy of what the database holds, so a smaller cache costs
    queries, never a wrong answer. Group members: `groups.cached_groups`."""

    # User ids known to exist (recipients of sends, users given tokens).
    known_users: Annotated[int, Field(ge=0)] = 100_000
    # Users whose friend and blacklist sets are kept, for the single-chat send rule.
    relation_users: Annotated[int, Field(ge=0)] = 100_000
    # Acks of recent sends, so a resend is answered without a query.
    recent_acks: Annotated[int, Field(ge=0)] = 100_000
    # Delivery cursors (user, conversation) last reported, so a repeated ack costs nothing.
    delivery_cursors: Annotated[int, Field(ge=0)] = 200_000
    # Users whose daily activity was written lately (one users-row update a minute each).
    active_users: Annotated[int, Field(ge=0)] = 200_000


class HookSettings(BaseModel):
    """Webhooks to the app server (parley.hooks). No url: no hooks, and the
    send path pays one `if` for them."""

    url: str = ""
    # HMAC-SHA256 key of the X-Parley-Signature header. Embedded mode
    # generates one into the data directory when a url is set.
    secret: str = ""
    # Events to call: names or shell-style patterns ("before.*", "push.offline").
    events: list[str] = Field(default_factory=lambda: ["*"])
    # Before-hooks: the longest a send or change waits for the app server.
    timeout_seconds: float = 2.0
    # A before-hook that fails (down, timeout, bad answer): True lets the
    # action through, False refuses it (UNAVAILABLE, ERROR_REASON_DENIED_BY_HOOK).
    fail_open: bool = True
    # After-hooks run off the hot path: per-attempt timeout, retries after the
    # first attempt, a bounded queue (full: dropped and counted) and its workers.
    after_timeout_seconds: float = 5.0
    retries: int = 2
    queue_size: int = 10_000
    workers: int = 8


class MetricsSettings(BaseModel):
    # Prometheus text format at http://<listen>/metrics, on its own port.
    enabled: bool = False
    listen: str = "127.0.0.1:9464"


class TlsSettings(BaseModel):
    """TLS on the gRPC port (parley.tls, docs/tls.md). No certificate: cleartext,
    which is meant for loopback only (elsewhere the server warns at start)."""

    # PEM files: the certificate chain (leaf first) and its private key.
    # Read again when they change (checked at each new connection) or on SIGHUP.
    cert_file: str = ""
    key_file: str = ""
    # PEM CA certificates: set, every client must present a certificate one
    # of them signed (mutual TLS, for service-to-service callers).
    client_ca_file: str = ""


class WebSettings(BaseModel):
    """The browser protocols (Connect, gRPC-Web) on a port of their own
    (parley.web, docs/web.md). TLS, when set, is the `tls` section's."""

    enabled: bool = False
    listen: str = "127.0.0.1:8080"
    # Page origins ("https://app.example.com") a browser may call from; "*" any.
    # Empty: no cross-origin calls (CORS off).
    cors_allowed_origins: list[str] = Field(default_factory=list)
    # The operator console (clients/console, `make console`) at this path, e.g. "/console";
    # empty: not served. Its files are read from console_dir.
    console_path: str = ""
    console_dir: str = "clients/console/dist"


class StorageSettings(BaseModel):
    # Empty: SQLite in the data directory.
    database_url: str = ""
    # FULL makes an ack survive power loss, not only a process crash.
    sqlite_synchronous: str = "FULL"


class FileSettings(BaseModel):
    """Files and media (parley.domain.files, docs/files.md)."""

    # Largest file accepted, in bytes.
    max_bytes: Annotated[int, Field(ge=1)] = 100 * 1024 * 1024
    # MIME types accepted, as sniffed from the bytes; "*" accepts every type.
    allowed_types: list[str] = Field(
        default_factory=lambda: [
            "image/jpeg",
            "image/png",
            "image/gif",
            "image/webp",
            "audio/mpeg",
            "audio/ogg",
            "audio/mp4",
            "video/mp4",
            "video/webm",
            "application/pdf",
            "application/zip",
            "text/plain",
        ]
    )
    # Bytes a user may store (files sent or pending); 0: no quota.
    quota_bytes_per_user: Annotated[int, Field(ge=0)] = 0
    # Largest chunk of UploadChunks and Download (below limits.max_transport_bytes).
    chunk_bytes: Annotated[int, Field(ge=1024)] = 256 * 1024
    # An upload not finished within this is dropped with its staged bytes.
    upload_ttl_seconds: float = 24 * 3600.0
    # "local" (a directory, `dir`) or "s3" (the s3_* settings).
    backend: str = "local"
    # Local blobs and staged uploads; empty: <data_dir>/files.
    dir: str = ""
    s3_endpoint: str = ""
    s3_bucket: str = "parley-files"
    s3_region: str = "us-east-1"
    s3_access_key: str = ""
    s3_secret_key: str = ""
    # Pending uploads on S3 are multipart uploads of parts this big (S3's minimum
    # is 5 MiB); each upload stream holds up to one part in memory.
    s3_part_bytes: Annotated[int, Field(ge=5 * 1024 * 1024)] = 8 * 1024 * 1024
    # Signed URLs (GET /files/<id>) are served by the web listener ([web]). The URL
    # prefix clients reach it by (a proxy, a CDN); empty: the web listener's own
    # address, and no signed URLs when [web] is disabled.
    public_url: str = ""
    url_ttl_seconds: Annotated[float, Field(gt=0)] = 300.0
    # Images: drop the GPS location from the EXIF metadata before storing.
    strip_location: bool = True
    # Longest side of image thumbnails, in pixels.
    thumbnail_px: Annotated[int, Field(ge=16)] = 320
    # The collector drops files no message names once they are this old...
    gc_grace_seconds: float = 24 * 3600.0
    # ...checking this often (0: never).
    gc_interval_seconds: float = 3600.0


class ClusterSettings(BaseModel):
    """Engines and bus of cluster mode (`mode = "cluster"`); see docs/cluster.md.
    SQL (users, relations, groups, conversations) is `storage.database_url`."""

    redis_url: str = "redis://127.0.0.1:6379/0"
    # Every Redis key (seqs, visible max, presence, tokens) starts with this.
    redis_prefix: str = "parley:"
    nats_url: str = "nats://127.0.0.1:4222"
    # Subjects `<prefix>.msg.>` / `<prefix>.push.<node>`; the stream is
    # PARLEY_MSG (or PARLEY_MSG_<PREFIX> for another prefix).
    bus_prefix: str = "parley"
    # Empty: messages in the SQL database; else MongoDB (database from the URL).
    mongo_url: str = ""
    # Token revocations and force-logout floors in Redis (else SQL).
    tokens_in_redis: bool = True
    partitions: int = 8
    batch: int = 256
    ack_wait_seconds: float = 10.0
    publish_deadline_seconds: float = 3.0
    skew_margin_seconds: float = 2.0
    duplicate_window_seconds: float = 600.0
    max_age_seconds: float = 7 * 86_400.0
    replicas: int = 1
    # Presence heartbeat of a gateway node (its routes expire after 3 of them).
    heartbeat_seconds: float = 5.0


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PARLEY_",
        env_nested_delimiter="__",
        extra="ignore",
    )

    listen: str = "127.0.0.1:50051"
    data_dir: Path = Path("data")
    node_id: str = "node-1"
    mode: str = "embedded"
    # Cluster mode: "gateway" (gRPC + publish), "worker" (persist the log), "all".
    role: str = "all"
    grace_seconds: float = 5.0
    log_level: str = "INFO"
    # "text" for people, "json" (one object per line) for log pipelines.
    log_format: str = "text"
    auth: AuthSettings = Field(default_factory=AuthSettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    messages: MessageSettings = Field(default_factory=MessageSettings)
    groups: GroupSettings = Field(default_factory=GroupSettings)
    caches: CacheSettings = Field(default_factory=CacheSettings)
    idempotency: IdempotencySettings = Field(default_factory=IdempotencySettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    hooks: HookSettings = Field(default_factory=HookSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    tls: TlsSettings = Field(default_factory=TlsSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    files: FileSettings = Field(default_factory=FileSettings)
    cluster: ClusterSettings = Field(default_factory=ClusterSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = os.environ.get("PARLEY_CONFIG", "parley.toml")
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if Path(toml_file).is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_file))
        return tuple(sources)

    def with_overrides(self, **overrides: Any) -> Settings:
        return self.model_copy(update={k: v for k, v in overrides.items() if v is not None})

    def secret_value(self) -> str:
        return os.environ.get("PARLEY_ADMIN_SECRET", "") or self.auth.admin_secret
