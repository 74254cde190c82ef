"""The registry's settings, from REGISTRY_* environment variables."""

from pathlib import Path
from typing import Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from cvihub_runtime.mail import SmtpConfig, check_sender
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
        min_length=16,
        description="Bootstrap bearer token of the registry's admin API: create named "
        "administrators with it, then keep it for break-glass use.",
    )
    admin_key_ttl_days: int = Field(
        default=90, ge=1, le=365, description="Default lifetime of an administrator's key."
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

    webhook_allow_insecure_loopback: bool = Field(
        default=False,
        description="Accept webhook URLs over plain http:// and to loopback addresses: for local "
        "development and tests only (the embedded demo stack sets it). Off, a webhook must be "
        "HTTPS to a public address.",
    )
    smtp_url: SecretStr | None = Field(
        default=None,
        description="SMTP relay of sign-in codes: smtp://user:pass@host:587 (STARTTLS) or "
        "smtps://user:pass@host:465 (TLS); ?starttls=false&timeout=30. Unset: mail stays in "
        "the mail outbox (GET /v1/admin/mail-outbox), for development.",
    )
    mail_from: str | None = Field(
        default=None, description="From address of the registry's mail, e.g. hub@example.org."
    )
    smtp_max_attempts: int = Field(
        default=6, ge=1, le=50, description="Delivery attempts of one message before it fails."
    )
    smtp_retry_seconds: float = Field(
        default=5.0, gt=0, description="First retry delay; it doubles per attempt (to 5 min)."
    )

    @field_validator("secret_key")
    @classmethod
    def _fernet_key(cls, value: SecretStr) -> SecretStr:
        # Fail at startup, not at the first subscription: SecretBox raises on a bad key.
        SecretBox(value.get_secret_value())
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            return None  # REGISTRY_SMTP_URL= (empty) means no relay, as when unset
        if value is not None:
            SmtpConfig.from_url(value.get_secret_value())
        return value

    @field_validator("mail_from")
    @classmethod
    def _mail_from(cls, value: str | None) -> str | None:
        return check_sender(value) if value else None

    @model_validator(mode="after")
    def _sender_with_relay(self) -> Self:
        if self.smtp_url is not None and self.mail_from is None:
            raise ValueError("REGISTRY_MAIL_FROM is required when REGISTRY_SMTP_URL is set")
        return self

    def smtp(self) -> SmtpConfig | None:
        """The SMTP relay, or None when mail stays in the outbox."""
        return SmtpConfig.from_url(self.smtp_url.get_secret_value()) if self.smtp_url else None
