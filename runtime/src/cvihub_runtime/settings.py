"""Settings every service shares; each service subclasses with its own env prefix."""

from dataclasses import dataclass

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from cvihub_runtime.secretbox import KeyRing


@dataclass(frozen=True)
class ConsumerTuning:
    """How a service's consumers talk to the group coordinator and fetch.

    Apache Kafka's defaults suit a cluster. The embedded broker (and so `up` and the tests) takes
    about half the session timeout to admit a new group member, and answers a fetch only when
    its wait ends, so there both are set short (ServiceSettings' kafka_* fields)."""

    session_timeout_ms: int = 10_000
    heartbeat_interval_ms: int = 3_000
    fetch_max_wait_ms: int = 500
    batch_wait_ms: int = 10
    """How long a subscriber waits for records before it looks again: the most an idle
    consumer adds to a lone record's way (FastStream pauses as long again after an empty wait)."""


class ServiceSettings(BaseSettings):
    """Broker, database and HTTP settings of one service process."""

    # Errors name the setting, never its value: a key ring or a URL may be in it.
    model_config = SettingsConfigDict(extra="ignore", hide_input_in_errors=True)

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092", description="Comma-separated host:port list."
    )
    kafka_session_timeout_ms: int = Field(
        default=10_000,
        ge=1_000,
        le=300_000,
        description="Consumer group session timeout; a consumer silent this long is replaced.",
    )
    kafka_heartbeat_interval_ms: int = Field(
        default=3_000, ge=100, description="Consumer heartbeats, below a third of the session."
    )
    kafka_fetch_max_wait_ms: int = Field(
        default=500, ge=1, le=30_000, description="Longest a fetch waits for new records."
    )
    database_url: str = Field(
        default="sqlite+aiosqlite:///./var/service.db",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///file.db or postgresql+asyncpg://…",
    )
    database_schema: str | None = Field(
        default=None, description="PostgreSQL schema of this service (ignored for SQLite)."
    )
    database_pool_size: int = Field(
        default=10, ge=1, le=200, description="Connections kept open to the database."
    )
    database_pool_overflow: int = Field(
        default=10, ge=0, le=200, description="Connections opened beyond the pool under load."
    )
    database_pool_timeout_seconds: float = Field(
        default=5.0,
        gt=0,
        le=60,
        description="Longest a request waits for a connection before it is shed with a 503.",
    )
    consumer_group: str | None = Field(
        default=None, description="Kafka consumer group; defaults to the service name."
    )
    max_body_bytes: int = Field(
        default=256 * 1024,
        gt=0,
        le=100 * 1024 * 1024,
        description="Largest request body accepted, in bytes; larger ones get 413 as they stream.",
    )
    # Required, no default: a service never starts storing payloads it cannot seal. `up` and
    # the tests generate a ring; a deployment sets one (see secretbox.KeyRing on rotation).
    data_keys: SecretStr = Field(
        description="Key ring sealing data at rest (the outbox's event payloads): "
        "comma-separated id:fernet-key pairs, the current key first; older keys only decrypt, "
        "until `python -m cvihub_runtime.reencrypt` has rewritten their rows.",
    )
    log_level: str = "INFO"
    log_json: bool = True

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("data_keys")
    @classmethod
    def _key_ring(cls, value: SecretStr) -> SecretStr:
        KeyRing.parse(value.get_secret_value())  # fail at start-up; errors never show a key
        return value

    @field_validator("database_schema")
    @classmethod
    def _plain_schema(cls, value: str | None) -> str | None:
        if value is not None and not value.replace("_", "").isalnum():
            raise ValueError("a schema name is letters, digits and underscores")
        return value

    @model_validator(mode="after")
    def _heartbeat_within_session(self) -> "ServiceSettings":
        if self.kafka_heartbeat_interval_ms * 3 > self.kafka_session_timeout_ms:
            raise ValueError("kafka_heartbeat_interval_ms must be at most a third of the session")
        return self

    def key_ring(self) -> KeyRing:
        """The data key ring these settings name."""
        return KeyRing.parse(self.data_keys.get_secret_value())

    def consumer_tuning(self) -> ConsumerTuning:
        """The consumer settings every subscriber of this service uses."""
        return ConsumerTuning(
            session_timeout_ms=self.kafka_session_timeout_ms,
            heartbeat_interval_ms=self.kafka_heartbeat_interval_ms,
            fetch_max_wait_ms=self.kafka_fetch_max_wait_ms,
        )
