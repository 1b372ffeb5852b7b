"""Typed settings: a TOML file plus `PARLEY_*` environment variables.

Nested sections are set from the environment with a double underscore, e.g.
`PARLEY_LIMITS__MAX_FRAME_BYTES=65536`. A few top-level shortcuts
(`PARLEY_LISTEN`, `PARLEY_DATA_DIR`, `PARLEY_ADMIN_SECRET`) cover the common case.
"""

from __future__ import annotations

import os
from enum import IntEnum
from pathlib import Path
from typing import Any

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
    admin_token_ttl_seconds: int = 24 * 3600
    multi_login_policy: MultiLoginPolicy = MultiLoginPolicy.ONE_PER_PLATFORM


class LimitSettings(BaseModel):
    max_frame_bytes: int = 256 * 1024
    max_content_bytes: int = 64 * 1024
    # Token bucket per connection: sustained sends per second and burst size.
    send_rate_per_second: float = 200.0
    send_burst: int = 400
    send_queue_frames: int = 1024
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


class StorageSettings(BaseModel):
    # Empty: SQLite in the data directory.
    database_url: str = ""
    # FULL makes an ack survive power loss, not only a process crash.
    sqlite_synchronous: str = "FULL"


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
    grace_seconds: float = 5.0
    log_level: str = "INFO"
    auth: AuthSettings = Field(default_factory=AuthSettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    messages: MessageSettings = Field(default_factory=MessageSettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)

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
