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
        description="Partner id -> its rate limit, as JSON, for partners the registry sets no "
        "limit for (the registry's, on partner.changed, comes first); the others get rate_limit.",
    )
    webhook_allow_insecure_loopback: bool = Field(
        default=False,
        description="Allow FHIR Subscription endpoints over plain http:// and on loopback "
        "addresses: for local development and tests only. Off, every rest-hook goes over HTTPS "
        "to a public address, checked when the Subscription is made and at each delivery.",
    )
    fhir_base_url: str | None = Field(
        default=None,
        max_length=500,
        description="The public base of intake's FHIR endpoint (e.g. https://hub.example/fhir), "
        "for absolute references in notifications; unset, they are relative.",
    )
    subscription_retry_seconds: tuple[float, ...] = Field(
        default=(10, 60, 300, 1800, 7200, 21600),
        min_length=1,
        max_length=20,
        description="Delays before each retry of a failed rest-hook notification; after the "
        "last one the notification is given up and its Subscription shows status error.",
    )
    subscription_timeout_seconds: float = Field(
        default=10.0, gt=0, le=120, description="How long a rest-hook POST may take."
    )
    subscriptions_per_partner: int = Field(
        default=20, ge=1, le=1000, description="Most FHIR Subscriptions one partner may hold."
    )

    def policy(self) -> Policy:
        """The limits every submission is held to."""
        return Policy(
            idempotency_ttl=timedelta(seconds=self.idempotency_ttl_seconds),
        )
