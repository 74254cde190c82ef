"""Settings of the notifications service (env prefix NOTIFICATIONS_)."""

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from cvihub_runtime.secretbox import SecretBox
from cvihub_runtime.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    """Broker, database, webhook signing and retry settings."""

    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore")

    secret_key: str = Field(
        description="The hub's Fernet key: decrypts webhook secrets, encrypts stored bodies."
    )
    retry_base_seconds: float = Field(default=1.0, gt=0, description="First retry delay.")
    retry_max_seconds: float = Field(default=3600.0, gt=0, description="Longest retry delay.")
    max_attempts: int = Field(default=10, ge=1, description="Attempts before a delivery fails.")
    http_timeout_seconds: float = Field(default=10.0, gt=0, description="Per-request timeout.")
    max_concurrent_deliveries: int = Field(default=16, ge=1, description="Requests in flight.")
    poll_seconds: float = Field(
        default=0.5, gt=0, description="How often the worker looks for due retries unwoken."
    )

    @field_validator("secret_key")
    @classmethod
    def _fernet_key(cls, value: str) -> str:
        SecretBox(value)  # fail at start-up, not at the first delivery
        return value
