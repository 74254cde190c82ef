"""Settings of the intake service, read from INTAKE_* environment variables."""

from datetime import timedelta

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from cvihub_intake.ratelimit import RateLimit
from cvihub_intake.service import Policy
from cvihub_runtime.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    """Broker, database and request limits of the intake service."""

    model_config = SettingsConfigDict(env_prefix="INTAKE_", extra="ignore")

    idempotency_ttl_seconds: int = Field(
        default=24 * 3600,
        ge=60,
        le=30 * 24 * 3600,
        description="How long an Idempotency-Key (and a CloudEvent's source + id) is remembered.",
    )
    future_skew_seconds: int = Field(
        default=300,
        ge=0,
        le=24 * 3600,
        description="How far in the future a time at which something happened may lie "
        "(clock skew between the partner's system and the hub).",
    )

    upload_max_bytes: int = Field(
        default=8 * 1024 * 1024,
        gt=0,
        le=100 * 1024 * 1024,
        description="Largest CSV or Excel upload, in bytes (other bodies: max_body_bytes).",
    )
    outbox_retention_hours: int = Field(
        default=7 * 24,
        ge=1,
        le=365 * 24,
        description="How long published events stay in the outbox for replay.",
    )
    admin_token: SecretStr | None = Field(
        default=None, description="Bearer token of POST /v1/admin/replay; unset refuses all."
    )
    rate_limit: RateLimit = Field(
        default_factory=RateLimit,
        description='Every partner\'s request rate, e.g. {"per_minute": 1200, "burst": 200}.',
    )
    rate_limit_overrides: dict[str, RateLimit] = Field(
        default_factory=dict,
        description="Partner id -> its own rate limit, as JSON; the others get rate_limit.",
    )

    def policy(self) -> Policy:
        """The limits every submission is held to."""
        return Policy(
            idempotency_ttl=timedelta(seconds=self.idempotency_ttl_seconds),
        )
