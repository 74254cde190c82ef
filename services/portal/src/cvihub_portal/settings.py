"""Settings of the portal (environment prefix PORTAL_)."""

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from cvihub_runtime.settings import ServiceSettings


class PortalSettings(ServiceSettings):
    """Where the other services answer, the secrets the portal holds, its database and broker."""

    model_config = SettingsConfigDict(env_prefix="PORTAL_", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./var/portal.db",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///file.db or postgresql+asyncpg://…",
    )
    registry_url: str = Field(default="http://127.0.0.1:8001", description="The registry API.")
    intake_url: str = Field(default="http://127.0.0.1:8002", description="The intake API.")
    referrals_url: str = Field(default="http://127.0.0.1:8003", description="The referrals API.")
    notifications_url: str = Field(
        default="http://127.0.0.1:8004", description="The notifications API."
    )
    registry_admin_token: SecretStr = Field(
        description="The registry's admin token: the portal issues each partner whose people "
        "sign in a key of its own (kept encrypted) and an inbox for its alerts."
    )
    secret_key: SecretStr = Field(
        description="Fernet key encrypting the partner keys the portal holds."
    )
    cookie_secure: bool = Field(
        default=False,
        description="Send the session cookie over HTTPS only; set true behind TLS.",
    )
    session_check_seconds: float = Field(
        default=15.0,
        ge=0,
        le=300,
        description="How long a checked session is trusted before the registry is asked again "
        "(a lost phone signed out by an admin is locked out within this).",
    )
    upstream_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    stream_poll_seconds: float = Field(
        default=2.0,
        gt=0,
        le=60,
        description="While notifications has no live stream, how often the portal polls the "
        "partner's inbox for the live feed.",
    )

    @field_validator("registry_url", "intake_url", "referrals_url", "notifications_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("an http:// or https:// URL")
        return value.rstrip("/")
