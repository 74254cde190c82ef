"""The registry's settings, from REGISTRY_* environment variables."""

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from cvihub_runtime.secretbox import SecretBox
from cvihub_runtime.settings import ServiceSettings


class RegistrySettings(ServiceSettings):
    """Where the registry keeps its data, who may administer it, and what it starts with."""

    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./var/registry.db",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///file.db or postgresql+asyncpg://…",
    )
    admin_token: SecretStr = Field(
        min_length=16, description="Bearer token of the registry's admin API."
    )
    secret_key: SecretStr = Field(
        description="The hub's Fernet key: encrypts webhook secrets at rest and on the stream."
    )
    seed_file: Path | None = Field(
        default=None, description="YAML file of partners to create at startup when missing."
    )
    kafka_acls: bool = Field(
        default=False,
        description="Keep Kafka ACLs of partners that consume directly in step with grants.",
    )
    kafka_acl_sync_seconds: float = Field(
        default=30.0, gt=0, description="Seconds between Kafka ACL syncs (also after changes)."
    )
    kafka_acl_direct_publish: bool = Field(
        default=False,
        description="Give publish grants a WRITE ACL (partners otherwise publish via intake).",
    )
    key_rotation_grace_seconds: int = Field(
        default=86400, ge=0, description="How long a rotated-out API key keeps working."
    )

    @field_validator("secret_key")
    @classmethod
    def _fernet_key(cls, value: SecretStr) -> SecretStr:
        # Fail at startup, not at the first subscription: SecretBox raises on a bad key.
        SecretBox(value.get_secret_value())
        return value
