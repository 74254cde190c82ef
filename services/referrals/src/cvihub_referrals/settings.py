"""Settings of the referrals service (environment prefix REFERRALS_)."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from cvihub_runtime.settings import ServiceSettings


class ReferralsSettings(ServiceSettings):
    """Broker, database and HTTP settings of the referrals service."""

    model_config = SettingsConfigDict(env_prefix="REFERRALS_", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./var/referrals.db",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///file.db or postgresql+asyncpg://…",
    )
    max_clock_skew_seconds: float = Field(
        default=300.0,
        ge=0,
        le=3600,
        description="How far in the future a time at which something happened (a contact "
        "attempt, a consent, an injury) may lie, for clocks that disagree.",
    )
